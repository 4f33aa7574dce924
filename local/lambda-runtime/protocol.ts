/** What the runner (`function-runner.ts`) and its worker (`worker.ts`) say to each other. */

/** What the runner gives the worker. */
export interface WorkerData {
  readonly codePath: string;
  readonly exportName: string;
}

/** A message to the worker: one invocation. */
export interface InvokeMessage {
  readonly id: string;
  readonly event: unknown;
  readonly timeoutMs: number;
}

/** A message from the worker. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: { readonly name: string; readonly message: string } }
  | { readonly type: 'result'; readonly id: string; readonly result?: unknown; readonly error?: { readonly name: string; readonly message: string } };

/** Written on stdout and stderr after an invocation, followed by its id. */
export const END_OF_INVOCATION = '__local_invocation_done__';
