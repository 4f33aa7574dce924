/** The channels core's ports: the subscriptions table and the application's access hook, implemented in adapters/. */

/** A subscription row's key: `channel_key` (`<channel>#<shard>`) and `connection_id`. */
export interface SubscriptionKey {
  readonly channelKey: string;
  readonly connectionId: string;
}

/** A subscription row. */
export interface Subscription extends SubscriptionKey {
  readonly channel: string;
  readonly userId: string;
  /** Epoch seconds: the connection's own expiry. */
  readonly expiresAt: number;
  /** A subscription to a presence channel (its end is a presence `leave`). */
  readonly presence?: boolean;
}

/** What a deleted row was: its user, and whether it was a presence subscription. */
export interface DeletedSubscription {
  readonly userId?: string;
  readonly presence: boolean;
}

/** The subscriptions table. Every method rejects on a DynamoDB failure (the frame is then answered `UNAVAILABLE`). */
export interface SubscriptionStore {
  /** Whether the row exists (a consistent read: a repeat subscribe right after the first one finds it). */
  exists(key: SubscriptionKey): Promise<boolean>;
  /** The connection's subscriptions, counted up to `atMost` (counting stops there). */
  countForConnection(connectionId: string, atMost: number): Promise<number>;
  /** Writes the row (the same key twice is one row). */
  put(subscription: Subscription): Promise<void>;
  /** Deletes the row, whether or not it exists; resolves to what it was (`undefined`: there was none). */
  delete(key: SubscriptionKey): Promise<DeletedSubscription | undefined>;
}

/** The event a hook rule's function receives (see the entry's TSDoc). */
export interface HookEvent {
  /** `presence`: the connection asks for a channel's members (judged as a subscribe is). */
  readonly type: 'subscribe' | 'presence';
  readonly channel: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly context: Readonly<Record<string, string>>;
}

/**
 * A hook's verdict. `allow` only on the answer `{"allow": true}` and `deny` only on `{"allow": false}`: the application
 * decided (`deny` is `FORBIDDEN`, final for the client). `failed` when no decision could be read: the function failed
 * (`FunctionError`: it threw, or ran out of its own timeout) or answered anything else (not JSON, not an object, no
 * boolean `allow`). A failure is the application's to fix, not a decision against the client: `UNAVAILABLE`, so the
 * client tries again, and logged at ERROR.
 */
export type HookVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'deny'; readonly reason: string }
  | { readonly verdict: 'failed'; readonly reason: string };

/**
 * The application's access hook. Rejects when the invocation itself fails (throttled, the function missing, no answer
 * within the client's timeout, permissions): `UNAVAILABLE` too.
 */
export interface AccessHook {
  ask(functionArn: string, event: HookEvent): Promise<HookVerdict>;
}
