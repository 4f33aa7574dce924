import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS } from '../shared/constants';
import { PRESENCE_METRICS } from '../shared/presence';

/** The pusher's metrics, its channels' and connection stream function's, and (with lifecycle events) presence's. */
const NAMES = new Set<string>([...Object.values(METRICS), ...Object.values(PRESENCE_METRICS)]);
/** Metrics in milliseconds: an average makes sense of them; every other metric is a count, summed. */
const TIMINGS = new Set<string>([METRICS.DURATION, METRICS.WALL_TIME]);

/**
 * A metric the pusher publishes (embedded metric format, dimension `service`), with the statistic and unit that fit
 * it: `Sum` of a count, `Average` of a time in milliseconds, over 5 minutes. `props` override any of these.
 */
export function pusherMetric(namespace: string, serviceName: string, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  if (!NAMES.has(metricName)) {
    throw new Error(`WebsocketPusher.metric: '${metricName}' is not a metric the pusher publishes (${[...NAMES].join(', ')})`);
  }
  const timing = TIMINGS.has(metricName);
  return new cloudwatch.Metric({
    namespace,
    metricName,
    dimensionsMap: { service: serviceName },
    statistic: timing ? cloudwatch.Stats.AVERAGE : cloudwatch.Stats.SUM,
    unit: timing ? cloudwatch.Unit.MILLISECONDS : cloudwatch.Unit.COUNT,
    period: Duration.minutes(5),
    ...props,
  });
}
