import { Names } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { defaultCallbackUrl } from './private/callback-url';
import { wireChannelPresence } from './private/channel-presence';
import { checkProps } from './private/check-props';
import { addClientRoutes } from './private/client-routes';
import { createConnectionsTable, tableAttributes } from './private/connections-table';
import { addDeduplication } from './private/deduplication';
import { CONSTRUCT_DEFAULTS, functionTimeout } from './private/defaults';
import { createPusherFunction } from './private/function';
import { createAlarms, createDashboard, createQueryDefinitions, type Watched } from './private/monitoring';
import { createServiceRole, grantManageConnections, grantTableAccess, grantVpcAccess } from './private/permissions';
import { addQueueSource, addTopicSource, createFailedEventsQueue } from './private/sources';
import { addWorkQueue } from './private/work-queue';
import { DEFAULTS } from './shared/constants';
import { WebsocketPusherBase } from './websocket-pusher-base';
import { WebsocketPusherProps } from './websocket-pusher-props';

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * Pushes notification requests from SNS and SQS to the users of an API Gateway WebSocket API.
 *
 * Creates (or uses) a DynamoDB connections table, an SQS queue with a dead-letter queue and an SNS topic,
 * and a pre-bundled Lambda function (the pusher) wired to both, with least-privilege permissions.
 *
 * A notification request is one JSON object, sent as an SQS message body or an SNS message:
 *
 * - `data` (required, any JSON value): what every target connection receives, serialized once as JSON.
 * - `users` (string[]): multicast to these users' connections. Without `users` and `connections` the
 *   request is a broadcast to every connection.
 * - `exclude_users` (string[]): never deliver to these users.
 * - `connections` / `exclude_connections` (string[]): target or skip these connection ids directly.
 * - `action` (`"send"`, the default, or `"disconnect"` with `enableDisconnect`): close the targets' connections,
 *   after sending `data` if given.
 *
 * With `connectionRoutes`, it also adds the API's `$connect` / `$disconnect` routes, which keep the connections
 * table with direct DynamoDB integrations (no Lambda). With `lifecycleEvents`, it puts `Connected`, `Disconnected`,
 * `UserOnline` and `UserOffline` events on EventBridge: route them with `onUserOffline(id, { target })` and the other
 * `on…()` methods.
 *
 * To watch it: `metric(name)` and the `metric*()` methods (every metric name, and what it counts, in
 * `IWebsocketPusher.metric`), the Logs Insights queries of `queryDefinitions`, `alarms` and `createDashboard()`.
 * Other constructs take it as an `IWebsocketPusher`.
 *
 * @example
 * const api = new apigwv2.WebSocketApi(this, 'Api');
 * const stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
 * const pusher = new WebsocketPusher(this, 'Pusher', { webSocketStage: stage });
 * pusher.grantPublish(backendFunction);
 */
/* eslint-enable tsdoc/syntax */
export class WebsocketPusher extends WebsocketPusherBase implements iam.IGrantable, ec2.IConnectable {
  /** The pusher Lambda function. */
  public readonly pusherFunction: lambda.Function;

  /** The log group of the pusher function. */
  public readonly logGroup: logs.ILogGroup;

  /** The principal of the pusher function (its role): grant it what your own additions need. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The pusher function's role: its log group, the table, `ManageConnections` on the stage, the work queue. */
  public readonly role: iam.IRole;

  /** The `service` dimension of the pusher's metrics and the `service` field of its log lines. */
  public readonly serviceName: string;

  /** The CloudWatch namespace of the pusher's metrics. */
  public readonly metricsNamespace: string;

  /** The connections table, created or given. */
  public readonly connectionsTable: dynamodb.ITable;

  /** The queue of notification requests, created or given; undefined when `enableQueue` is false. */
  public readonly queue?: sqs.IQueue;

  /** The dead-letter queue of the created queue; undefined when a queue was given or the queue is off. */
  public readonly deadLetterQueue?: sqs.IQueue;

  /** The topic of notification requests, created or given; undefined when `enableTopic` is false. */
  public readonly topic?: sns.ITopic;

  /** What the SNS path could not process (Lambda's on-failure destination, the subscription's DLQ); undefined without it. */
  public readonly failedEventsQueue?: sqs.IQueue;

  /** The Management API endpoint the pusher posts to. */
  public readonly callbackUrl: string;

  /**
   * The pusher's internal work queue, consumed by the pusher: follow-up items naming exactly what a request could
   * not finish (connections still failing, users whose lookup failed, the unread part of a Scan), and the work items
   * of a segmented broadcast. Only the pusher sends to it.
   */
  public readonly workQueue: sqs.IQueue;

