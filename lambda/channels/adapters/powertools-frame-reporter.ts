// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { frameLevel, frameMetrics, type FrameReport } from '../core/report';

/** Powertools logger and metrics: one JSON log line and one EMF line per frame. */
export class PowertoolsFrameReporter {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(serviceName: string, namespace: string) {
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ serviceName, namespace });
  }

  report(report: FrameReport): void {
    this.logger[frameLevel(report)]('frame handled', { ...report });
    for (const [name, value] of frameMetrics(report)) this.metrics.addMetric(name, MetricUnit.Count, value);
    this.metrics.publishStoredMetrics();
  }
}
