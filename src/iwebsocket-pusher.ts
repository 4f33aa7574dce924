import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { LifecycleRuleOptions } from './lifecycle-events-options';
/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * A pusher, as other constructs take it: its metrics, the grants to publish to it and to keep or read its
 * connections table, and what those need. `WebsocketPusher` is one; so is any construct built on
 * `WebsocketPusherBase`.
 *
 * Type a prop or a parameter `IWebsocketPusher`, not `WebsocketPusher`, as aws-cdk-lib takes an `IQueue`.
 *
 * @example
 * // A backend of your own that publishes to any pusher, with an alarm on what the pusher could not deliver.
 * function addPublisher(scope: Construct, pusher: IWebsocketPusher, backend: lambda.IFunction): cloudwatch.Alarm {
 *   pusher.grantPublish(backend);
 *   return new cloudwatch.Alarm(scope, 'Undelivered', {
 *     metric: pusher.metricFailed(),
 *     threshold: 1,
 *     evaluationPeriods: 1,
 *   });
 * }
 */
/* eslint-enable tsdoc/syntax */
export interface IWebsocketPusher extends IConstruct {
  /** The `service` dimension of the pusher's metrics and the `service` field of its log lines. */
  readonly serviceName: string;

  /** The CloudWatch namespace of the pusher's metrics. */
  readonly metricsNamespace: string;

  /** The connections table, which `grantWriteConnections` and `grantReadConnections` grant on. */
  readonly connectionsTable: dynamodb.ITable;

  /** The queue of notification requests; undefined when the pusher reads no queue. */
  readonly queue?: sqs.IQueue;

  /** The topic of notification requests; undefined when the pusher subscribes to no topic. */
  readonly topic?: sns.ITopic;

  /** The bus the pusher puts its lifecycle events on; undefined when it puts none (no `lifecycleEvents`). */
  readonly lifecycleEventBus?: events.IEventBus;

