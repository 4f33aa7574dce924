/**
 * What processing a request or a work item comes to: the figures and outcomes that are logged, published as metrics
 * and turned into the invocation's answer. Types only, plus the one zero-counts factory.
 */
import type { DeliveryError, RequestError, WorkError } from './errors';
import type { CarriedConnection, StartKey } from './ports/connection-store';
import type { RequestKind } from './targets';

/** Per-request figures, logged and published as metrics. */
export interface DeliveryCounts {
  /** Distinct connections a post was attempted to (after TTL, exclusions and de-duplication). */
  targets: number;
  delivered: number;
  /** Connections that answered 410 Gone. */
  gone: number;
  /** Gone rows deleted: connection rows, and the subscription rows through which channels reached them. */
  pruned: number;
  /** Post attempts after the first, summed over connections. */
  retried: number;
  /** Connections not delivered for any reason but Gone. */
  failed: number;
  /** Disconnect requests: connections closed (`DELETE @connections/{id}`), or found closed already. */
  closed: number;
  /** Of `delivered`: connections reached through one of the request's channels. */
  channelDelivered: number;
}

/** Fresh counts, all zero: every report starts from these. */
export function zeroCounts(): DeliveryCounts {
  return { targets: 0, delivered: 0, gone: 0, pruned: 0, retried: 0, failed: 0, closed: 0, channelDelivered: 0 };
}

/** A request's report before anything was sent for it: zero counts, no duration (outcome and error are the caller's). */
export function unsentReport(messageId: string, source: RequestSource, kind: RequestKind | 'invalid') {
  return { messageId, source, kind, ...zeroCounts(), requeued: 0, durationMs: 0 };
}

/** `invalid`: can never succeed, not retried. `failed`: transient, the message must be retried. */
export type DeliveryStatus = 'delivered' | 'invalid' | 'failed';

/** An unread part of a Scan segment: from `startKey` (from the segment's start when absent). */
export interface UnreadSegment {
  readonly segment: number;
  readonly totalSegments: number;
  readonly startKey?: StartKey;
  /** A channel's shard (`segment` of `totalSegments` shards) rather than a Scan segment of the connections table. */
  readonly channel?: string;
  /** Connections the request reached otherwise that the shard may hold: its continuation skips them. */
  readonly excludeConnections?: readonly string[];
  /** A channel's shard: whether this run read any page of it. */
  readonly progressed?: boolean;
  /** A channel's shard: whether an error ended its read (else it was handed on for time or for an earlier channel). */
  readonly failed?: boolean;
}

/**
 * What a request could not finish in this invocation, exactly: connections still failing after their retries,
 * users whose lookup failed, and unread parts of a Scan. Handed to follow-up work items; nothing else of the
 * request is sent again.
 */
export interface Remainder {
  readonly connections: readonly CarriedConnection[];
  readonly users: readonly string[];
  readonly segments: readonly UnreadSegment[];
  /** A disconnect request's connections that received `data` but are not closed yet: their follow-up only closes them. */
  readonly closing?: readonly CarriedConnection[];
  /** Connections the request already reached (given directly, or read before a user's Query failed): a follow-up of users skips them. */
  readonly alreadyReached: readonly string[];
}

/** How many connections and users a remainder hands on (a Scan part counts as nothing: its size is unknown). */
export function remainderSize(remainder: Remainder): number {
  return remainder.connections.length + remainder.users.length + (remainder.closing?.length ?? 0);
}

export function isEmptyRemainder(remainder: Remainder): boolean {
  return remainderSize(remainder) === 0 && remainder.segments.length === 0;
}

/** What delivering one request in this invocation came to. */
export interface DeliveryOutcome extends DeliveryCounts {
  readonly status: DeliveryStatus;
  readonly kind: RequestKind;
  readonly durationMs: number;
  readonly error?: DeliveryError;
  /** With follow-ups on: what is left, when anything is. */
  readonly remainder?: Remainder;
}

/** Where a request came from, told apart per record. */
export type RequestSource = 'sqs' | 'sns' | 'direct' | 'unknown';

/** The one structured line (and metric set) emitted per request. */
export interface RequestReport extends DeliveryCounts {
  readonly messageId: string;
  readonly source: RequestSource;
  readonly kind: RequestKind | 'invalid';
  /**
   * `split`: handed to the work queue as `segments` work items (segmented broadcast). `requeued`: delivered but for
   * what was handed to follow-ups. `duplicate`: already completed within the deduplication window, skipped.
   * `blocked`: a FIFO record not sent because an earlier record of its message group failed.
   */
  readonly outcome: DeliveryStatus | 'split' | 'requeued' | 'duplicate' | 'blocked';
  /** Connections and users handed to follow-up work items. */
  readonly requeued: number;
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
  readonly kind: 'segment' | 'channel' | 'carry-forward' | 'users' | 'reads' | 'invalid';
  readonly segment: number;
  readonly totalSegments: number;
  readonly attempt: number;
  readonly outcome: WorkOutcome;
  /** Carried-forward connections this item attempted again (its `targets` counts first attempts only). */
  readonly retargeted: number;
  /** Connections and users handed to follow-up work items. */
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
