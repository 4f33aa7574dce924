/**
 * What processing a request or a work item comes to: the figures and outcomes that are logged, published as metrics
 * and turned into the invocation's answer. Types only, plus the one zero-counts factory.
 */
import type { DeliveryError, RequestError, WorkError } from './errors';
import type { RequestKind } from './targets';

/** Per-request figures, logged and published as metrics. */
export interface DeliveryCounts {
  /** Distinct connections a post was attempted to (after TTL, exclusions and de-duplication). */
  targets: number;
  delivered: number;
  /** Connections that answered 410 Gone. */
  gone: number;
  /** Gone rows deleted from the table. */
  pruned: number;
  /** Post attempts after the first, summed over connections. */
  retried: number;
  /** Connections not delivered for any reason but Gone. */
  failed: number;
}

/** Fresh counts, all zero: every report starts from these. */
export function zeroCounts(): DeliveryCounts {
  return { targets: 0, delivered: 0, gone: 0, pruned: 0, retried: 0, failed: 0 };
}

/** `invalid`: can never succeed, not retried. `failed`: transient, the message must be retried. */
export type DeliveryStatus = 'delivered' | 'invalid' | 'failed';

/** What delivering one request in this invocation came to. */
export interface DeliveryOutcome extends DeliveryCounts {
  readonly status: DeliveryStatus;
  readonly kind: RequestKind;
  readonly durationMs: number;
  readonly error?: DeliveryError;
}

/** Where a request came from, told apart per record. */
export type RequestSource = 'sqs' | 'sns' | 'direct' | 'unknown';

/** The one structured line (and metric set) emitted per request. */
export interface RequestReport extends DeliveryCounts {
  readonly messageId: string;
  readonly source: RequestSource;
  readonly kind: RequestKind | 'invalid';
  /** `split`: handed to the work queue as `segments` work items (segmented broadcast), acknowledged. */
  readonly outcome: DeliveryStatus | 'split';
  readonly durationMs: number;
  readonly segments?: number;
  readonly error?: DeliveryError | RequestError | WorkError;
}

/** `completed`: the item's slice is done; `continued`: a continuation was enqueued; `invalid`: malformed (DLQ). */
export type WorkOutcome = 'completed' | 'continued' | 'invalid' | 'failed';

/** The one structured line (and metric set) per work item. */
export interface WorkReport extends DeliveryCounts {
  /**
   * The message id of the request the item belongs to (the `requestId` of the work-item format): correlates every
   * work item, log line and metric of one split request.
   */
  readonly requestId: string;
  /** The work item's own SQS message id. */
  readonly messageId: string;
  readonly kind: 'segment' | 'carry-forward' | 'invalid';
  readonly segment: number;
  readonly totalSegments: number;
  readonly attempt: number;
  readonly outcome: WorkOutcome;
  /** Carried-forward connections this item attempted again (its `targets` counts first attempts only). */
  readonly retargeted: number;
  /** Connections handed to a follow-up work item. */
  readonly carried: number;
  /** Scan pages sent. */
  readonly pages: number;
  /** Continuations enqueued by this item (0 or 1): a count, so that Logs Insights sums it over a request. */
  readonly continued: 0 | 1;
  readonly durationMs: number;
  /** Since the request was split: the largest over a request's items is the request's wall time. */
  readonly wallTimeMs: number;
  readonly error?: DeliveryError | WorkError;
}
