import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ChannelsOptions } from './channels-options';
import { ConnectionRoutesOptions } from './connection-routes-options';
import { ConnectionsTableProps } from './connections-table-props';
import { DeduplicationOptions } from './deduplication-options';
import { LifecycleEventsOptions } from './lifecycle-events-options';
import { MessageFormat } from './message-format';
import { PusherAlarmsOptions } from './pusher-alarms-options';
import { PusherFunctionOptions } from './pusher-function-options';
import { SegmentedBroadcastOptions } from './segmented-broadcast-options';

/**
 * Properties of `WebsocketPusher`.
 *
 * Each source (the SQS queue, the SNS topic) and the connections table can be brought as an existing
 * resource, or created and customised with its `...Props`; giving both throws.
 */
export interface WebsocketPusherProps extends PusherFunctionOptions {
  /**
   * The WebSocket API stage whose connections receive the pushes. A stage of the same app, or one imported
   * with `WebSocketStage.fromWebSocketStageAttributes`.
   */
  readonly webSocketStage: apigwv2.IWebSocketStage;

  /**
   * The Management API endpoint the pusher posts to, for a custom domain (for example
   * `https://live.example.com/push`): an `https://` URL, checked at synth time. The IAM permission is still scoped
   * to `webSocketStage`.
   *
   * @default - the stage's execute-api endpoint, `https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}`
   */
  readonly callbackUrl?: string;

  /**
   * An existing connections table. It must have the user id as hash key and the connection id as range key
   * (both strings), with the attribute names given by `userIdAttribute` and `connectionIdAttribute`.
   * Cannot be combined with `connectionsTableProps`.
   *
   * @default - a table is created: on-demand, point-in-time recovery, a TTL attribute
   */
  readonly connectionsTable?: dynamodb.ITable;

  /**
   * Settings of the created connections table. Cannot be combined with `connectionsTable`.
   *
   * @default - on-demand, point-in-time recovery, encrypted with an AWS-owned key (DynamoDB's default), retained on removal
   */
  readonly connectionsTableProps?: ConnectionsTableProps;

  /**
   * Name of the hash key attribute (the user id) of the connections table.
   *
   * @default 'user_id'
   */
  readonly userIdAttribute?: string;

  /**
   * Name of the range key attribute (the connection id) of the connections table.
   *
   * @default 'connection_id'
   */
  readonly connectionIdAttribute?: string;

  /**
   * Name of the TTL attribute (a Number, epoch seconds) of the connections table. The created table uses it
   * as its TTL attribute; the pusher skips rows whose TTL has passed (DynamoDB deletes expired rows up to
   * days later). A row without the attribute never expires.
   *
   * @default 'expires_at'
   */
  readonly timeToLiveAttribute?: string;

  /**
   * Whether the pusher reads notification requests from an SQS queue.
   *
   * @default true
   */
  readonly enableQueue?: boolean;

  /**
   * An existing queue of notification requests. Cannot be combined with `queueProps` or
   * `deadLetterQueueProps`. Its visibility timeout must be at least the function's `timeout`.
   *
   * @default - a queue is created with a dead-letter queue
   */
  readonly queue?: sqs.IQueue;

  /**
   * Properties of the created queue, merged over the defaults. Cannot be combined with `queue`.
   *
   * @default - SQS-managed encryption, TLS enforced, visibility timeout six times the function's timeout, a
   * dead-letter queue after `maxReceiveCount` receives
   */
  readonly queueProps?: sqs.QueueProps;

  /**
   * Properties of the created dead-letter queue, merged over the defaults. Cannot be combined with `queue`.
   *
   * @default - SQS-managed encryption, TLS enforced, 14 days retention
   */
  readonly deadLetterQueueProps?: sqs.QueueProps;

  /**
   * How many times a request is received from the created queue before it moves to the dead-letter queue, from 1
   * to 1,000.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Records per SQS batch, from 1 to 10,000.
   *
   * Above 10, `maxBatchingWindow` is required.
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * How long the event source gathers records before invoking the function.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Maximum concurrent invocations by the SQS event source, from 2 to 1,000.
   *
   * @default - no limit beyond the function's concurrency
   */
  readonly maxConcurrency?: number;

  /**
   * Further options of the SQS event source (e.g. `filters`, `enabled`, `metricsConfig`). `reportBatchItemFailures`
   * is always on (it cannot be `false`); `batchSize`, `maxBatchingWindow` and `maxConcurrency` cannot be given both
   * here and as props.
   *
   * @default - the event source as the other props describe it
   */
  readonly queueEventSourceProps?: lambdaEventSources.SqsEventSourceProps;

  /**
   * Whether the pusher subscribes to an SNS topic of notification requests.
   *
   * @default true
   */
  readonly enableTopic?: boolean;

  /**
   * An existing topic of notification requests. Cannot be combined with `topicProps`.
   *
   * @default - a topic is created
   */
  readonly topic?: sns.ITopic;

  /**
   * Properties of the created topic, merged over the defaults. Cannot be combined with `topic`.
   *
   * @default - encrypted with the AWS-managed key `alias/aws/sns`, TLS enforced
   */
  readonly topicProps?: sns.TopicProps;

