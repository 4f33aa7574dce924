import type { LifecycleEventType } from '../../../src/shared/presence';
import type { MemberChange } from '../../channel-presence/core/members';

/** A presence change: came online, came back within the grace period, left (check pending), went offline. */
export type PresenceChange = 'online' | 'reconnected' | 'leaving' | 'offline';

/** Figures summed over a batch: events put by type, presence changes. */
export interface PresenceCounts {
  readonly events: Readonly<Partial<Record<LifecycleEventType, number>>>;
  readonly presence: Readonly<Partial<Record<PresenceChange, number>>>;
  /** Channel presence: members' changes (`leaving`: a check is pending; `left`: a `leave` frame was sent). */
  readonly members?: Readonly<Partial<Record<MemberChange, number>>>;
}

/** What handling one stream record or one check did; summed over the batch. */
export interface RecordCounts {
  readonly subscriptionsDeleted?: number;
  readonly events?: Readonly<Partial<Record<LifecycleEventType, number>>>;
  readonly presence?: Readonly<Partial<Record<PresenceChange, number>>>;
  readonly members?: Readonly<Partial<Record<MemberChange, number>>>;
}

/** A record that failed, and why. */
export interface RecordFailure {
  readonly sequenceNumber: string;
  readonly eventName: string;
  readonly connectionId?: string;
  readonly userId?: string;
  readonly error: string;
}

/** What one stream batch did: the structured log line's fields and the metrics' figures. */
export interface BatchReport extends PresenceCounts {
  readonly records: number;
  /** `REMOVE` records (a `$disconnect`, a TTL expiry, a prune, a disconnect request). */
  readonly removals: number;
  /** Of those, TTL expiries (`userIdentity` DynamoDB's service). */
  readonly ttlRemovals: number;
  readonly subscriptionsDeleted: number;
  /** Records whose handling failed. */
  readonly failures: number;
  /** Records reported in `batchItemFailures`: the first failed one and every later one. */
  readonly reported: number;
  readonly durationMs: number;
  readonly failed: readonly RecordFailure[];
}

/** A presence check's outcome: see `core/presence-check.ts`. */
export type CheckOutcome = 'offline' | 'reconnected' | 'stale' | 'repeated' | 'left';

/** A check message that failed (invalid, or its handling threw), and why. */
export interface CheckFailure {
  readonly messageId: string;
  readonly userId?: string;
  readonly code: 'INVALID_CHECK' | 'CHECK_FAILED' | 'BLOCKED';
  readonly error: string;
}

/** What one batch of presence checks did. */
export interface CheckBatchReport extends PresenceCounts {
  readonly checks: number;
  readonly outcomes: Readonly<Partial<Record<CheckOutcome, number>>>;
  readonly invalid: number;
  readonly failures: number;
  readonly durationMs: number;
  readonly failed: readonly CheckFailure[];
}

/** Where a batch's report goes (one log line, one metrics blob). */
export interface StreamReporter {
  report(report: BatchReport): void;
  reportChecks(report: CheckBatchReport): void;
}

/** Adds `b`'s counts to `a`'s, key by key. */
export function addCounts<K extends string>(a: Partial<Record<K, number>>, b: Readonly<Partial<Record<K, number>>> | undefined)
  : Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = { ...a };
  for (const [key, n] of Object.entries(b ?? {}) as Array<[K, number]>) out[key] = (out[key] ?? 0) + n;
  return out;
}

/** Two handlings' counts together. */
export function mergeCounts(a: RecordCounts, b: RecordCounts): RecordCounts {
  const subscriptionsDeleted = (a.subscriptionsDeleted ?? 0) + (b.subscriptionsDeleted ?? 0);
  return {
    ...(subscriptionsDeleted > 0 ? { subscriptionsDeleted } : {}),
    events: addCounts(a.events ?? {}, b.events),
    presence: addCounts(a.presence ?? {}, b.presence),
    ...(a.members || b.members ? { members: addCounts(a.members ?? {}, b.members) } : {}),
  };
}
