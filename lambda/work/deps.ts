import type { DeliveryDeps } from '../core/delivery/deps';
import type { MessageFormat } from '../core/envelope';
import type { SegmentStore } from '../core/ports/connection-store';
import type { Log } from '../core/ports/reporter';
import type { WorkQueue } from '../core/ports/work-queue';

/** The segmented broadcast (the construct's `segmentedBroadcast`): when and into how many work items to split. */
export interface SplitConfig {
  /** Split when the table holds at least this many rows; 0 = always. */
  readonly threshold: number;
  readonly totalSegments: number;
}

/** The work queue and its workers: where follow-ups and split broadcasts go, and how workers pace themselves. */
export interface WorkConfig {
  readonly workQueueUrl: string;
  /** An SQS record from this queue is a work item; any other is a public request. */
  readonly workQueueArn: string;
  /** Where an exhausted remainder is kept; absent: it is only logged (and counted). */
  readonly deadLetterQueueUrl?: string;
  readonly workerConcurrency: number;
  /** Posts per second of all workers together. */
  readonly sendRatePerSecond: number;
  readonly timeMarginMs: number;
  readonly pageSize: number;
  /** Work-item attempts for connections and users still failing after their retries. */
  readonly maxCarryForwardAttempts: number;
  /** Segmented broadcast; absent: off. */
  readonly split?: SplitConfig;
}

/** Whether broadcast-like requests are split now, and requests to one channel (`SplitDecision` in split.ts). */
export interface SplitPolicy {
  shouldSplit(): Promise<boolean>;
  /** Whether a request to this channel alone is split (asked only once `shouldSplit` said yes). */
  shouldSplitChannel(channel: string): Promise<boolean>;
}

/** What splitting requests and running work items need, injected. */
export interface WorkDeps {
  readonly config: WorkConfig;
  readonly store: SegmentStore;
  readonly queue: WorkQueue;
  /** The work queue's dead-letter queue: where an exhausted remainder is kept (and from where it can be redriven). */
  readonly deadLetters: WorkQueue;
  /** The delivery core's dependencies for workers: the same store, a paced sender. */
  readonly workerDeps: DeliveryDeps;
  /** Key attribute names, to validate a continuation's `exclusiveStartKey`. */
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** What connections receive (a work item carries `data`; the envelope is rebuilt from it). @default data */
  readonly messageFormat?: MessageFormat;
  /** Present when the segmented broadcast is on. */
  readonly splitDecision?: SplitPolicy;
  readonly log: Log;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}
