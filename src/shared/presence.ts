/**
 * Lifecycle events and user presence: the contract between the construct (src/) and the connection stream function
 * (lambda/connection-stream), which emits the events. Names only: no AWS SDK, no CDK.
 *
 * Events go to EventBridge (the app's bus, or the account's default bus) with `source` = the pusher's `serviceName`
 * and `detail-type` one of {@link LIFECYCLE_EVENTS}; their `detail` is a {@link LifecycleDetail}.
 */

/** The `detail-type` of each lifecycle event. */
export const LIFECYCLE_EVENTS = {
  /** A connection's row was written (its `$connect`). */
  CONNECTED: 'Connected',
  /** A connection's row was removed: its `$disconnect`, its TTL, a disconnect request, or a prune on 410. */
  DISCONNECTED: 'Disconnected',
  /** A user's first live connection appeared (not a reconnect within the grace period). */
  USER_ONLINE: 'UserOnline',
  /** A user's last live connection went and none came back within the grace period. */
  USER_OFFLINE: 'UserOffline',
  /** A connection subscribed to a channel (not a repeat): the channels function. */
  SUBSCRIBED: 'Subscribed',
  /** A connection's subscription ended: its `unsubscribe` or a revoking refusal (the channels function), or it went (the stream). */
  UNSUBSCRIBED: 'Unsubscribed',
} as const;

export type LifecycleEventType = typeof LIFECYCLE_EVENTS[keyof typeof LIFECYCLE_EVENTS];

/** What every lifecycle event says (`detail`). */
export interface LifecycleDetail {
  /** Identifies the event: the same on every re-emission of it (a retried batch), so a consumer can drop a repeat. */
  readonly eventId: string;
  readonly userId: string;
  /** `Connected` / `Disconnected` / `Subscribed` / `Unsubscribed`: the connection. */
  readonly connectionId?: string;
  /** `Subscribed` / `Unsubscribed`: the channel. */
  readonly channel?: string;
  /** `Connected` / `Disconnected`: the authorizer context attributes the connection's row carries. */
  readonly context?: Readonly<Record<string, string>>;
  /**
   * `UserOnline` / `UserOffline`: the user's presence version, increasing at each change (the change's time in ms, or one more than the last): EventBridge does not
   * deliver in order, so a consumer orders a user's presence events by it.
   */
  readonly version?: number;
  /** When it happened (ISO 8601): the row's write or removal for a connection, the decision for a user. */
  readonly time: string;
}

/**
 * The presence table: one row per user who is online or leaving (absent: offline). Partition key `presence_key`
 * (`user#<userId>`; later kinds of presence take other prefixes), sort key `user_id`. `state` is `online`,
 * `leaving` (its last connection went: `token` names the pending check) or `offline` (the decision is being emitted);
 * `version` counts the user's presence changes; `expires_at` (a Number TTL) bounds a row nobody will touch again.
 */
export const PRESENCE_TABLE = {
  KEY: 'presence_key',
  USER_ID: 'user_id',
  STATE: 'state',
  TOKEN: 'token',
  VERSION: 'version',
  EXPIRES_AT: 'expires_at',
} as const;

/** A user's presence row's partition key. */
export function userPresenceKey(userId: string): string {
  return `user#${userId}`;
}

/**
 * A channel member's row in the presence table: partition key `channel#<channel>`, sort key the user id, so that a
 * channel's members are one Query in user id order. `state` is `joined`, `leaving` (the user's last subscribed
 * connection dropped: `token` names the pending check; the user is still listed until the check decides) or `left` (a
 * tombstone kept a day); a `joined` or `left` row's `token` names its frame not yet sent. `version` increases at every
 * write (frames carry it); `expires_at` is a day past the time the member stops being listed (the TTL).
 */
export function channelPresenceKey(channel: string): string {
  return `channel#${channel}`;
}

/** Members a `presence` answer lists, at most (the first in user id order); its `count` is exact. */
export const MAX_LISTED_MEMBERS = 100;

/** What the subscribers of a presence channel receive when a user joins or leaves it. */
export interface PresenceFrame {
  readonly type: 'presence';
  readonly channel: string;
  readonly event: 'join' | 'leave';
  readonly user: string;
  /**
   * The member row's version after this change: it increases at each change of the user's membership in the channel
   * (the change's time in ms, or one more than the last). Frames are not delivered in order: a subscriber keeps, per
   * user, the frame with the highest version and ignores an older one.
   */
  readonly version: number;
}