  /**
   * Where work items land after failing 3 receives, and where the pusher keeps what is still left after the last
   * follow-up attempt (`segmentedBroadcast.maxCarryForwardAttempts`): never looped, never dropped; redrivable.
   */
  public readonly workDeadLetterQueue: sqs.IQueue;

  /** The alarms of `alarms`; empty when `alarms` is not given. */
  public readonly alarms: cloudwatch.IAlarm[];

  /**
   * CloudWatch Logs Insights queries saved for the log group: `<serviceName>/requests` and `<serviceName>/work-items`.
   *
   * `requests` totals the per-request log lines by outcome and kind:
   *
   * ```
   * filter message = "request processed"
   * | stats count(*) as requests, sum(targets) as targets, sum(delivered) as delivered, sum(gone) as gone, sum(pruned) as pruned, sum(failed) as failed, sum(requeued) as requeued, avg(durationMs) as avgDurationMs by outcome, kind
   * ```
   *
   * `work-items` totals the work items of each split request (follow-ups and segmented broadcasts), the longest first:
   *
   * ```
   * filter message = "work item processed"
   * | stats count(*) as workItems, sum(continued) as continuations, sum(targets) as targets, sum(delivered) as delivered, sum(gone) as gone, sum(pruned) as pruned, sum(carried) as carriedForward, sum(failed) as failed, max(wallTimeMs) as wallTimeMs by requestId
   * | sort wallTimeMs desc
   * ```
   */
  public readonly queryDefinitions: logs.QueryDefinition[];

  /** The idempotency table of `deduplication`; undefined when deduplication is off. */
  public readonly deduplicationTable?: dynamodb.ITable;

  /** The `$connect` route of `connectionRoutes` (`PutItem` of the row); undefined without `connectionRoutes`. */
  public readonly connectRoute?: apigwv2.WebSocketRoute;

  /** The `$disconnect` route of `connectionRoutes` (`DeleteItem` of the row); undefined without `connectionRoutes`. */
  public readonly disconnectRoute?: apigwv2.WebSocketRoute;

  /** The role of `connectionRoutes`' integrations: PutItem and DeleteItem on the table only; undefined without them. */
  public readonly connectionRoutesRole?: iam.IRole;

  /** The `ping` route (`enablePingRoute`), answered by API Gateway itself; undefined without it. */
  public readonly pingRoute?: apigwv2.WebSocketRoute;

  /** The subscriptions table of `channels`, created or given; undefined without channels. */
  public readonly subscriptionsTable?: dynamodb.ITable;

  /**
   * The history table of `channels`, created or given: each history channel's head and its messages, kept for the
   * rule's retention. Undefined unless a channel rule has `history`.
   */
  public readonly historyTable?: dynamodb.ITable;

  /** The function of the `subscribe`, `unsubscribe` and `$default` routes; undefined without channels. */
  public readonly channelsFunction?: lambda.IFunction;

  /**
   * The function on the connections table's stream: it removes a gone connection's subscriptions (`channels`), and puts
   * the lifecycle events and keeps user presence (`lifecycleEvents`); undefined without either.
   */
  public readonly connectionStreamFunction?: lambda.IFunction;

  /**
   * The stream batches the connection stream function could not finish (a subscription cleanup, lifecycle events),
   * kept; undefined without `channels` and `lifecycleEvents`.
   */
  public readonly cleanupFailuresQueue?: sqs.IQueue;

  /** The bus the lifecycle events are put on (the account's default bus unless one was given); undefined without `lifecycleEvents`. */
  public readonly lifecycleEventBus?: events.IEventBus;

  /** The presence table of `lifecycleEvents`, created or given: a row per user online or leaving; undefined without it. */
  public readonly presenceTable?: dynamodb.ITable;

  /**
   * The queue of delayed presence checks (a user's last connection went: `UserOffline` after the grace period unless
   * one came back), which the connection stream function sends and consumes; undefined without `lifecycleEvents`.
   */
  public readonly presenceCheckQueue?: sqs.IQueue;

  /** Where presence checks land after failing 5 receives, kept; undefined without `lifecycleEvents`. */
  public readonly presenceCheckDeadLetterQueue?: sqs.IQueue;

