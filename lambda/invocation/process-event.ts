import type { Context } from 'aws-lambda';
import { deliverAll, type DeliveryCounts, type DeliveryDeps, type DeliveryError, type DeliveryJob, type DeliveryStatus } from './deliver';
import { splitEvent, type IncomingRequest, type RequestSource } from './events';
import { planSplit, runWorkItem, type FanoutDeps, type WorkReport } from './fanout';
import { parseRequestText, parseRequestValue, type ParseResult } from './request';
import { isBroadcast, requestKind, type RequestKind } from './targets';

/** The one structured line (and metric set) emitted per request. */
export interface RequestReport extends DeliveryCounts {
  readonly messageId: string;
  readonly source: RequestSource;
  readonly kind: RequestKind | 'invalid';
  /** `split`: handed to the work queue as `segments` work items (segmented broadcast), acknowledged. */
  readonly outcome: DeliveryStatus | 'split';
  readonly durationMs: number;
  readonly segments?: number;
  readonly error?: DeliveryError | { readonly code: 'ENQUEUE_FAILED'; readonly message: string };
}

/** Where reports go: the Powertools logger and metrics in the Lambda, a list in tests. */
export interface Reporter {
  report(report: RequestReport): void;
  reportWork(report: WorkReport): void;
}

/** The answer to a direct invocation. */
export interface DirectSummary extends DeliveryCounts {
  readonly status: RequestReport['outcome'];
  readonly kind: RequestKind | 'invalid';
  readonly segments?: number;
  readonly error?: RequestReport['error'];
}

