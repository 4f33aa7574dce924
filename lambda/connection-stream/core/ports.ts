import type { LifecycleDetail, LifecycleEventType, PresenceCheck } from '../../../src/shared/presence';

/** A subscription row's key: what a delete needs. */
export interface SubscriptionKey {
  readonly channelKey: string;
  readonly connectionId: string;
}

/** The subscriptions table, as the cleanup sees it: a connection's subscriptions found page by page, and deleted. */
export interface SubscriptionStore {
  /** The connection's subscriptions (keys only), page by page, through the `by_connection` index. */
  subscriptionsOf(connectionId: string): AsyncIterable<readonly SubscriptionKey[]>;
  /** Deletes the keys; throws when some are still not deleted after the bounded retries. Resolves to those deleted. */
  delete(keys: readonly SubscriptionKey[]): Promise<number>;
}

/** A lifecycle event: its `detail-type` and `detail`. */
export interface LifecycleEvent {
  readonly type: LifecycleEventType;
  readonly detail: LifecycleDetail;
}

/** The event bus. */
export interface EventPublisher {
  /** Puts the events; throws unless every one of them was accepted (after the adapter's bounded retries). */
  put(events: readonly LifecycleEvent[]): Promise<void>;
}

export type PresenceState = 'online' | 'leaving' | 'offline';

/** A user's presence row (absent: offline, nothing pending). */
export interface PresenceRow {
  readonly state: PresenceState;
  /** The version of the user's last presence event. */
  readonly version: number;
  /** `leaving` / `offline`: the departure's token (the pending check's). An `offline` row without one was emitted. */
  readonly token?: string;
  /** Epoch seconds after which the table may delete the row; none: kept until changed. */
  readonly expiresAt?: number;
}

/** The presence table. */
export interface PresenceStore {
  /** The user's row, read strongly consistent. */
  get(userId: string): Promise<PresenceRow | undefined>;
  /**
   * Writes `next` in place of `expected` (`undefined`: no row) if the row is still that one (state, version, token);
   * resolves to false when it was changed meanwhile.
   */
  replace(userId: string, next: PresenceRow, expected: PresenceRow | undefined): Promise<boolean>;
}

/** The connections table, as presence sees it. */
export interface ConnectionDirectory {
  /**
   * Whether the user has a live connection: a row whose TTL has not passed (DynamoDB deletes late), `excluding` one
   * connection; read strongly consistent.
   */
  hasLiveConnection(userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean>;
}

/** The queue of delayed presence checks. */
export interface CheckQueue {
  send(check: PresenceCheck, delaySeconds: number): Promise<void>;
}