  constructor(scope: Construct, id: string, props: WebsocketPusherProps) {
    super(scope, id);
    checkProps(this, props);
    const timeout = functionTimeout(props.timeout);
    const attributes = tableAttributes(props);

    // Creation order is the order of the template's resources and of the role's policy statements.
    // With channels and lifecycle events, the table's stream tells the connection stream function which connection came or went.
    const stream = props.channels || props.lifecycleEvents ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined;
    this.connectionsTable = props.connectionsTable ?? createConnectionsTable(this, props.connectionsTableProps ?? {}, attributes, stream);
    this.callbackUrl = props.callbackUrl ?? defaultCallbackUrl(props.webSocketStage);
    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention ?? CONSTRUCT_DEFAULTS.LOG_RETENTION });
    this.serviceName = props.serviceName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.metricsNamespace = props.metricsNamespace ?? DEFAULTS.METRICS_NAMESPACE;
    const role = createServiceRole(this, this.logGroup);
    this.role = role;
    this.grantPrincipal = role;
    if (props.vpc) grantVpcAccess(role);
    this.failedEventsQueue = (props.enableTopic ?? true) ? createFailedEventsQueue(this) : undefined;
    const shared = { role, logGroup: this.logGroup, connectionsTable: this.connectionsTable, attributes, serviceName: this.serviceName };
    this.pusherFunction = createPusherFunction(this, props, {
      ...shared, callbackUrl: this.callbackUrl, timeout, failedEventsQueue: this.failedEventsQueue, metricsNamespace: this.metricsNamespace,
    });
    grantTableAccess(role, this.connectionsTable);
    grantManageConnections(this, role, props.webSocketStage, props.enableDisconnect ?? false);
    const client = addClientRoutes(this, props, {
      ...shared, pusherFunction: this.pusherFunction, metricsNamespace: this.metricsNamespace, callbackUrl: this.callbackUrl,
    });
    this.connectRoute = client.connectRoute;
    this.disconnectRoute = client.disconnectRoute;
    this.connectionRoutesRole = client.connectionRoutesRole;
    this.pingRoute = client.pingRoute;
    this.subscriptionsTable = client.channels?.subscriptionsTable;
    this.historyTable = client.historyTable;
    this.channelsFunction = client.channels?.channelsFunction;
    this.connectionStreamFunction = client.stream?.connectionStreamFunction;
    this.cleanupFailuresQueue = client.stream?.failuresQueue;
    const lifecycle = client.stream?.lifecycleEvents;
    this.lifecycleEventBus = lifecycle?.eventBus;
    this.presenceTable = lifecycle?.presenceTable;
    this.presenceCheckQueue = lifecycle?.presenceCheckQueue;
    this.presenceCheckDeadLetterQueue = lifecycle?.presenceCheckDeadLetterQueue;

    if (props.enableQueue ?? true) {
      const source = addQueueSource(this, this.pusherFunction, props, timeout);
      this.queue = source.queue;
      this.deadLetterQueue = source.deadLetterQueue;
    }
    const work = addWorkQueue(this, this.pusherFunction, role, props.segmentedBroadcast, timeout);
    this.workQueue = work.workQueue;
    this.workDeadLetterQueue = work.workDeadLetterQueue;
    const presenceInputs = { connectionsTable: this.connectionsTable, attributes, workQueue: this.workQueue, pusher: this.pusherFunction };
    wireChannelPresence(props, client, presenceInputs);
    if (props.deduplication) this.deduplicationTable = addDeduplication(this, this.pusherFunction, role, props.deduplication);
    if (this.failedEventsQueue) {
      this.topic = addTopicSource(this, this.pusherFunction, props, this.failedEventsQueue);
    }
    this.queryDefinitions = createQueryDefinitions(this, this.logGroup, this.serviceName);
    this.alarms = props.alarms ? createAlarms(this, this.watched(), props.alarms) : [];
  }

  /**
   * Adds a CloudWatch dashboard of this pusher: deliveries, requests, duration, queue depths, the function.
   * With `channels`, also the channel metrics, refusals and cleanup failures, and the connection stream function (its
   * iterator age); with `lifecycleEvents`, the connection stream function, the presence checks (waiting, delayed, the
   * oldest), the events put by type, and presence changes and checks.
   *
   * @param id - the dashboard's construct id, under this construct
   * @param dashboardName - its name in CloudWatch
   * @returns the dashboard
   */
  public createDashboard(id: string = 'Dashboard', dashboardName?: string): cloudwatch.Dashboard {
    return createDashboard(this, id, this.watched(), dashboardName);
  }


  private watched(): Watched {
    return {
      pusherFunction: this.pusherFunction,
      queue: this.queue,
      workQueue: this.workQueue,
      deadLetterQueues: {
        DeadLetterQueue: this.deadLetterQueue,
        WorkDeadLetterQueue: this.workDeadLetterQueue,
        FailedEventsQueue: this.failedEventsQueue,
        CleanupFailuresQueue: this.cleanupFailuresQueue,
        PresenceCheckDeadLetterQueue: this.presenceCheckDeadLetterQueue,
      },
      channelsFunction: this.channelsFunction,
      connectionStreamFunction: this.connectionStreamFunction,
      presenceCheckQueue: this.presenceCheckQueue,
      metric: (name, props) => this.metric(name, props),
    };
  }

  /** The pusher function's network connections (its security groups), when it runs in a `vpc`; throws otherwise. */
  public get connections(): ec2.Connections {
    return this.pusherFunction.connections;
  }
}