  /**
   * How many times Lambda retries an asynchronous (SNS) invocation that failed, from 0 to 2.
   *
   * Events that still fail go to `failedEventsQueue`.
   *
   * @default 2
   */
  readonly retryAttempts?: number;

  /**
   * Maximum `PostToConnection` requests in flight at once in one invocation, from 1 to 10,000.
   *
   * As many HTTP sockets are kept open. The default comes from the in-flight sweep in BENCHMARKS.md: it keeps one
   * vCPU busy at 20 ms latency.
   *
   * @default 128
   */
  readonly maxInFlight?: number;

  /**
   * Attempts per connection when the Management API answers with a transient error, from 1 to 20.
   *
   * Throttling, 5xx and network errors are retried with exponential backoff and full jitter. 1 means no retry.
   *
   * @default 5
   */
  readonly maxAttempts?: number;

  /**
   * Segments of the parallel Scan that reads the table for broadcast and exclusion requests, from 1 to 1,000.
   *
   * @default 4
   */
  readonly scanSegments?: number;

  /**
   * Segmented broadcast: split big broadcasts into work items processed by several invocations, so that a
   * broadcast is not bounded by one invocation's 15 minutes and no connection receives it twice.
   *
   * @default - off: every request is delivered by the invocation that receives it
   */
  readonly segmentedBroadcast?: SegmentedBroadcastOptions;

  /**
   * Skip requests already completed within a window, by their `id` (or message id).
   *
   * @default - off: a request published twice is delivered twice
   */
  readonly deduplication?: DeduplicationOptions;

  /**
   * Adds `$connect` and `$disconnect` routes to the stage's API that write and delete the connection rows with
   * direct DynamoDB integrations (no Lambda): the user id from the `$connect` authorizer, a TTL as a Number.
   *
   * @default - no routes: the application writes the rows itself (see `grantWriteConnections`)
   */
  readonly connectionRoutes?: ConnectionRoutesOptions;

  /**
   * Whether disconnect requests are accepted.
   *
   * A request with `"action": "disconnect"` makes the pusher close the target connections (`DELETE` on
   * `@connections/{id}`, after sending `data` if given) and delete their rows. Adds `DELETE` on `@connections/*` of
   * the one stage to the function's `execute-api:ManageConnections` permission.
   *
   * @default false - a disconnect request is an invalid request, and the function may only POST
   */
  readonly enableDisconnect?: boolean;

  /**
   * What each connection receives for a request: the bare `data` (the original format), or the envelope of the client
   * protocol, `{"type":"message","id":"…","data":…}`, whose `id` lets a client drop the duplicates that at-least-once
   * delivery can bring (the same `id` on every redelivery and follow-up of a request).
   *
   * @default MessageFormat.DATA
   */
  readonly messageFormat?: MessageFormat;

  /**
   * Adds a `ping` route to the stage's API, answered by API Gateway itself (a MOCK integration: no Lambda, no table):
   * a client's `{"action":"ping"}` gets `{"type":"pong"}`. A client that pings every few minutes keeps its connection
   * past API Gateway's 10-minute idle timeout. Needs the API's route selection expression to be
   * `$request.body.action` (checked when the API is of this app); refused if the API already has a `ping` route.
   *
   * @default - true with `connectionRoutes` (unless the API, of this app, routes by another expression), false without
   */
  readonly enablePingRoute?: boolean;

  /**
   * Channels: clients subscribe to channels (`{"action":"subscribe","channel":"room/42"}`) by the rules given, and a
   * request's `channels` reaches their subscribers, with every guarantee of `users` (once per connection, in order,
   * follow-ups, pruning). Adds a subscriptions table, the `subscribe`, `unsubscribe` and `$default` routes (the
   * latter unless the API already has one) with their function, and a function on the connections table's stream that
   * removes a connection's subscriptions when it goes. Needs `connectionRoutes` and `messageFormat: MessageFormat.ENVELOPE`.
   *
   * @default - no channels
   */
  readonly channels?: ChannelsOptions;

  /**
   * Lifecycle events and user presence: `Connected`, `Disconnected`, `UserOnline` and `UserOffline` on EventBridge
   * (`source` = `serviceName`), put by the function on the connections table's stream (the one `channels` adds, made
   * once), with a presence table and a queue of delayed presence checks (`UserOffline` only after
   * `offlineGracePeriod`). Route them with `onLifecycleEvent`, `onConnected`, `onDisconnected`, `onUserOnline` and
   * `onUserOffline`. Needs `connectionRoutes`; a given `connectionsTable` needs a stream (`NEW_AND_OLD_IMAGES`).
   *
   * @default - no lifecycle events
   */
  readonly lifecycleEvents?: LifecycleEventsOptions;

  /**
   * CloudWatch alarms: each dead-letter queue not empty, failed requests, function errors and throttles, the source
   * queue's oldest message age (with `channels`, also the channels and connection stream functions' errors, `UNAVAILABLE`
   * subscribes and the connection stream's iterator age; with `lifecycleEvents`, the connection stream function's errors
   * and iterator age and the presence check dead-letter queue); with actions (e.g. an SNS topic).
   *
   * @default - no alarms
   */
  readonly alarms?: PusherAlarmsOptions;
}