export interface SqsBatchResponse {
  readonly batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** Thrown so that Lambda retries: an SNS record or a direct invocation failed for a transient reason. */
export class TransientDeliveryError extends Error {
  constructor(readonly failures: readonly RequestReport[]) {
    super(`${failures.length} request(s) failed transiently and must be retried: ` +
      failures.map((f) => `${f.messageId}: ${f.error?.code} ${f.error?.message}`).join('; '));
    this.name = 'TransientDeliveryError';
  }
}

const NO_COUNTS: DeliveryCounts = { targets: 0, delivered: 0, gone: 0, pruned: 0, retried: 0, failed: 0 };

function parse(item: Exclude<IncomingRequest, { source: 'work' }>): ParseResult {
  switch (item.source) {
    case 'unknown':
      return { ok: false, error: { code: 'UNSUPPORTED_EVENT', message: item.reason } };
    case 'direct':
      return typeof item.value === 'string' ? parseRequestText(item.value) : parseRequestValue(item.value);
    default:
      return parseRequestText(item.body);
  }
}

/**
 * Handles one invocation: SQS records → `batchItemFailures` listing exactly the transient failures; SNS records →
 * resolves, or throws if one failed transiently; a direct invocation → a {@link DirectSummary}, or throws.
 * Invalid requests are reported and acknowledged: retrying them can never help.
 *
 * With `fanout` (segmented broadcast), big enough broadcast and exclusion requests are split into work items, and
 * records from the work queue are processed as work items; an invalid work item is reported in
 * `batchItemFailures`, so that it reaches the work dead-letter queue instead of being dropped silently.
 */
export async function processEvent(
  event: unknown, context: Pick<Context, 'awsRequestId'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
  deps: DeliveryDeps, reporter: Reporter, fanout?: FanoutDeps,
): Promise<SqsBatchResponse | DirectSummary | void> {
  const items = splitEvent(event, context, fanout?.config.workQueueArn);
  const reports: Array<RequestReport | undefined> = new Array(items.length);
  const workReports: WorkReport[] = [];
  const jobs: Array<DeliveryJob & { index: number }> = [];
  const work: Array<Promise<void>> = [];
  items.forEach((item, index) => {
    if (item.source === 'work') {
      if (fanout) {
        const remaining = () => context.getRemainingTimeInMillis?.() ?? Infinity;
        work.push(runWorkItem(item.messageId, item.body, fanout, remaining).then((r) => { workReports.push(r); }));
      }
      return;
    }
    const parsed = parse(item);
    if (parsed.ok) {
      jobs.push({ index, messageId: item.messageId, request: parsed.request });
    } else {
      reports[index] = {
        messageId: item.messageId, source: item.source, kind: 'invalid', outcome: 'invalid', ...NO_COUNTS, durationMs: 0, error: parsed.error,
      };
    }
  });

  const inline = fanout ? await splitRequests(jobs, items, reports, fanout) : jobs;
  const [outcomes] = await Promise.all([deliverAll(inline, deps), ...work]);
  outcomes.forEach(({ status, ...outcome }, i) => {
    const { index, messageId } = inline[i];
    reports[index] = { messageId, source: items[index].source as RequestSource, outcome: status, ...outcome };
  });
  const requestReports = reports.filter((r): r is RequestReport => r !== undefined);
  for (const report of requestReports) reporter.report(report);
  for (const report of workReports) reporter.reportWork(report);

  if (items.length === 1 && items[0].source === 'direct') {
    const { messageId: _m, source: _s, outcome, durationMs: _d, ...summary } = requestReports[0];
    if (outcome === 'failed') throw new TransientDeliveryError(requestReports);
    return { status: outcome, ...summary };
  }
  const snsFailures = requestReports.filter((r) => r.source === 'sns' && r.outcome === 'failed');
  // Throwing retries the whole event, SQS records included: duplicates are acceptable, losing a message is not.
  if (snsFailures.length > 0) throw new TransientDeliveryError(snsFailures);
  if (!items.some((item) => item.source === 'sqs' || item.source === 'work')) return;
  return {
    batchItemFailures: [
      ...requestReports.filter((r) => r.source === 'sqs' && r.outcome === 'failed').map((r) => r.messageId),
      ...workReports.filter((r) => r.outcome === 'failed' || r.outcome === 'invalid').map((r) => r.messageId),
    ].map((itemIdentifier) => ({ itemIdentifier })),
  };
}

/**
 * Splits the broadcast-like jobs into work items when the table is big enough, enqueues them and reports them
 * (`split`, or `failed` when the work queue refused them); returns the jobs still to deliver in this invocation.
 */
async function splitRequests(
  jobs: Array<DeliveryJob & { index: number }>, items: readonly IncomingRequest[], reports: Array<RequestReport | undefined>,
  fanout: FanoutDeps,
): Promise<Array<DeliveryJob & { index: number }>> {
  const candidates = jobs.filter((job) => isBroadcast(job.request));
  if (candidates.length === 0) return jobs;
  try {
    if (!(await fanout.splitDecision.shouldSplit())) return jobs;
  } catch (e) {
    fanout.log.warn('could not count the table\'s rows; broadcasting inline', { error: `${(e as Error).name}: ${(e as Error).message}` });
    return jobs;
  }
  const now = fanout.now ?? Date.now;
  const split = new Set<DeliveryJob>();
  await Promise.all(candidates.map(async (job) => {
    const started = now();
    const plan = planSplit(job, fanout.config, started);
    if (!plan.ok) {
      fanout.log.warn('request too large to split; broadcasting inline', { messageId: job.messageId, reason: plan.reason });
      return;
    }
    split.add(job);
    const base = {
      messageId: job.messageId, source: items[job.index].source as RequestSource, kind: requestKind(job.request), ...NO_COUNTS,
    };
    try {
      await fanout.queue.send(plan.messages);
      reports[job.index] = { ...base, outcome: 'split', segments: plan.messages.length, durationMs: now() - started };
    } catch (e) {
      reports[job.index] = {
        ...base, outcome: 'failed', durationMs: now() - started, error: { code: 'ENQUEUE_FAILED', message: (e as Error).message },
      };
    }
  }));
  return jobs.filter((job) => !split.has(job));
}
