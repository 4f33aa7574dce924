import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PusherAlarmsOptions } from '../pusher-alarms-options';
import { METRICS } from '../shared/constants';
import { PRESENCE_METRICS } from '../shared/presence';

/** What the alarms and the dashboard watch. */
export interface Watched {
  readonly pusherFunction: lambda.IFunction;
  readonly queue?: sqs.IQueue;
  readonly workQueue: sqs.IQueue;
  /** Dead-letter queues by the name their alarm and widget carry. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue | undefined>>;
  /** With channels: the function of the `subscribe`, `unsubscribe` and `$default` routes. */
  readonly channelsFunction?: lambda.IFunction;
  /** With channels or lifecycle events: the function on the connections table's stream (its errors and iterator age are watched). */
  readonly connectionStreamFunction?: lambda.IFunction;
  /** With lifecycle events: the queue of delayed presence checks. */
  readonly presenceCheckQueue?: sqs.IQueue;
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Periods of 5 minutes in a row the connection stream's iterator age must stay over its threshold: 15 minutes. */
export const ITERATOR_AGE_PERIODS = 3;

/** The connection stream function's `IteratorAge` (AWS/Lambda, milliseconds): its Maximum over 5 minutes. */
export function iteratorAge(fn: lambda.IFunction, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES, ...props });
}

/** One alarm per thing an operator must look at; missing data (no traffic) is not a breach. */
export function createAlarms(scope: Construct, watched: Watched, options: PusherAlarmsOptions): cloudwatch.Alarm[] {
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
    const created = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(...options.alarmActions ?? []);
    created.addOkAction(...options.okActions ?? []);
    return created;
  };
  const alarms: cloudwatch.Alarm[] = [];
  for (const [name, queue] of Object.entries(watched.deadLetterQueues)) {
    if (!queue) continue;
    alarms.push(alarm(`${name}NotEmpty`, queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES }), 1,
      `WebsocketPusher: messages are waiting in ${name}: what the pusher could not deliver, kept for inspection and redrive`));
  }
  alarms.push(alarm('FailedRequestsAlarm', watched.metric(METRICS.FAILED_REQUESTS), options.failedRequestsThreshold ?? 1,
    'WebsocketPusher: requests failed transiently (throttling, a missing permission, the table unreachable) and are being retried'));
  alarms.push(alarm('ErrorsAlarm', watched.pusherFunction.metricErrors({ period: FIVE_MINUTES }), 1,
    'WebsocketPusher: the pusher function threw (a configuration error, or an SNS invocation that failed)'));
  alarms.push(alarm('ThrottlesAlarm', watched.pusherFunction.metricThrottles({ period: FIVE_MINUTES }), 1,
    'WebsocketPusher: invocations of the pusher function were throttled (concurrency limit)'));
  const ownFunctions = { ChannelsFunction: watched.channelsFunction, ConnectionStreamFunction: watched.connectionStreamFunction };
  for (const [name, fn] of Object.entries(ownFunctions)) {
    if (!fn) continue;
    alarms.push(alarm(`${name}ErrorsAlarm`, fn.metricErrors({ period: FIVE_MINUTES }), 1,
      `WebsocketPusher: the ${name} threw (a configuration error, or a failure it could not answer or report)`));
  }
  if (watched.channelsFunction) {
    alarms.push(alarm('UnavailableSubscribesAlarm', watched.metric(METRICS.REFUSED_UNAVAILABLE), 1,
      'WebsocketPusher: subscribes were refused UNAVAILABLE: the subscriptions table could not be reached, or a hook function failed (see the channels function\'s log)'));
  }
  if (watched.connectionStreamFunction) {
    const age = options.connectionStreamIteratorAge ?? FIVE_MINUTES;
    alarms.push(alarm('ConnectionStreamIteratorAgeAlarm', iteratorAge(watched.connectionStreamFunction), age.toMilliseconds(),
      `WebsocketPusher: the connection stream function has been ${age.toHumanString()} or more behind the connections table's stream for `
        + `${ITERATOR_AGE_PERIODS * 5} minutes: ${lagConsequences(watched)}`, ITERATOR_AGE_PERIODS));
  }
  if (watched.queue) {
    const age = options.oldestMessageAge ?? FIVE_MINUTES;
    alarms.push(alarm('BacklogAlarm', watched.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES }),
      age.toSeconds(), `WebsocketPusher: the oldest request in the queue is ${age.toHumanString()} old: the pusher is falling behind`));
  }
  return alarms;
}

