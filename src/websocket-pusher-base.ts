import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { pusherMetric } from './private/metrics';
import { METRICS } from './shared/constants';

/**
 * The metrics of a `WebsocketPusher`, the aws-cdk-lib way: `metric(name)` and one method per metric the pusher's
 * dashboards and alarms are made of, all from the one table of metric names the handler publishes with.
 */
export abstract class WebsocketPusherBase extends Construct {
  /** The `service` dimension of the pusher's metrics and the `service` field of its log lines. */
  public abstract readonly serviceName: string;

  /** The CloudWatch namespace of the pusher's metrics. */
  public abstract readonly metricsNamespace: string;

  /**
   * A metric the pusher publishes, by its name (`Delivered`, `Gone`, ...: the names in lambda/README.md), in
   * `metricsNamespace` with dimension `service` = `serviceName`: `Sum` of a count, `Average` of a duration, over
   * 5 minutes, unless `props` say otherwise.
   *
   * @param metricName - the metric's name, as the handler publishes it
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
}
