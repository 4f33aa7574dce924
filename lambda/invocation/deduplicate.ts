import type { InlineJob } from './deliver-inline';
import { describeError } from '../core/errors';
import type { Deduplication } from '../core/ports/deduplication';
import type { Log } from '../core/ports/reporter';
import { unsentReport, type RequestReport } from '../core/reports';
import { requestKind } from '../core/targets';

/** A request's deduplication key: the publisher's `id`, else its SQS or SNS message id. */
export const deduplicationKey = (job: InlineJob): string => job.request.id ?? job.messageId;

/**
 * Claims every job's key: a job already completed within the window is reported `duplicate` and skipped; one in
 * progress elsewhere, or whose key could not be claimed (the table throttled), is reported `failed`, so that it is
 * retried; the others are fresh.
 */
export async function claim(
  jobs: readonly InlineJob[], deduplication: Deduplication, remainingMs?: number,
): Promise<{ fresh: InlineJob[]; reports: Map<InlineJob, RequestReport> }> {
  const reports = new Map<InlineJob, RequestReport>();
  const claims = await Promise.all(jobs.map((job) => deduplication.claim(deduplicationKey(job), remainingMs).catch((e: unknown) => e as Error)));
  jobs.forEach((job, i) => {
    const result = claims[i];
    if (result === 'fresh') return;
    const base = unsentReport(job.messageId, job.source, requestKind(job.request));
    if (result === 'duplicate') reports.set(job, { ...base, outcome: 'duplicate' });
    else if (result === 'in-progress') reports.set(job, { ...base, outcome: 'failed', error: { code: 'IN_PROGRESS', message: `request ${deduplicationKey(job)} is being processed by another invocation` } });
    else reports.set(job, { ...base, outcome: 'failed', error: { code: 'LOOKUP_FAILED', message: `the deduplication table could not be read: ${describeError(result)}` } });
  });
  return { fresh: jobs.filter((_, i) => claims[i] === 'fresh'), reports };
}

/**
 * Remembers the completed requests' keys, forgets the failed ones' (they will be retried). Best effort: a key that
 * cannot be saved is logged, never fails the batch (its records are done); it only narrows the window.
 */
export async function settle(reports: ReadonlyMap<InlineJob, RequestReport>, deduplication: Deduplication, log: Log): Promise<void> {
  await Promise.all([...reports].map(async ([job, report]) => {
    const failed = report.outcome === 'failed' || report.outcome === 'blocked';
    try {
      await (failed ? deduplication.release(deduplicationKey(job)) : deduplication.complete(deduplicationKey(job)));
    } catch (e) {
      log.warn('deduplication record not saved', { messageId: job.messageId, key: deduplicationKey(job), error: describeError(e) });
    }
  }));
}
