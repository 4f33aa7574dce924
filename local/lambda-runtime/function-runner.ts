import { Worker } from 'node:worker_threads';
import { END_OF_INVOCATION, type InvokeMessage, type WorkerData, type WorkerMessage } from './protocol';
import { BUNDLED_HANDLER, RUNTIME_WORKER } from '../paths';

/** What one invocation produced: the function's result or error, and everything it wrote to stdout / stderr. */
export interface Invocation<T = unknown> {
  readonly result?: T;
  /** Set when the function threw (or rejected): Lambda would report the invocation as failed. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Raw output lines, stdout then stderr. */
  readonly lines: string[];
  /** The output lines that are JSON objects (structured logs and EMF metrics). */
  readonly json: Record<string, any>[];
}

export interface InvokeOptions {
  /** The function timeout the fake context reports through `getRemainingTimeInMillis`. @default 60000 */
  readonly timeoutMs?: number;
}

interface Pending {
  readonly id: string;
  reply?: { result?: unknown; error?: { name: string; message: string } };
  stdoutDone: boolean;
  stderrDone: boolean;
  readonly stdout: string[];
  readonly stderr: string[];
  resolve(invocation: Invocation): void;
  reject(error: Error): void;
}

/**
 * One Lambda execution environment: a function's code loaded in a worker thread (`worker.ts`) with its own environment,
 * so module-level clients are created from that environment, and a new runner is a cold start. Invocations run one at
 * a time, as in one execution environment.
 */
export class FunctionRunner {
  /** Loads `codePath` (the bundled pusher by default) and resolves once its module has run. */
  static async load(env: Record<string, string>, codePath = BUNDLED_HANDLER, exportName = 'handler'): Promise<FunctionRunner> {
    const workerData: WorkerData = { codePath, exportName };
    const worker = new Worker(RUNTIME_WORKER, { env, workerData, stdout: true, stderr: true });
    const runner = new FunctionRunner(worker);
    await new Promise<void>((ready, fail) => {
      worker.once('error', fail);
      worker.once('message', (message: WorkerMessage) => {
        worker.off('error', fail);
        return message.type === 'ready' ? ready() : fail(new Error(`the function failed to load: ${message.type === 'init-error' ? message.error.message : message.type}`));
      });
    });
    return runner;
  }

  /** Output written while the module loaded or between invocations. */
  readonly startupLines: string[] = [];
  private pending?: Pending;
  /** The end of the last invocation asked for: the next one starts after it. */
  private queue: Promise<void> = Promise.resolve();
  private counter = 0;
  private exited = false;

  private constructor(private readonly worker: Worker) {
    this.readLines(worker.stdout, 'stdout');
    this.readLines(worker.stderr, 'stderr');
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'result' && this.pending?.id === message.id) {
        this.pending.reply = { result: message.result, error: message.error };
        this.complete();
      }
    });
    worker.on('error', (error: Error) => this.pending?.reject(error));
    worker.on('exit', (code) => {
      this.exited = true;
      this.pending?.reject(new Error(`the function's worker exited with code ${code}`));
    });
  }

  /**
   * Invokes the function with an event (SQS, SNS or a direct request) and a Lambda context. One execution
   * environment runs one invocation at a time: a call made while another runs waits for its turn.
   */
  async invoke<T = unknown>(event: unknown, options: InvokeOptions = {}): Promise<Invocation<T>> {
    const turn = this.queue.then(() => this.invokeNow<T>(event, options));
    this.queue = turn.then(() => undefined, () => undefined);
    return turn;
  }

  private async invokeNow<T>(event: unknown, options: InvokeOptions): Promise<Invocation<T>> {
    if (this.exited) {
      throw new Error('the function was stopped');
    }
    const id = `local-invocation-${++this.counter}`;
    const invocation = new Promise<Invocation>((resolve, reject) => {
      this.pending = { id, stdoutDone: false, stderrDone: false, stdout: [], stderr: [], resolve, reject };
    });
    this.worker.postMessage({ id, event, timeoutMs: options.timeoutMs ?? 60_000 } satisfies InvokeMessage);
    try {
      return await invocation as Invocation<T>;
    } finally {
      this.pending = undefined;
    }
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      await this.worker.terminate();
    }
  }

  private readLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        this.onLine(buffer.slice(0, newline), name);
        buffer = buffer.slice(newline + 1);
      }
    });
  }

  private onLine(line: string, stream: 'stdout' | 'stderr'): void {
    const pending = this.pending;
    if (pending && line === `${END_OF_INVOCATION}${pending.id}`) {
      pending[stream === 'stdout' ? 'stdoutDone' : 'stderrDone'] = true;
      this.complete();
    } else if (line.trim() !== '') {
      (pending ? pending[stream] : this.startupLines).push(line);
    }
  }

  /** An invocation is over once its result and the end of both output streams have arrived. */
  private complete(): void {
    const pending = this.pending;
    if (!pending?.reply || !pending.stdoutDone || !pending.stderrDone) {
      return;
    }
    const lines = [...pending.stdout, ...pending.stderr];
    pending.resolve({ ...pending.reply, lines, json: lines.flatMap(parseJsonObject) });
  }
}

function parseJsonObject(line: string): Record<string, any>[] {
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? [value] : [];
  } catch {
    return [];
  }
}
