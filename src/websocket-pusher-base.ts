import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IWebsocketPusher } from './iwebsocket-pusher';
import { LifecycleEvent, LifecycleRuleOptions } from './lifecycle-events-options';
import { pusherMetric } from './private/metrics';
import { grantReadConnections, grantWriteConnections } from './private/permissions';
import { throwIfInvalid } from './private/prop-errors';
import { METRICS } from './shared/constants';


/**
 * The metrics and grants of a pusher, the aws-cdk-lib way (`QueueBase` of `IQueue`): a subclass gives the attributes
 * (`serviceName`, `metricsNamespace`, `connectionsTable`, `queue`, `topic`) and gets every method of
 * `IWebsocketPusher`, all from the one table of metric names the handler publishes with.
 */
export abstract class WebsocketPusherBase extends Construct implements IWebsocketPusher {
  /** The `service` dimension of the pusher's metrics and the `service` field of its log lines. */
  public abstract readonly serviceName: string;

  /** The CloudWatch namespace of the pusher's metrics. */
  public abstract readonly metricsNamespace: string;

  /** The connections table, which `grantWriteConnections` and `grantReadConnections` grant on. */
  public abstract readonly connectionsTable: dynamodb.ITable;

  /** The queue of notification requests; undefined when the pusher reads no queue. */
  public abstract readonly queue?: sqs.IQueue;

  /** The topic of notification requests; undefined when the pusher subscribes to no topic. */
  public abstract readonly topic?: sns.ITopic;

  /** The bus the pusher puts its lifecycle events on; undefined when it puts none (no `lifecycleEvents`). */
  public abstract readonly lifecycleEventBus?: events.IEventBus;

