import type { InlineJob } from './deliver-inline';
import type { Deduplication } from '../core/ports/deduplication';
import { zeroCounts, type RequestReport } from '../core/reports';
import { requestKind } from '../core/targets';

/** A request's deduplication key: the publisher's `id`, else its SQS or SNS message id. */
export const deduplicationKey = (job: InlineJob): string => job.request.id ?? job.messageId;

/**
 * Claims every job's key: a job already completed within the window is reported `duplicate` and skipped; one in
 * progress elsewhere is reported `failed` (`IN_PROGRESS`), so that it is retried after that other attempt ends.
 */
export async function claim(
  jobs: readonly InlineJob[], deduplication: Deduplication, remainingMs?: number,
): Promise<{ fresh: InlineJob[]; reports: Map<InlineJob, RequestReport> }> {
  const reports = new Map<InlineJob, RequestReport>();
  const claims = await Promise.all(jobs.map((job) => deduplication.claim(deduplicationKey(job), remainingMs)));
  jobs.forEach((job, i) => {
    if (claims[i] === 'fresh') return;
    const base = { messageId: job.messageId, source: job.source, kind: requestKind(job.request), ...zeroCounts(), requeued: 0, durationMs: 0 };
    reports.set(job, claims[i] === 'duplicate'
      ? { ...base, outcome: 'duplicate' }
      : { ...base, outcome: 'failed', error: { code: 'IN_PROGRESS', message: `request ${deduplicationKey(job)} is being processed by another invocation` } });
  });
  return { fresh: jobs.filter((_, i) => claims[i] === 'fresh'), reports };
}

/** Remembers the completed requests' keys, forgets the failed ones' (they will be retried). */
export async function settle(reports: ReadonlyMap<InlineJob, RequestReport>, deduplication: Deduplication): Promise<void> {
  await Promise.all([...reports].map(([job, report]) =>
    (report.outcome === 'failed' || report.outcome === 'blocked'
      ? deduplication.release(deduplicationKey(job))
      : deduplication.complete(deduplicationKey(job)))));
}
