// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CoreLog } from './deliver';
import type { WorkReport } from './fanout';
import type { Reporter, RequestReport } from './process';

/** Powertools logger and metrics: one JSON log line and one EMF metric line per request and per work item. */
export class PowertoolsReporter implements Reporter, CoreLog {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(serviceName: string, namespace: string) {
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ serviceName, namespace });
  }

  report(report: RequestReport): void {
    const level = report.outcome === 'failed' ? 'error' : report.outcome === 'invalid' ? 'warn' : 'info';
    this.logger[level]('request processed', { ...report });

    // Added and flushed synchronously, so concurrent requests never mix their figures in one EMF blob.
    const m = this.metrics;
    m.addMetric('Requests', MetricUnit.Count, 1);
    m.addMetric('InvalidRequests', MetricUnit.Count, report.outcome === 'invalid' ? 1 : 0);
    m.addMetric('FailedRequests', MetricUnit.Count, report.outcome === 'failed' ? 1 : 0);
    m.addMetric('Targets', MetricUnit.Count, report.targets);
    m.addMetric('Delivered', MetricUnit.Count, report.delivered);
    m.addMetric('Gone', MetricUnit.Count, report.gone);
    m.addMetric('Pruned', MetricUnit.Count, report.pruned);
    m.addMetric('Retried', MetricUnit.Count, report.retried);
    m.addMetric('Failed', MetricUnit.Count, report.failed);
    m.addMetric('Duration', MetricUnit.Milliseconds, report.durationMs);
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
    m.addMetric('WorkItems', MetricUnit.Count, 1);
    m.addMetric('InvalidWorkItems', MetricUnit.Count, report.outcome === 'invalid' ? 1 : 0);
    m.addMetric('FailedWorkItems', MetricUnit.Count, report.outcome === 'failed' ? 1 : 0);
    m.addMetric('Continuations', MetricUnit.Count, report.continued);
    m.addMetric('Targets', MetricUnit.Count, report.targets);
    m.addMetric('Delivered', MetricUnit.Count, report.delivered);
    m.addMetric('Gone', MetricUnit.Count, report.gone);
    m.addMetric('Pruned', MetricUnit.Count, report.pruned);
    m.addMetric('Retried', MetricUnit.Count, report.retried);
    m.addMetric('CarriedForward', MetricUnit.Count, report.carried);
    m.addMetric('Failed', MetricUnit.Count, report.failed);
    m.addMetric('Duration', MetricUnit.Milliseconds, report.durationMs);
    m.addMetric('WallTime', MetricUnit.Milliseconds, report.wallTimeMs);
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
}
