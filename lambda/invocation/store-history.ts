import { describeError } from '../core/errors';
import type { HistoryWriter } from '../core/history/history-writer';
import { unsentReport, type RequestReport } from '../core/reports';
import { requestKind } from '../core/targets';
import type { SourcedJob } from '../work/split';

/** A job stored in its history channels (with its positions), or the report of one that could not be. */
export type Stored<J extends SourcedJob> = { readonly job: J } | { readonly report: RequestReport };

/**
 * Stores one job's message in its history channels. A job that cannot be stored is reported `failed`
 * (`HISTORY_FAILED`): it is not sent (a message is never delivered with a `seq` it does not own), and its record is
 * retried.
 */
export async function storeJob<J extends SourcedJob>(job: J, writer?: HistoryWriter): Promise<Stored<J>> {
  if (!writer) return { job };
  try {
    const positions = await writer.store(job.request, job.request.envelopeId ?? job.request.id ?? job.messageId);
    return { job: positions ? { ...job, positions } : job };
  } catch (e) {
    return {
      report: {
        ...unsentReport(job.messageId, job.source, requestKind(job.request)),
        outcome: 'failed',
        error: { code: 'HISTORY_FAILED', message: `the message could not be stored in its history channels: ${describeError(e)}` },
      },
    };
  }
}

/** Stores every job, each channel's in the jobs' order: the stored jobs, and the reports of those that could not be. */
export async function storeJobs<J extends SourcedJob>(
  jobs: readonly J[], writer?: HistoryWriter,
): Promise<{ jobs: J[]; reports: Map<J, RequestReport> }> {
  const stored = await Promise.all(jobs.map((job) => storeJob(job, writer)));
  const reports = new Map<J, RequestReport>();
  const ready: J[] = [];
  stored.forEach((result, i) => {
    if ('job' in result) ready.push(result.job);
    else reports.set(jobs[i], result.report);
  });
  return { jobs: ready, reports };
}
