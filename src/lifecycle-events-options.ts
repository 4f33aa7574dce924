import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { ConnectionsTableProps } from './connections-table-props';

/**
 * The lifecycle events the pusher puts on EventBridge: each is the `detail-type` of its events, whose `source` is the
 * pusher's `serviceName`.
 */
export enum LifecycleEvent {
  /** A connection's row was written (its `$connect`). */
  CONNECTED = 'Connected',
  /** A connection's row was removed: its `$disconnect`, its TTL, a disconnect request, or a prune on 410. */
  DISCONNECTED = 'Disconnected',
  /** A user's first live connection appeared (not a reconnect within the grace period). */
  USER_ONLINE = 'UserOnline',
  /** A user's last live connection went and none came back within the grace period. */
  USER_OFFLINE = 'UserOffline',
  /** A connection subscribed to a channel (not a repeat subscribe). Needs `channels`. */
  SUBSCRIBED = 'Subscribed',
  /** A connection's subscription ended: its `unsubscribe`, a refused repeat subscribe, or the connection went. Needs `channels`. */
  UNSUBSCRIBED = 'Unsubscribed',
}

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * Lifecycle events and user presence: the connection stream function (on the connections table's stream) puts
 * `Connected`, `Disconnected`, `UserOnline` and `UserOffline` events on an EventBridge bus, with `source` = the pusher's
 * `serviceName` and a `detail` of `eventId`, `userId`, `time`, and `connectionId` and the row's authorizer `context`
 * (`Connected` / `Disconnected`) or the user's presence `version` (`UserOnline` / `UserOffline`). `UserOnline` comes on a
 * user's first live connection; `UserOffline` when the last one is gone and stays gone for `offlineGracePeriod`. With
 * `channels`, the channels function and the connection stream function also put `Subscribed` and `Unsubscribed` (with
 * the `channel`). Needs
 * `connectionRoutes` (the rows `$connect` writes are what the stream carries). Route the events with the pusher's
 * `onLifecycleEvent`, `onConnected`, `onDisconnected`, `onUserOnline` and `onUserOffline`.
 *
 * @example
 * const pusher = new WebsocketPusher(this, 'Pusher', {
 *   webSocketStage: stage,
 *   connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer },
 *   lifecycleEvents: { offlineGracePeriod: Duration.seconds(30) },
 * });
 * pusher.onUserOffline('UserOffline', { target: new targets.LambdaFunction(markAway) });
 */
/* eslint-enable tsdoc/syntax */
export interface LifecycleEventsOptions {
  /**
   * The bus the events are put on.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * How long a user's last connection must stay gone before `UserOffline`: a reconnect within it emits nothing. From 1
   * second to 15 minutes (the longest delay of an SQS message, which schedules the check), whole seconds.
   *
   * @default Duration.seconds(30)
   */
  readonly offlineGracePeriod?: Duration;

  /**
   * An existing presence table: partition key `presence_key` (string), sort key `user_id` (string), TTL on
   * `expires_at`. Cannot be combined with `presenceTableProps`.
   *
   * @default - a table is created
   */
  readonly presenceTable?: dynamodb.ITable;

  /**
   * Settings of the created presence table (not with `presenceTable`).
   *
   * @default - on demand, point-in-time recovery, `RemovalPolicy.DESTROY` unless `removalPolicy` says otherwise
   */
  readonly presenceTableProps?: ConnectionsTableProps;
}

/** What `onLifecycleEvent` routes: the rule's options, and which lifecycle events. */
export interface LifecycleRuleOptions extends events.OnEventOptions {
  /**
   * The lifecycle events the rule matches (their `detail-type`); at least one.
   *
   * @default - every lifecycle event
   */
  readonly eventTypes?: LifecycleEvent[];
}
