import { storeJob } from './store-history';
import { deliverAll } from '../core/delivery/deliver';
import type { DeliveryDeps } from '../core/delivery/deps';
import type { MessageFormat } from '../core/envelope';
import type { HistoryWriter } from '../core/history/history-writer';
import { unsentReport, type DeliveryOutcome, type RequestReport } from '../core/reports';
import { requestKind } from '../core/targets';
import type { WorkDeps } from '../work/deps';
import { enqueue, logGivenUp } from '../work/enqueue';
import { planFollowUps, type FollowUpOrigin } from '../work/follow-ups';
import type { SourcedJob } from '../work/split';
import { carriedId } from '../work/work-item';

/** A valid request of the invocation, with its record's index and, from a FIFO queue, its message group. */
export interface InlineJob extends SourcedJob {
  readonly index: number;
  readonly groupId?: string;
}

/**
 * Standard sources: the batch is delivered once, each connection receiving the requests in record order; what a
 * request cannot finish (or, channel shards, cannot finish within `remainingMs` less the work margin) is handed to
 * follow-up work items (when the work queue is there), and the record completes. Only when the follow-ups cannot be
 * enqueued does the record fail (retried whole: at least once).
 */
export async function deliverStandard(
  jobs: readonly InlineJob[], deps: DeliveryDeps, work?: WorkDeps, remainingMs?: () => number,
): Promise<Map<InlineJob, RequestReport>> {
  const started = (deps.now ?? Date.now)();
  const deadline = work && remainingMs ? { remainingMs, marginMs: work.config.timeMarginMs, pageSize: work.config.pageSize } : undefined;
  const outcomes = await deliverAll(jobs, deps, { followUps: work !== undefined, ...(deadline ? { deadline } : {}) });
  const reports = new Map<InlineJob, RequestReport>();
  await Promise.all(outcomes.map(async (outcome, i) => {
    reports.set(jobs[i], await handOn(jobs[i], outcome, started, work));
  }));
  return reports;
}

/**
 * FIFO sources, where order wins over the re-queue: the records of a message group are delivered one after the
 * other, each settled before the next; once one fails, it and every later record of its group are reported (and
 * retried by SQS in order) and nothing later in the group is sent. Groups run concurrently.
 */
export async function deliverFifo(
  jobs: readonly InlineJob[], deps: DeliveryDeps, decided: ReadonlyMap<InlineJob, RequestReport> = new Map(), writer?: HistoryWriter,
): Promise<Map<InlineJob, RequestReport>> {
  const groups = new Map<string, InlineJob[]>();
  for (const job of jobs) {
    const group = groups.get(job.groupId!);
    if (group) group.push(job);
    else groups.set(job.groupId!, [job]);
  }
  const reports = new Map<InlineJob, RequestReport>();
  await Promise.all([...groups.values()].map(async (group) => {
    let blocked = false;
    for (const job of group) {
      if (blocked) {
        reports.set(job, blockedReport(job));
        continue;
      }
      // Decided before delivery (deduplication): a duplicate is skipped, one in progress elsewhere blocks the rest.
      const before = decided.get(job);
      if (before) {
        blocked = before.outcome === 'failed';
        continue;
      }
      // Stored in history at its turn: a record blocked behind a failed one is not stored until it is retried.
      const stored = await storeJob(job, writer);
      const report = 'report' in stored ? stored.report : reportOf(job, (await deliverAll([stored.job], deps))[0]);
      blocked = report.outcome === 'failed';
      reports.set(job, report);
    }
  }));
  return reports;
}

function blockedReport(job: InlineJob): RequestReport {
  return {
    ...unsentReport(job.messageId, job.source, requestKind(job.request)),
    outcome: 'blocked',
    error: { code: 'GROUP_BLOCKED', message: `not sent: an earlier record of message group ${job.groupId} failed` },
  };
}

function reportOf(job: InlineJob, { status, remainder: _r, ...outcome }: DeliveryOutcome): RequestReport {
  return { messageId: job.messageId, source: job.source, ...outcome, outcome: status, requeued: 0 };
}

/** Enqueues a request's follow-ups (and dead-letters what is exhausted): the record then completes as `requeued`. */
async function handOn(job: InlineJob, outcome: DeliveryOutcome, startedAt: number, work?: WorkDeps): Promise<RequestReport> {
  const report = reportOf(job, outcome);
  const remainder = outcome.remainder;
  if (!remainder || !work) return report;
  const plan = planFollowUps(originOf(job, startedAt, work.messageFormat), remainder, work.config.maxCarryForwardAttempts);
  let givenUp = 0;
  for (const dropped of plan.givenUp) givenUp += logGivenUp(dropped, { requestId: job.messageId, messageId: job.messageId, attempt: 1 }, work);
  // Dead letters first (see run-work-item.ts): only the follow-ups' enqueue may decide whether the record completes.
  const error = await enqueue(work.deadLetters, plan.deadLetters) ?? await enqueue(work.queue, plan.messages);
  if (error) return { ...report, outcome: 'failed', error };
  return { ...report, failed: report.failed + givenUp, requeued: plan.requeued, outcome: plan.messages.length > 0 ? 'requeued' : report.outcome };
}

function originOf(job: InlineJob, startedAt: number, messageFormat?: MessageFormat): FollowUpOrigin {
  return {
    requestId: job.messageId,
    ...carriedId(job.request.id, messageFormat),
    startedAt,
    attempt: 1,
    segment: 0,
    totalSegments: 1,
    action: job.request.action,
    ...(job.positions ? { positions: job.positions } : {}),
    ...(job.request.dataText !== undefined ? { dataText: job.request.dataText } : {}),
    excludeUsers: job.request.excludeUsers,
    excludeConnections: job.request.excludeConnections,
  };
}
