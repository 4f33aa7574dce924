import type { DeliveryDeps } from '../core/delivery/deps';
import type { SegmentStore } from '../core/ports/connection-store';
import type { Log } from '../core/ports/reporter';
import type { WorkQueue } from '../core/ports/work-queue';

/** Settings of the segmented broadcast (the construct's `segmentedBroadcast`): work queue, workers, pace. */
export interface SegmentedBroadcastConfig {
  /** Split when the table holds at least this many rows; 0 = always. */
  readonly threshold: number;
  readonly workQueueUrl: string;
  /** An SQS record from this queue is a work item; any other is a public request. */
  readonly workQueueArn: string;
  readonly totalSegments: number;
  readonly workerConcurrency: number;
  /** Posts per second of all workers together. */
  readonly sendRatePerSecond: number;
  readonly timeMarginMs: number;
  readonly pageSize: number;
  /** Work-item attempts for connections still failing after their posts' retries. */
  readonly maxCarryForwardAttempts: number;
}

/** Whether broadcast-like requests are split now (`SplitDecision` in split.ts). */
export interface SplitPolicy {
  shouldSplit(): Promise<boolean>;
}

/** What splitting requests and running work items need, injected. */
export interface WorkDeps {
  readonly config: SegmentedBroadcastConfig;
  readonly store: SegmentStore;
  readonly queue: WorkQueue;
  /** The work queue's dead-letter queue: where an exhausted leftover is kept (and from where it can be redriven). */
  readonly deadLetters: WorkQueue;
  /** The delivery core's dependencies for workers: the same store, a paced sender. */
  readonly workerDeps: DeliveryDeps;
  /** Key attribute names, to validate a continuation's `exclusiveStartKey`. */
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly splitDecision: SplitPolicy;
  readonly log: Log;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}
