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
}

/** The subscriptions table. Every method rejects on a DynamoDB failure (the frame is then answered `UNAVAILABLE`). */
export interface SubscriptionStore {
  /** Whether the row exists (a consistent read: a repeat subscribe right after the first one finds it). */
  exists(key: SubscriptionKey): Promise<boolean>;
  /** The connection's subscriptions, counted up to `atMost` (counting stops there). */
  countForConnection(connectionId: string, atMost: number): Promise<number>;
  /** Writes the row (the same key twice is one row). */
  put(subscription: Subscription): Promise<void>;
  /** Deletes the row, whether or not it exists. */
  delete(key: SubscriptionKey): Promise<void>;
}

/** The event a hook rule's function receives (see the entry's TSDoc). */
export interface HookEvent {
  readonly type: 'subscribe';
  readonly channel: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly context: Readonly<Record<string, string>>;
}

/**
 * A hook's verdict: allowed only on `{"allow": true}`. `failed` marks a refusal because the function itself failed
 * (`FunctionError`): still a refusal, logged at ERROR for the application's developer.
 */
export type HookVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string; readonly failed?: boolean };

/** The application's access hook. Rejects when the invocation itself fails (throttled, network, permissions). */
export interface AccessHook {
  ask(functionArn: string, event: HookEvent): Promise<HookVerdict>;
}
