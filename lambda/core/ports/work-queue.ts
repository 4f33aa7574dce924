/** The work queue port: the pusher's internal queue of work items. `SqsWorkQueue` (adapters/) implements it. */

/** One work item to enqueue. */
export interface WorkMessage {
  readonly body: string;
  /** SQS `DelaySeconds` (0 to 900): carried-forward connections wait before their next attempt. */
  readonly delaySeconds?: number;
}

/** Where work items go: the pusher's internal work queue. */
export interface WorkQueue {
  /** Enqueues every message or throws a `WorkQueueError` (../errors.ts); never leaves a message half-known. */
  send(messages: readonly WorkMessage[]): Promise<void>;
}