/** Deliveries, requests, duration, queue depths and the function, one graph each. */
export function createDashboard(scope: Construct, id: string, watched: Watched, dashboardName?: string): cloudwatch.Dashboard {
  const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
    new cloudwatch.GraphWidget({ title, left, right, width: 12 });
  const m = (name: string, props?: cloudwatch.MetricOptions) => watched.metric(name, { label: name, ...props });
  const visible = (queue: sqs.IQueue, label: string) =>
    queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES, label });
  const queues = [
    ...watched.queue ? [visible(watched.queue, 'queue')] : [],
    visible(watched.workQueue, 'work queue'),
    ...Object.entries(watched.deadLetterQueues).flatMap(([name, queue]) => (queue ? [visible(queue, name)] : [])),
  ];
  const fn = watched.pusherFunction;
  return new cloudwatch.Dashboard(scope, id, {
    dashboardName,
    widgets: [
      [graph('Deliveries', [m(METRICS.DELIVERED), m(METRICS.GONE), m(METRICS.FAILED), m(METRICS.RETRIED)]),
        graph('Requests', [m(METRICS.REQUESTS), m(METRICS.INVALID_REQUESTS), m(METRICS.FAILED_REQUESTS), m(METRICS.REQUEUED)])],
      [graph('Request duration (ms)', [m(METRICS.DURATION, { label: 'average' }), m(METRICS.DURATION, { statistic: cloudwatch.Stats.p(99), label: 'p99' })]),
        graph('Queue depths', queues,
          watched.queue ? [watched.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, label: 'oldest request (s)' })] : [])],
      [graph('Pusher function', [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()], [fn.metricDuration({ statistic: cloudwatch.Stats.p(99) })])],
      ...watched.channelsFunction ? [[
        graph('Channels', [m(METRICS.SUBSCRIBES), m(METRICS.UNSUBSCRIBES), m(METRICS.CHANNEL_DELIVERED), m(METRICS.SUBSCRIPTIONS_CLEANED)]),
        graph('Channel refusals and failures', [METRICS.REFUSED_INVALID_FRAME, METRICS.REFUSED_INVALID_CHANNEL, METRICS.REFUSED_FORBIDDEN,
          METRICS.REFUSED_TOO_MANY_SUBSCRIPTIONS, METRICS.REFUSED_UNAVAILABLE, METRICS.CLEANUP_FAILURES].map((name) => m(name))),
      ]] : [],
      ...watched.connectionStreamFunction ? [[
        streamGraph(watched.connectionStreamFunction),
        ...watched.presenceCheckQueue ? [presenceCheckGraph(watched.presenceCheckQueue)] : [],
      ]] : [],
      ...watched.presenceCheckQueue ? [[
        graph('Lifecycle events', [PRESENCE_METRICS.CONNECTED_EVENTS, PRESENCE_METRICS.DISCONNECTED_EVENTS, PRESENCE_METRICS.USER_ONLINE_EVENTS,
          PRESENCE_METRICS.USER_OFFLINE_EVENTS].map((name) => m(name))),
        graph('Presence', [PRESENCE_METRICS.PRESENCE_ONLINE, PRESENCE_METRICS.PRESENCE_RECONNECTED, PRESENCE_METRICS.PRESENCE_LEAVING,
          PRESENCE_METRICS.PRESENCE_OFFLINE].map((name) => m(name)), [PRESENCE_METRICS.PRESENCE_CHECKS, PRESENCE_METRICS.STALE_PRESENCE_CHECKS,
          PRESENCE_METRICS.INVALID_PRESENCE_CHECKS, PRESENCE_METRICS.FAILED_PRESENCE_CHECKS].map((name) => m(name))),
      ]] : [],
    ],
  });
}

/** What a connection stream function behind its stream delays: the subscription cleanup, the lifecycle events. */
function lagConsequences(watched: Watched): string {
  return [
    ...watched.channelsFunction ? ['the subscriptions of gone connections are not being deleted promptly'] : [],
    ...watched.presenceCheckQueue ? ['lifecycle events and presence changes are late'] : [],
  ].join('; ');
}

/** The presence checks: waiting to be processed, still in their grace period (delayed), and the oldest's age. */
function presenceCheckGraph(queue: sqs.IQueue): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Presence checks',
    left: [
      queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES, label: 'waiting' }),
      queue.metricApproximateNumberOfMessagesDelayed({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES, label: 'in their grace period' }),
    ],
    right: [queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES, label: 'oldest (s)' })],
    width: 12,
  });
}

/** The connection stream function: invocations, errors and throttles, and how far behind the stream it reads. */
function streamGraph(fn: lambda.IFunction): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Connection stream function',
    left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
    right: [iteratorAge(fn, { label: 'iterator age, maximum (ms)' })],
    width: 12,
  });
}

/**
 * The CloudWatch Logs Insights queries saved with the log group, by name (the definition is `<serviceName>/<name>`):
 * the per-request totals and the per-work-item totals of the pusher's log lines, whose fields lambda/README.md
 * documents. Each is its lines, as the Logs Insights console shows them.
 */
export const INSIGHTS_QUERIES: Readonly<Record<string, readonly string[]>> = {
  'requests': [
    'filter message = "request processed"',
    'stats count(*) as requests, sum(targets) as targets, sum(delivered) as delivered, sum(gone) as gone, sum(pruned) as pruned, '
      + 'sum(failed) as failed, sum(requeued) as requeued, avg(durationMs) as avgDurationMs by outcome, kind',
  ],
  'work-items': [
    'filter message = "work item processed"',
    'stats count(*) as workItems, sum(continued) as continuations, sum(targets) as targets, sum(delivered) as delivered, '
      + 'sum(gone) as gone, sum(pruned) as pruned, sum(carried) as carriedForward, sum(failed) as failed, max(wallTimeMs) as wallTimeMs by requestId',
    'sort wallTimeMs desc',
  ],
};

/**
 * A query given as its lines, joined as `logs.QueryString` joins its commands. Not `QueryString`'s props: newer
 * aws-cdk-lib deprecates `stats` (every synth warns) for `statsStatements`, which the library's floor (2.189.1) does
 * not have and would leave out of the query.
 */
class InsightsQueryString extends logs.QueryString {
  constructor(private readonly lines: readonly string[]) {
    super();
  }

  public toString(): string {
    return this.lines.join('\n| ');
  }
}

export function createQueryDefinitions(scope: Construct, logGroup: logs.ILogGroup, serviceName: string): logs.QueryDefinition[] {
  const query = (id: string, name: string) => new logs.QueryDefinition(scope, id, {
    queryDefinitionName: `${serviceName}/${name}`,
    queryString: new InsightsQueryString(INSIGHTS_QUERIES[name]),
    logGroups: [logGroup],
  });
  return [query('RequestsQuery', 'requests'), query('WorkItemsQuery', 'work-items')];
}