/**
 * The connections table attribute a disconnect request sets on a connection's row just before closing it, when a
 * channel rule turns presence on (the pusher's `CHANNEL_PRESENCE`): the row's `REMOVE` then carries it in its old
 * image, and the connection's presence channels are left at once, as an `unsubscribe` leaves, not after the grace
 * period as a drop. Its value is the request's id.
 */
export const DISCONNECT_REQUEST_ATTRIBUTE = 'disconnect_request';

/** The grace period before `UserOffline`, in seconds: the default, and the most (SQS's longest delay). */
export const OFFLINE_GRACE_SECONDS = { DEFAULT: 30, MAX: 900 } as const;

/**
 * What the presence check queue carries: a user whose last connection went, and the token of that departure. After
 * the grace period the check emits `UserOffline` if the row is still `leaving` with this token and no live connection
 * of the user is in the connections table.
 */
export interface PresenceCheck {
  readonly userId: string;
  readonly token: string;
  /** A channel member's check (its `leave` after the grace period), not the user's own presence. */
  readonly channel?: string;
}

/**
 * The connection stream function's environment for lifecycle events and presence, besides the pusher's own names it
 * shares (`ENV` in constants.ts): the events' `source` is `POWERTOOLS_SERVICE_NAME` (the pusher's `serviceName`), and a
 * user's live connections are Queried in `CONNECTIONS_TABLE_NAME` with `USER_ID_ATTRIBUTE`, `CONNECTION_ID_ATTRIBUTE`
 * and `TTL_ATTRIBUTE`.
 */
export const PRESENCE_ENV = {
  /** The bus events are put on (its name; `default` for the account's default bus). */
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  /** The presence table. */
  PRESENCE_TABLE_NAME: 'PRESENCE_TABLE_NAME',
  /** The queue of delayed presence checks. */
  PRESENCE_CHECK_QUEUE_URL: 'PRESENCE_CHECK_QUEUE_URL',
  /** Its ARN: an SQS record from this queue is a presence check. */
  PRESENCE_CHECK_QUEUE_ARN: 'PRESENCE_CHECK_QUEUE_ARN',
  /** The grace period before `UserOffline`, in seconds. */
  OFFLINE_GRACE_SECONDS: 'OFFLINE_GRACE_SECONDS',
  /** The authorizer context keys a connection's row carries (JSON array), copied into `Connected` / `Disconnected`. */
  CONTEXT_ATTRIBUTES: 'CONTEXT_ATTRIBUTES',
  /**
   * `true`: a channel rule turns presence on. In the connection stream function, a gone connection's subscriptions
   * then leave their presence channels (after the grace period, or at once when the row has `disconnect_request`), with
   * `leave` frames handed to the pusher's work queue (`WORK_QUEUE_URL`); in the pusher (with disconnect requests), a
   * disconnect request marks each row it closes with {@link DISCONNECT_REQUEST_ATTRIBUTE}.
   */
  CHANNEL_PRESENCE: 'CHANNEL_PRESENCE',
} as const;

/**
 * The connection stream function's metrics for lifecycle events and presence (EMF, dimension `service`, the pusher's
 * namespace), beside `SubscriptionsCleaned` and `CleanupFailures` (which counts every stream record that failed).
 */
export const PRESENCE_METRICS = {
  /** Lifecycle events put on the bus, by type (a repeat of a `UserOffline` included). */
  CONNECTED_EVENTS: 'ConnectedEvents',
  DISCONNECTED_EVENTS: 'DisconnectedEvents',
  USER_ONLINE_EVENTS: 'UserOnlineEvents',
  USER_OFFLINE_EVENTS: 'UserOfflineEvents',
  SUBSCRIBED_EVENTS: 'SubscribedEvents',
  UNSUBSCRIBED_EVENTS: 'UnsubscribedEvents',
  /** Presence changes: a user came online (`UserOnline`), came back within the grace period, left (a check is pending), went offline. */
  PRESENCE_ONLINE: 'PresenceOnline',
  PRESENCE_RECONNECTED: 'PresenceReconnected',
  PRESENCE_LEAVING: 'PresenceLeaving',
  PRESENCE_OFFLINE: 'PresenceOffline',
  /** Presence checks processed; of those, stale (the user came back or another check decides), invalid, failed. */
  PRESENCE_CHECKS: 'PresenceChecks',
  STALE_PRESENCE_CHECKS: 'StalePresenceChecks',
  INVALID_PRESENCE_CHECKS: 'InvalidPresenceChecks',
  FAILED_PRESENCE_CHECKS: 'FailedPresenceChecks',
} as const;
