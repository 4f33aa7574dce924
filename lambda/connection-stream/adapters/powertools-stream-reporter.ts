// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../../src/shared/constants';
import type { BatchReport, StreamReporter } from '../core/ports';

/** The cleanup's metric names (EMF, dimension `service`, the pusher's namespace). */
export const CLEANUP_METRICS = {
  /** Subscription rows deleted because their connection went. */
  SUBSCRIPTIONS_CLEANED: METRICS.SUBSCRIPTIONS_CLEANED,
  /** Stream records whose cleanup failed (each is retried, then kept by the on-failure destination). */
  CLEANUP_FAILURES: METRICS.CLEANUP_FAILURES,
} as const;

/** Powertools logger and metrics: one JSON log line and one EMF blob per stream batch. */
export class PowertoolsStreamReporter implements StreamReporter {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(serviceName: string, namespace: string) {
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ serviceName, namespace });
  }

  report(report: BatchReport): void {
    const { failed, ...counts } = report;
    if (failed.length > 0) this.logger.error('stream batch processed', { ...counts, failed });
    else this.logger.info('stream batch processed', counts);
    this.metrics.addMetric(CLEANUP_METRICS.SUBSCRIPTIONS_CLEANED, MetricUnit.Count, report.subscriptionsDeleted);
    this.metrics.addMetric(CLEANUP_METRICS.CLEANUP_FAILURES, MetricUnit.Count, report.failures);
    this.metrics.publishStoredMetrics();
  }

  error(message: string, error: Error): void {
    this.logger.error(message, { error });
  }
}
