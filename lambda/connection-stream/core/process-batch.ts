import type { DynamoDBBatchItemFailure, DynamoDBRecord } from 'aws-lambda';
import type { BatchReport, RecordFailure } from './ports';
import { describeError } from '../../core/errors';
import { Semaphore } from '../../core/semaphore';

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** What handling one record did; summed over the batch. */
export interface RecordCounts {
  readonly subscriptionsDeleted?: number;
}

export type RecordHandler = (record: DynamoDBRecord) => Promise<RecordCounts>;

/**
 * A handler per event name. A record whose event has none is done at once: today only `REMOVE` has one (the cleanup);
 * presence (issue 25) adds `INSERT` and `MODIFY` here.
 */
export type RecordHandlers = Readonly<Partial<Record<StreamEventName, RecordHandler>>>;

export interface BatchDeps {
  readonly handlers: RecordHandlers;
  /** Records of one key are handled one after the other in stream order; records of different keys concurrently. */
  readonly orderKey: (record: DynamoDBRecord) => string;
  /** Records handled at once, at most. */
  readonly concurrency: number;
  /** The record's connection id, for the failure's log entry. */
  readonly connectionIdOf: (record: DynamoDBRecord) => string | undefined;
  readonly now: () => number;
}

export interface BatchOutcome {
  /** The first failed record and every later one, by sequence number: Lambda retries from the first. */
  readonly batchItemFailures: DynamoDBBatchItemFailure[];
  readonly report: BatchReport;
}

/** A record's outcome: its counts, a failure, or not attempted (a record before it failed). */
type Outcome = { readonly counts: RecordCounts } | { readonly error: string } | 'skipped';

/**
 * Handles a stream batch. A record is started only while no earlier record has failed, and records of one key wait
 * for each other, so that nothing is done out of order; when one fails, it and every later record of the batch are
 * reported (Lambda checkpoints before the first and retries from there, so a later record is never done before an
 * earlier failed one). Nothing is swallowed: a record whose handler throws is a failure.
 */
export async function processBatch(records: readonly DynamoDBRecord[], deps: BatchDeps): Promise<BatchOutcome> {
  const started = deps.now();
  const outcomes = await handleInOrder(records, deps);
  const firstFailed = outcomes.findIndex((o) => o !== 'skipped' && 'error' in o);
  const failed: RecordFailure[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome !== 'skipped' && 'error' in outcome) failed.push(failureOf(records[i], outcome.error, deps));
  });
  const reportedRecords = firstFailed < 0 ? [] : records.slice(firstFailed);
  const removals = records.filter((r) => r.eventName === 'REMOVE');
  return {
    batchItemFailures: reportedRecords.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
    report: {
      records: records.length,
      removals: removals.length,
      ttlRemovals: removals.filter(isTtlExpiry).length,
      subscriptionsDeleted: outcomes.reduce((sum, o) => sum + (o !== 'skipped' && 'counts' in o ? o.counts.subscriptionsDeleted ?? 0 : 0), 0),
      failures: failed.length,
      reported: reportedRecords.length,
      durationMs: deps.now() - started,
      failed,
    },
  };
}

/** Runs each record's handler, per key in order, at most `concurrency` at once, none after an earlier failure. */
async function handleInOrder(records: readonly DynamoDBRecord[], deps: BatchDeps): Promise<Outcome[]> {
  const slots = new Semaphore(deps.concurrency);
  const previousOfKey = new Map<string, Promise<Outcome>>();
  let firstFailed = Infinity;
  const attempt = async (record: DynamoDBRecord, index: number): Promise<Outcome> => {
    if (index > firstFailed) return 'skipped';
    const handler = deps.handlers[record.eventName as StreamEventName];
    if (!handler) return { counts: {} };
    try {
      return { counts: await handler(record) };
    } catch (e) {
      firstFailed = Math.min(firstFailed, index);
      return { error: describeError(e) };
    }
  };
  const runs = records.map((record, index) => {
    const key = deps.orderKey(record);
    const previous = previousOfKey.get(key) ?? Promise.resolve<Outcome>({ counts: {} });
    const run = previous.then(async (before) => (before === 'skipped' || 'error' in before ? 'skipped' : slots.run(() => attempt(record, index))));
    previousOfKey.set(key, run);
    return run;
  });
  return Promise.all(runs);
}

/** A deletion by DynamoDB's TTL process: its service identity, as the stream records it. */
export function isTtlExpiry(record: DynamoDBRecord): boolean {
  return record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
}

function failureOf(record: DynamoDBRecord, error: string, deps: BatchDeps): RecordFailure {
  const connectionId = deps.connectionIdOf(record);
  return {
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    eventName: record.eventName ?? 'unknown',
    ...(connectionId === undefined ? {} : { connectionId }),
    error,
  };
}
