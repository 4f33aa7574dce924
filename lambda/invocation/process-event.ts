import type { Context } from 'aws-lambda';
import { claim, settle } from './deduplicate';
import { deliverFifo, deliverStandard, type InlineJob } from './deliver-inline';
import { readRecords, type IncomingRecord } from './records';
import { respond, type DirectSummary, type SqsBatchResponse } from './respond';
import { storeJobs } from './store-history';
import type { DeliveryDeps } from '../core/delivery/deps';
import { HistoryWriter, type HistoryDeps } from '../core/history/history-writer';
import type { Deduplication } from '../core/ports/deduplication';
import type { Reporter } from '../core/ports/reporter';
import { unsentReport, type RequestReport, type WorkReport } from '../core/reports';
import { parseRequestText, parseRequestValue, type ParseResult, type RequestRules } from '../core/request';
import type { WorkDeps } from '../work/deps';
import { runWorkItem } from '../work/run-work-item';
import { splitBroadcasts } from '../work/split';

/** What the invocation needs to know of the Lambda context. */
export type InvocationContext = Pick<Context, 'awsRequestId'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>;

/** The invocation's records, classified: valid requests, invalid ones (already reported), and work items. */
interface Classified {
  readonly jobs: InlineJob[];
  readonly invalid: ReadonlyMap<number, RequestReport>;
  readonly workItems: Array<{ readonly messageId: string; readonly body: string }>;
}

/** What an invocation is handed besides the delivery core: the work queue and deduplication, when configured. */
export interface InvocationDeps {
  readonly work?: WorkDeps;
  readonly deduplication?: Deduplication;
  /** What requests the deployment allows. @default send only */
  readonly rules?: RequestRules;
  /** History channels: each message stored under its `seq` before it is sent. */
  readonly history?: HistoryDeps;
}

/**
 * Handles one invocation: classify the records → plan (split big broadcasts into work items, skip duplicates) →
 * execute (deliver the rest, hand what is left to follow-ups, run the work items) → report (one line per request
 * and per work item) → respond per source. Invalid requests are reported and acknowledged: retrying them can never
 * help. An invalid work item is reported in `batchItemFailures`, so that it reaches the work dead-letter queue.
 */
export async function processEvent(
  event: unknown, context: InvocationContext, deps: DeliveryDeps, reporter: Reporter, options: InvocationDeps = {},
): Promise<SqsBatchResponse | DirectSummary | void> {
  const { work, deduplication } = options;
  const remainingMs = () => context.getRemainingTimeInMillis?.() ?? Infinity;
  const records = readRecords(event, context, work?.config.workQueueArn);
  const { jobs, invalid, workItems } = classify(records, options.rules ?? { disconnectEnabled: false });
  // Claimed first, so that a split request is deduplicated too; a claim that could not be made fails its record only.
  const claimed = deduplication
    ? await claim(jobs, deduplication, Number.isFinite(remainingMs()) ? remainingMs() : undefined)
    : { fresh: jobs, reports: new Map<InlineJob, RequestReport>() };
  const fifoJobs = jobs.filter((job) => job.groupId !== undefined);
  // Stored in history before anything is sent, split or handed on; one writer for the invocation, so that a channel's
  // `seq` order is the batch's order. A FIFO record is stored when its turn in its group comes (deliverFifo).
  const writer = options.history && new HistoryWriter(options.history);
  const stored = await storeJobs(claimed.fresh.filter((job) => job.groupId === undefined), writer);
  // A FIFO record is never split: its group's order wins.
  const standardJobs = stored.jobs;
  const split = work ? await splitBroadcasts(standardJobs, work) : { inline: standardJobs, reports: new Map<InlineJob, RequestReport>() };

  const workReports: WorkReport[] = [];
  const [standard, fifo] = await Promise.all([
    deliverStandard(split.inline, deps, work, remainingMs),
    deliverFifo(fifoJobs, deps, claimed.reports, writer),
    ...(work ? workItems.map((item) => runWorkItem(item.messageId, item.body, work, remainingMs).then((r) => { workReports.push(r); })) : []),
  ]);
  if (deduplication) {
    const fresh = new Set([...claimed.fresh, ...standardJobs]);
    await settle(new Map([...stored.reports, ...split.reports, ...standard, ...fifo].filter(([job]) => fresh.has(job))), deduplication, deps.log);
  }

  const byIndex = new Map(invalid);
  for (const reports of [claimed.reports, stored.reports, split.reports, standard, fifo]) {
    for (const [job, report] of reports) byIndex.set(job.index, report);
  }
  const requestReports = [...byIndex.keys()].sort((a, b) => a - b).map((index) => byIndex.get(index)!);
  for (const report of requestReports) reporter.report(report);
  for (const report of workReports) reporter.reportWork(report);
  return respond(records, requestReports, workReports);
}

/** Parses every request record (pure); work items are kept for the worker, which parses them strictly. */
function classify(records: readonly IncomingRecord[], rules: RequestRules): Classified {
  const jobs: InlineJob[] = [];
  const invalid = new Map<number, RequestReport>();
  const workItems: Classified['workItems'] = [];
  records.forEach((record, index) => {
    if (record.source === 'work') {
      workItems.push({ messageId: record.messageId, body: record.body });
      return;
    }
    const parsed = parse(record, rules);
    if (parsed.ok) {
      const groupId = record.source === 'sqs' ? record.groupId : undefined;
      jobs.push({ index, messageId: record.messageId, source: record.source, request: parsed.request, ...(groupId ? { groupId } : {}) });
    } else {
      invalid.set(index, { ...unsentReport(record.messageId, record.source, 'invalid'), outcome: 'invalid', error: parsed.error });
    }
  });
  return { jobs, invalid, workItems };
}

function parse(record: Exclude<IncomingRecord, { source: 'work' }>, rules: RequestRules): ParseResult {
  switch (record.source) {
    case 'unknown':
      return { ok: false, error: { code: 'UNSUPPORTED_EVENT', message: record.reason } };
    case 'direct':
      return typeof record.value === 'string' ? parseRequestText(record.value, rules, record.messageId) : parseRequestValue(record.value, rules, record.messageId);
    default:
      return parseRequestText(record.body, rules, record.messageId);
  }
}