  /**
   * A metric the pusher publishes, by its name, in `metricsNamespace` with dimension `service` = `serviceName`: `Sum`
   * of a count, `Average` of a time, over 5 minutes, unless `props` say otherwise. A name the pusher does not publish
   * throws.
   *
   * The handler publishes these per request (R) and per work item (W: follow-ups and segmented broadcasts):
   *
   * | Metric | Unit | Per | What it counts | Method |
   * | --- | --- | --- | --- | --- |
   * | `Requests` | Count | R | Requests processed: one per SQS message, SNS notification or direct invocation | `metricRequests()` |
   * | `InvalidRequests` | Count | R | Requests that can never succeed (malformed, too large, disabled action): not retried | `metricInvalidRequests()` |
   * | `FailedRequests` | Count | R | Requests that failed transiently: retried by SQS or Lambda | `metricFailedRequests()` |
   * | `DuplicateRequests` | Count | R | Requests skipped: their id was completed within the `deduplication` window | |
   * | `BlockedRequests` | Count | R | FIFO records not sent because an earlier record of their message group failed | |
   * | `Requeued` | Count | R | Connections and users of requests handed to follow-up work items | `metricRequeued()` |
   * | `Targets` | Count | R, W | Connections a post was attempted to | |
   * | `Delivered` | Count | R, W | Connections a request was delivered to | `metricDelivered()` |
   * | `Gone` | Count | R, W | Connections that answered 410 Gone (closed without `$disconnect`) | `metricGone()` |
   * | `Pruned` | Count | R, W | Rows deleted of Gone connections: their connection rows and the subscription rows they were seen in (a connection a disconnect request closed is counted in `Closed`, its rows deleted too) | |
   * | `Retried` | Count | R, W | Post attempts after the first | `metricRetried()` |
   * | `Failed` | Count | R, W | Connections not delivered for any reason but Gone | `metricFailed()` |
   * | `Closed` | Count | R, W | Connections a disconnect request closed, or found closed already | |
   * | `ChannelDelivered` | Count | R, W | Of `Delivered`: connections reached through one of the request's `channels` | `metricChannelDelivered()` |
   * | `Duration` | Milliseconds | R, W | From the start of a request (or work item) to its report | `metricDuration()` |
   * | `WorkItems` | Count | W | Work items processed | `metricWorkItems()` |
   * | `InvalidWorkItems` | Count | W | Messages of the work queue that are not a work item | |
   * | `FailedWorkItems` | Count | W | Work items that failed and are retried by SQS | `metricFailedWorkItems()` |
   * | `Continuations` | Count | W | Work items that enqueued a continuation of their Scan segment | |
   * | `CarriedForward` | Count | W | Connections handed to a follow-up work item | |
   * | `WallTime` | Milliseconds | W | Since the request was split, at the end of a work item | |
   *
   * With `channels`, the channels function publishes per client frame (F), and the connection stream function per
   * batch of the connections table's stream (S):
   *
   * | Metric | Unit | Per | What it counts |
   * | --- | --- | --- | --- |
   * | `Subscribes` | Count | F | Subscribe frames that subscribed (a repeat included) |
   * | `Unsubscribes` | Count | F | Unsubscribe frames answered |
   * | `RefusedInvalidFrame` | Count | F | Frames refused with `INVALID_FRAME` (not JSON, no known action, a bad `ref`) |
   * | `RefusedInvalidChannel` | Count | F | Subscribe or unsubscribe frames refused with `INVALID_CHANNEL` |
   * | `RefusedForbidden` | Count | F | Subscribes refused with `FORBIDDEN`: no rule matches, or the hook answered `allow: false` (and `presence` messages so refused, or from a connection not subscribed) |
   * | `RefusedNotEnabled` | Count | F | `presence` and `resume` frames refused with `NOT_ENABLED`: the channel's rule does not turn presence on, or keeps no history |
   * | `PresenceQueries` | Count | F | `presence` messages answered with the members |
   * | `Resumes` | Count | F | `resume` frames answered `resumed` (the replay done, or `more` to come) |
   * | `Resets` | Count | F | `resume` frames answered `reset`: continuity could not be proven (another epoch, a `since` past the retention or ahead) |
   * | `ReplayedMessages` | Count | F | Messages replayed to resuming connections |
   * | `PresenceJoins` | Count | F | Users who joined a presence channel (their first connection subscribed): `join` frames handed to the pusher, the member written (a join its second look undid counts as a leave) |
   * | `PresenceLeaves` | Count | F, S, C | Users who left a presence channel (`leave` frames handed to the pusher): at an unsubscribe, or a subscribe that found no connection of the user subscribed any more (F), at a disconnect request (S), or after the grace period (C, a retried check's pending leave included) |
   * | `RefusedTooManySubscriptions` | Count | F | Subscribes refused with `TOO_MANY_SUBSCRIPTIONS` (`channels.maxSubscriptionsPerConnection`) |
   * | `RefusedUnavailable` | Count | F | Frames refused with `UNAVAILABLE`: the table could not be reached, or the hook failed (not invoked, threw, timed out, no boolean `allow`) |
   * | `SubscriptionsCleaned` | Count | S | Subscription rows deleted because their connection went |
   * | `CleanupFailures` | Count | S | Stream records whose cleanup failed: retried, then kept by the cleanup failures queue |
   *
   * With `lifecycleEvents`, the connection stream function also publishes per batch of the stream (S) and per batch of
   * presence checks (C):
   *
   * | Metric | Unit | Per | What it counts |
   * | --- | --- | --- | --- |
   * | `ConnectedEvents` | Count | S | `Connected` events put on the bus |
   * | `DisconnectedEvents` | Count | S | `Disconnected` events put on the bus |
   * | `UserOnlineEvents` | Count | S | `UserOnline` events put on the bus |
   * | `UserOfflineEvents` | Count | S, C | `UserOffline` events put on the bus (a repeat included) |
   * | `SubscribedEvents` | Count | F | With `channels`: `Subscribed` events put on the bus by the channels function |
   * | `UnsubscribedEvents` | Count | F, S | With `channels`: `Unsubscribed` events put on the bus, at an unsubscribe or a revoking refusal (F), for a gone connection's subscriptions (S) |
   * | `PresenceOnline` | Count | S | Users who came online |
   * | `PresenceReconnected` | Count | S, C | Users who came back within the grace period (no event) |
   * | `PresenceLeaving` | Count | S | Users whose last connection went (a presence check is pending) |
   * | `PresenceOffline` | Count | C | Users who went offline |
   * | `PresenceChecks` | Count | C | Presence checks processed |
   * | `StalePresenceChecks` | Count | C | Of those, checks with nothing to do (the user came back, or a later check decides) |
   * | `InvalidPresenceChecks` | Count | C | Messages of the presence check queue that are not a check (kept by its dead-letter queue) |
   * | `FailedPresenceChecks` | Count | C | Checks that failed and are retried (then kept by the presence check dead-letter queue) |
   *
   * @param metricName - the metric's name, as the handler publishes it (the table above)
   * @param props - period, statistic, label and the rest, over the defaults
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Requests processed: one per SQS message, SNS notification or direct invocation. Sum over 5 minutes. */
  metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Requests that can never succeed (malformed, too large, disabled action): reported, not retried. Sum over 5 minutes. */
  metricInvalidRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Requests that failed transiently and are retried by SQS or Lambda. Sum over 5 minutes. */
  metricFailedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Connections a request was delivered to. Sum over 5 minutes. */
  metricDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Connections that answered 410 Gone (closed without `$disconnect`). Sum over 5 minutes. */
  metricGone(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Connections not delivered for any reason but Gone. Sum over 5 minutes. */
  metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Post attempts after the first, summed over connections. Sum over 5 minutes. */
  metricRetried(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Milliseconds from the start of a request (or work item) to its report. Average over 5 minutes. */
  metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Connections and users of requests handed to follow-up work items. Sum over 5 minutes. */
  metricRequeued(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Work items processed (follow-ups and segmented broadcasts). Sum over 5 minutes. */
  metricWorkItems(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Work items that failed and are retried by SQS. Sum over 5 minutes. */
  metricFailedWorkItems(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Of `Delivered`: connections reached through one of a request's `channels`. Sum over 5 minutes. */
  metricChannelDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** With `channels`: subscribe frames that subscribed. Sum over 5 minutes. */
  metricSubscribes(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** With `channels`: subscription rows deleted because their connection went. Sum over 5 minutes. */
  metricSubscriptionsCleaned(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** With `channels`: stream records whose subscription cleanup failed (retried, then kept by the cleanup failures queue). Sum over 5 minutes. */
  metricCleanupFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * A rule on `lifecycleEventBus` matching the pusher's lifecycle events (`source` = `serviceName`, `detail-type` one of
   * `options.eventTypes`, every lifecycle event by default), merged with `options.eventPattern` (as aws-cdk-lib merges
   * patterns: lists are joined), with `options.target` if given. Throws without `lifecycleEvents`.
   *
   * An event's `detail`: `eventId` (the same on a re-emission: drop repeats by it), `userId`, `time`, and `connectionId`
   * and the row's authorizer `context` (`Connected`, `Disconnected`) or the user's presence `version`, increasing
   * at each change (`UserOnline`, `UserOffline`: EventBridge does not deliver in order, so order a user's by it).
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, the events, a pattern to narrow them (e.g. `detail.userId`), the rule's name and description
   * @returns the rule
   */
  onLifecycleEvent(id: string, options?: LifecycleRuleOptions): events.Rule;

  /**
   * A rule matching `Connected`: a connection's row was written (its `$connect`). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onConnected(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule matching `Disconnected`: a connection's row was removed (its `$disconnect`, its TTL, a disconnect request,
   * a prune on 410). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onDisconnected(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule matching `UserOnline`: a user's first live connection appeared. As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onUserOnline(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule matching `UserOffline`: a user's last live connection went and none came back within the grace period. As
   * `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onUserOffline(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule matching `Subscribed`: a connection subscribed to a channel (`detail.channel`). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onSubscribed(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * A rule matching `Unsubscribed`: a connection's subscription to a channel ended (its `unsubscribe`, a refused repeat
   * subscribe, or the connection went). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  onUnsubscribed(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * Lets `grantee` publish notification requests to every source that exists: `sns:Publish` on the topic and
   * `sqs:SendMessage` on the queue (with the KMS permissions their keys need). Throws when the pusher has neither.
   *
   * @param grantee - the backend that publishes (a function, a role, a user)
   * @returns the grants on every source that exists, combined
   */
  grantPublish(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` write and delete rows of the connections table (`dynamodb:PutItem`, `dynamodb:DeleteItem`, and the
   * KMS permissions of a customer-managed key): for an application's own `$connect` / `$disconnect` handlers.
   *
   * @param grantee - the handler that writes the rows
   * @returns the grant on the table
   */
  grantWriteConnections(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` read the connections table (`GetItem`, `Query`, `Scan`, and decryption with its key), e.g. to show
   * who is online.
   *
   * @param grantee - the reader
   * @returns the grant on the table
   */
  grantReadConnections(grantee: iam.IGrantable): iam.Grant;
}
