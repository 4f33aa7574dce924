// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../../src/shared/constants';
import { LIFECYCLE_EVENTS, PRESENCE_METRICS } from '../../../src/shared/presence';
import type { BatchReport, CheckBatchReport, PresenceCounts, StreamReporter } from '../core/reports';

/** The cleanup's metric names (EMF, dimension `service`, the pusher's namespace). */
export const CLEANUP_METRICS = {
  /** Subscription rows deleted because their connection went. */
  SUBSCRIPTIONS_CLEANED: METRICS.SUBSCRIPTIONS_CLEANED,
  /** Stream records that failed, the cleanup's or presence's (each is retried, then kept by the on-failure destination). */
  CLEANUP_FAILURES: METRICS.CLEANUP_FAILURES,
} as const;

/** What the function does, hence which metrics it publishes. */
export interface ReporterFeatures {
  readonly cleanup: boolean;
  readonly presence: boolean;
  /** Channel presence: the `leave` frames sent (`PresenceLeaves`, the channels function's name for its own). */
  readonly channelPresence?: boolean;
}

/** Powertools logger and metrics: one JSON log line and one EMF blob per stream batch, and per batch of checks. */
export class PowertoolsStreamReporter implements StreamReporter {
  readonly logger: Logger;
  private readonly metrics: Metrics;
  /** Set once the configuration is read; until then (a configuration error) nothing is published. */
  features: ReporterFeatures = { cleanup: true, presence: false };

  constructor(serviceName: string, namespace: string) {
    this.logger = new Logger({ serviceName });
    this.metrics = new Metrics({ serviceName, namespace });
  }

  report(report: BatchReport): void {
    const { failed, ...counts } = report;
    if (failed.length > 0) this.logger.error('stream batch processed', { ...counts, failed });
    else this.logger.info('stream batch processed', counts);
    if (this.features.cleanup) this.metrics.addMetric(CLEANUP_METRICS.SUBSCRIPTIONS_CLEANED, MetricUnit.Count, report.subscriptionsDeleted);
    this.metrics.addMetric(CLEANUP_METRICS.CLEANUP_FAILURES, MetricUnit.Count, report.failures);
    if (this.features.presence) this.addPresence(report);
    this.metrics.publishStoredMetrics();
  }

  reportChecks(report: CheckBatchReport): void {
    const { failed, ...counts } = report;
    if (failed.length > 0) this.logger.error('presence checks processed', { ...counts, failed });
    else this.logger.info('presence checks processed', counts);
    this.metrics.addMetric(PRESENCE_METRICS.PRESENCE_CHECKS, MetricUnit.Count, report.checks);
    this.metrics.addMetric(PRESENCE_METRICS.STALE_PRESENCE_CHECKS, MetricUnit.Count, report.outcomes.stale ?? 0);
    this.metrics.addMetric(PRESENCE_METRICS.INVALID_PRESENCE_CHECKS, MetricUnit.Count, report.invalid);
    this.metrics.addMetric(PRESENCE_METRICS.FAILED_PRESENCE_CHECKS, MetricUnit.Count, report.failures);
    this.addPresence(report);
    this.metrics.publishStoredMetrics();
  }

  error(message: string, error: Error): void {
    this.logger.error(message, { error });
  }

  /** Events put by type and presence changes, zeros included (a graph without gaps). */
  private addPresence(counts: PresenceCounts): void {
    const events: Array<[string, number | undefined]> = [
      [PRESENCE_METRICS.CONNECTED_EVENTS, counts.events[LIFECYCLE_EVENTS.CONNECTED]],
      [PRESENCE_METRICS.DISCONNECTED_EVENTS, counts.events[LIFECYCLE_EVENTS.DISCONNECTED]],
      [PRESENCE_METRICS.USER_ONLINE_EVENTS, counts.events[LIFECYCLE_EVENTS.USER_ONLINE]],
      [PRESENCE_METRICS.USER_OFFLINE_EVENTS, counts.events[LIFECYCLE_EVENTS.USER_OFFLINE]],
      ...this.features.cleanup
        ? [[PRESENCE_METRICS.UNSUBSCRIBED_EVENTS, counts.events[LIFECYCLE_EVENTS.UNSUBSCRIBED]] as [string, number | undefined]]
        : [],
      [PRESENCE_METRICS.PRESENCE_ONLINE, counts.presence.online],
      [PRESENCE_METRICS.PRESENCE_RECONNECTED, counts.presence.reconnected],
      [PRESENCE_METRICS.PRESENCE_LEAVING, counts.presence.leaving],
      [PRESENCE_METRICS.PRESENCE_OFFLINE, counts.presence.offline],
    ];
    if (this.features.channelPresence) events.push([METRICS.PRESENCE_LEAVES, counts.members?.left]);
    for (const [name, value] of events) this.metrics.addMetric(name, MetricUnit.Count, value ?? 0);
  }
}