  /**
   * A metric the pusher publishes, by its name, in `metricsNamespace` with dimension `service` = `serviceName`: `Sum`
   * of a count, `Average` of a time, over 5 minutes, unless `props` say otherwise. A name the pusher does not publish
   * throws. The names, their units and what each counts: `IWebsocketPusher.metric`.
   *
   * @param metricName - the metric's name, as the handler publishes it (`Delivered`, `Pruned`, `WallTime`, ...)
   * @param props - period, statistic, label and the rest, over the defaults
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return pusherMetric(this.metricsNamespace, this.serviceName, metricName, props);
  }

  /** Requests processed: one per SQS message, SNS notification or direct invocation. Sum over 5 minutes. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.REQUESTS, props);
  }

  /** Requests that can never succeed (malformed, too large, disabled action): reported, not retried. Sum over 5 minutes. */
  public metricInvalidRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.INVALID_REQUESTS, props);
  }

  /** Requests that failed transiently and are retried by SQS or Lambda. Sum over 5 minutes. */
  public metricFailedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.FAILED_REQUESTS, props);
  }

  /** Connections a request was delivered to. Sum over 5 minutes. */
  public metricDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.DELIVERED, props);
  }

  /** Connections that answered 410 Gone (closed without `$disconnect`). Sum over 5 minutes. */
  public metricGone(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.GONE, props);
  }

  /** Connections not delivered for any reason but Gone. Sum over 5 minutes. */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.FAILED, props);
  }

  /** Post attempts after the first, summed over connections. Sum over 5 minutes. */
  public metricRetried(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.RETRIED, props);
  }

  /** Milliseconds from the start of a request (or work item) to its report. Average over 5 minutes. */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.DURATION, props);
  }

  /** Connections and users of requests handed to follow-up work items. Sum over 5 minutes. */
  public metricRequeued(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.REQUEUED, props);
  }

  /** Work items processed (follow-ups and segmented broadcasts). Sum over 5 minutes. */
  public metricWorkItems(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.WORK_ITEMS, props);
  }

  /** Work items that failed and are retried by SQS. Sum over 5 minutes. */
  public metricFailedWorkItems(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.FAILED_WORK_ITEMS, props);
  }

  /** Of `Delivered`: connections reached through one of a request's `channels`. Sum over 5 minutes. */
  public metricChannelDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.CHANNEL_DELIVERED, props);
  }

  /** With `channels`: subscribe frames that subscribed. Sum over 5 minutes. */
  public metricSubscribes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.SUBSCRIBES, props);
  }

  /** With `channels`: subscription rows deleted because their connection went. Sum over 5 minutes. */
  public metricSubscriptionsCleaned(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.SUBSCRIPTIONS_CLEANED, props);
  }

  /** With `channels`: stream records whose subscription cleanup failed (retried, then kept by the cleanup failures queue). Sum over 5 minutes. */
  public metricCleanupFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.CLEANUP_FAILURES, props);
  }

  /**
   * A rule on `lifecycleEventBus` matching the pusher's lifecycle events (`source` = `serviceName`, `detail-type` one of
   * `options.eventTypes`, every lifecycle event by default), merged with `options.eventPattern` (as aws-cdk-lib merges
   * patterns: lists are joined), with `options.target` if given. Throws without `lifecycleEvents`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, the events, a pattern to narrow them (e.g. `detail.userId`), the rule's name and description
   * @returns the rule
   */
  public onLifecycleEvent(id: string, options: LifecycleRuleOptions = {}): events.Rule {
    const types = options.eventTypes ?? Object.values(LifecycleEvent);
    if (types.length === 0) {
      throwIfInvalid(this, ['WebsocketPusher: onLifecycleEvent: eventTypes must name at least one LifecycleEvent']);
    }
    return this.lifecycleRule('onLifecycleEvent', id, options, types);
  }

  /**
   * A rule matching `Connected`: a connection's row was written (its `$connect`). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onConnected(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onConnected', id, options, [LifecycleEvent.CONNECTED]);
  }

  /**
   * A rule matching `Disconnected`: a connection's row was removed (its `$disconnect`, its TTL, a disconnect request,
   * a prune on 410). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onDisconnected(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onDisconnected', id, options, [LifecycleEvent.DISCONNECTED]);
  }

  /**
   * A rule matching `UserOnline`: a user's first live connection appeared. As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onUserOnline(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onUserOnline', id, options, [LifecycleEvent.USER_ONLINE]);
  }

  /**
   * A rule matching `UserOffline`: a user's last live connection went and none came back within the grace period. As
   * `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onUserOffline(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onUserOffline', id, options, [LifecycleEvent.USER_OFFLINE]);
  }

  /**
   * A rule matching `Subscribed`: a connection subscribed to a channel (`detail.channel`). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onSubscribed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onSubscribed', id, options, [LifecycleEvent.SUBSCRIBED]);
  }

  /**
   * A rule matching `Unsubscribed`: a connection's subscription to a channel ended (its `unsubscribe`, a refused repeat
   * subscribe, or the connection went). As `onLifecycleEvent`.
   *
   * @param id - the rule's construct id, under this construct
   * @param options - the target, a pattern to narrow the events, the rule's name and description
   * @returns the rule
   */
  public onUnsubscribed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.lifecycleRule('onUnsubscribed', id, options, [LifecycleEvent.UNSUBSCRIBED]);
  }

  /**
   * Lets `grantee` publish notification requests to every source that exists: `sns:Publish` on the topic and
   * `sqs:SendMessage` on the queue (with the KMS permissions their keys need). Throws when the pusher has neither.
   *
   * @param grantee - the backend that publishes (a function, a role, a user)
   * @returns the grants on every source that exists, combined
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const grants: iam.Grant[] = [];
    if (this.topic) grants.push(this.topic.grantPublish(grantee));
    if (this.queue) grants.push(this.queue.grantSendMessages(grantee));
    if (grants.length === 0) throw new Error(`WebsocketPusher.grantPublish: ${this.node.path} has neither a queue nor a topic to publish to`);
    return grants.reduce((all, grant) => all.combine(grant));
  }

  /**
   * Lets `grantee` write and delete rows of the connections table (`dynamodb:PutItem`, `dynamodb:DeleteItem`, and the
   * KMS permissions of a customer-managed key): for an application's own `$connect` / `$disconnect` handlers, instead
   * of `connectionRoutes`.
   *
   * @param grantee - the handler that writes the rows
   * @returns the grant on the table
   */
  public grantWriteConnections(grantee: iam.IGrantable): iam.Grant {
    return grantWriteConnections(grantee, this.connectionsTable);
  }

  /**
   * Lets `grantee` read the connections table (`GetItem`, `Query`, `Scan`, and decryption with its key), e.g. to show
   * who is online.
   *
   * @param grantee - the reader
   * @returns the grant on the table
   */
  public grantReadConnections(grantee: iam.IGrantable): iam.Grant {
    return grantReadConnections(grantee, this.connectionsTable);
  }

  /** The rule of an `on…` method: CodeCommit's `onEvent` pattern, on the lifecycle bus. */
  private lifecycleRule(method: string, id: string, options: events.OnEventOptions, types: LifecycleEvent[]): events.Rule {
    const eventBus = this.lifecycleEventBus;
    if (!eventBus) {
      throwIfInvalid(this, [`WebsocketPusher: ${method} needs lifecycleEvents: without it the pusher puts no lifecycle events on a bus`]);
      throw new Error('unreachable');
    }
    const rule = new events.Rule(this, id, {
      eventBus,
      eventPattern: options.eventPattern,
      description: options.description,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
    });
    rule.addEventPattern({ source: [this.serviceName], detailType: types });
    if (options.target) rule.addTarget(options.target);
    return rule;
  }
}
