// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../src/shared/constants';
import type { Log, Reporter } from '../core/ports/reporter';
import type { DeliveryCounts, RequestReport, WorkReport } from '../core/reports';

/** Powertools logger and metrics: one JSON log line and one EMF metric line per request and per work item. */
export class PowertoolsReporter implements Reporter, Log {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(serviceName: string, namespace: string) {
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ serviceName, namespace });
  }

  report(report: RequestReport): void {
    const level = report.outcome === 'failed' ? 'error' : report.outcome === 'invalid' || report.outcome === 'blocked' ? 'warn' : 'info';
    this.logger[level]('request processed', { ...report });

    // Added and flushed synchronously, so concurrent requests never mix their figures in one EMF blob.
    const m = this.metrics;
    m.addMetric(METRICS.REQUESTS, MetricUnit.Count, 1);
    m.addMetric(METRICS.INVALID_REQUESTS, MetricUnit.Count, report.outcome === 'invalid' ? 1 : 0);
    m.addMetric(METRICS.FAILED_REQUESTS, MetricUnit.Count, report.outcome === 'failed' ? 1 : 0);
    m.addMetric(METRICS.DUPLICATE_REQUESTS, MetricUnit.Count, report.outcome === 'duplicate' ? 1 : 0);
    m.addMetric(METRICS.BLOCKED_REQUESTS, MetricUnit.Count, report.outcome === 'blocked' ? 1 : 0);
    m.addMetric(METRICS.REQUEUED, MetricUnit.Count, report.requeued);
    this.addDelivery(report);
    m.addMetric(METRICS.DURATION, MetricUnit.Milliseconds, report.durationMs);
    m.addMetadata('messageId', report.messageId);
    m.addMetadata('source', report.source);
    m.addMetadata('kind', report.kind);
    m.addMetadata('outcome', report.outcome);
    m.publishStoredMetrics();
  }

  /**
   * A work item of a split request. Metric names match the per-request ones (Targets, Delivered, …), so sums over
   * time cover both paths; `requestId` is metadata, to aggregate one request's items in Logs Insights.
   */
  reportWork(report: WorkReport): void {
    const level = report.outcome === 'failed' || report.outcome === 'invalid' ? 'error' : 'info';
    this.logger[level]('work item processed', { ...report });

    const m = this.metrics;
    m.addMetric(METRICS.WORK_ITEMS, MetricUnit.Count, 1);
    m.addMetric(METRICS.INVALID_WORK_ITEMS, MetricUnit.Count, report.outcome === 'invalid' ? 1 : 0);
    m.addMetric(METRICS.FAILED_WORK_ITEMS, MetricUnit.Count, report.outcome === 'failed' ? 1 : 0);
    m.addMetric(METRICS.CONTINUATIONS, MetricUnit.Count, report.continued);
    this.addDelivery(report, report.carried);
    m.addMetric(METRICS.DURATION, MetricUnit.Milliseconds, report.durationMs);
    m.addMetric(METRICS.WALL_TIME, MetricUnit.Milliseconds, report.wallTimeMs);
    m.addMetadata('requestId', report.requestId);
    m.addMetadata('messageId', report.messageId);
    m.addMetadata('kind', report.kind);
    m.addMetadata('segment', String(report.segment));
    m.addMetadata('outcome', report.outcome);
    m.publishStoredMetrics();
  }

  error(message: string, fields: Record<string, unknown>): void {
    this.logger.error(message, fields);
  }

  warn(message: string, fields: Record<string, unknown>): void {
    this.logger.warn(message, fields);
  }

  /** The delivery figures both lines share; `carriedForward` only on work items, before `Failed` as before. */
  private addDelivery(counts: DeliveryCounts, carriedForward?: number): void {
    const m = this.metrics;
    m.addMetric(METRICS.TARGETS, MetricUnit.Count, counts.targets);
    m.addMetric(METRICS.DELIVERED, MetricUnit.Count, counts.delivered);
    m.addMetric(METRICS.GONE, MetricUnit.Count, counts.gone);
    m.addMetric(METRICS.PRUNED, MetricUnit.Count, counts.pruned);
    m.addMetric(METRICS.RETRIED, MetricUnit.Count, counts.retried);
    if (carriedForward !== undefined) m.addMetric(METRICS.CARRIED_FORWARD, MetricUnit.Count, carriedForward);
    m.addMetric(METRICS.FAILED, MetricUnit.Count, counts.failed);
    if (counts.closed > 0) m.addMetric(METRICS.CLOSED, MetricUnit.Count, counts.closed);
    if (counts.channelDelivered > 0) m.addMetric(METRICS.CHANNEL_DELIVERED, MetricUnit.Count, counts.channelDelivered);
  }
}
