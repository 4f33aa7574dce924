import type { Context } from 'aws-lambda';
import { readRecords, type IncomingRecord } from './records';
import { respond, type DirectSummary, type SqsBatchResponse } from './respond';
import { deliverAll } from '../core/delivery/deliver';
import type { DeliveryDeps } from '../core/delivery/deps';
import type { Reporter } from '../core/ports/reporter';
import { zeroCounts, type RequestReport, type WorkReport } from '../core/reports';
import { parseRequestText, parseRequestValue, type ParseResult } from '../core/request';
import type { WorkDeps } from '../work/deps';
import { runWorkItem } from '../work/run-work-item';
import { splitBroadcasts, type SourcedJob } from '../work/split';

/** What the invocation needs to know of the Lambda context. */
export type InvocationContext = Pick<Context, 'awsRequestId'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>;

/** A valid request, with the index of its record (reports are emitted in record order). */
interface IndexedJob extends SourcedJob {
  readonly index: number;
}

/** The invocation's records, classified: valid requests, invalid ones (already reported), and work items. */
interface Classified {
  readonly jobs: IndexedJob[];
  readonly invalid: ReadonlyMap<number, RequestReport>;
  readonly workItems: Array<{ readonly messageId: string; readonly body: string }>;
}

/**
 * Handles one invocation: classify the records → plan (split big broadcasts into work items) → execute (deliver the
 * rest inline, run the work items) → report (one line per request and per work item) → respond per source.
 * Invalid requests are reported and acknowledged: retrying them can never help.
 *
 * With `work` (segmented broadcast), big enough broadcast and exclusion requests are split into work items, and
 * records from the work queue are processed as work items; an invalid work item is reported in
 * `batchItemFailures`, so that it reaches the work dead-letter queue instead of being dropped silently.
 */
export async function processEvent(
  event: unknown, context: InvocationContext, deps: DeliveryDeps, reporter: Reporter, work?: WorkDeps,
): Promise<SqsBatchResponse | DirectSummary | void> {
  const records = readRecords(event, context, work?.config.workQueueArn);
  const { jobs, invalid, workItems } = classify(records);
  const { inline, reports: splitReports } = work ? await splitBroadcasts(jobs, work) : { inline: jobs, reports: new Map() };

  const remainingMs = () => context.getRemainingTimeInMillis?.() ?? Infinity;
  const workReports: WorkReport[] = [];
  const [outcomes] = await Promise.all([
    deliverAll(inline, deps),
    ...(work ? workItems.map((item) => runWorkItem(item.messageId, item.body, work, remainingMs).then((r) => { workReports.push(r); })) : []),
  ]);

  const byIndex = new Map(invalid);
  for (const [job, report] of splitReports) byIndex.set(job.index, report);
  outcomes.forEach(({ status, ...outcome }, i) => {
    const { index, messageId, source } = inline[i];
    byIndex.set(index, { messageId, source, outcome: status, ...outcome });
  });
  const requestReports = [...byIndex.keys()].sort((a, b) => a - b).map((index) => byIndex.get(index)!);
  for (const report of requestReports) reporter.report(report);
  for (const report of workReports) reporter.reportWork(report);
  return respond(records, requestReports, workReports);
}

/** Parses every request record (pure); work items are kept for the worker, which parses them strictly. */
function classify(records: readonly IncomingRecord[]): Classified {
  const jobs: IndexedJob[] = [];
  const invalid = new Map<number, RequestReport>();
  const workItems: Classified['workItems'] = [];
  records.forEach((record, index) => {
    if (record.source === 'work') {
      workItems.push({ messageId: record.messageId, body: record.body });
      return;
    }
    const parsed = parse(record);
    if (parsed.ok) {
      jobs.push({ index, messageId: record.messageId, source: record.source, request: parsed.request });
    } else {
      invalid.set(index, {
        messageId: record.messageId, source: record.source, kind: 'invalid', outcome: 'invalid', ...zeroCounts(), durationMs: 0, error: parsed.error,
      });
    }
  });
  return { jobs, invalid, workItems };
}

function parse(record: Exclude<IncomingRecord, { source: 'work' }>): ParseResult {
  switch (record.source) {
    case 'unknown':
      return { ok: false, error: { code: 'UNSUPPORTED_EVENT', message: record.reason } };
    case 'direct':
      return typeof record.value === 'string' ? parseRequestText(record.value) : parseRequestValue(record.value);
    default:
      return parseRequestText(record.body);
  }
}
