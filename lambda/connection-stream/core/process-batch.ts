import type { DynamoDBBatchItemFailure, DynamoDBRecord } from 'aws-lambda';
import { isFailure, runInOrder } from './ordered';
import { addCounts, type BatchReport, type PresenceCounts, type RecordCounts, type RecordFailure } from './reports';

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

export type RecordHandler = (record: DynamoDBRecord) => Promise<RecordCounts>;

/** A handler per event name. A record whose event has none (`MODIFY` today) is done at once. */
export type RecordHandlers = Readonly<Partial<Record<StreamEventName, RecordHandler>>>;

export interface BatchDeps {
  readonly handlers: RecordHandlers;
  /** Records of one key are handled one after the other in stream order; records of different keys concurrently. */
  readonly orderKey: (record: DynamoDBRecord) => string;
  /** Records handled at once, at most. */
  readonly concurrency: number;
  /** The record's connection id, for the failure's log entry. */
  readonly connectionIdOf: (record: DynamoDBRecord) => string | undefined;
  /** The record's user id, for the failure's log entry. */
  readonly userIdOf?: (record: DynamoDBRecord) => string | undefined;
  readonly now: () => number;
}

export interface BatchOutcome {
  /** The first failed record and every later one, by sequence number: Lambda retries from the first. */
  readonly batchItemFailures: DynamoDBBatchItemFailure[];
  readonly report: BatchReport;
}

/**
 * Handles a stream batch. A record is started only while no earlier record has failed, and records of one key wait
 * for each other, so that nothing is done out of order; when one fails, it and every later record of the batch are
 * reported (Lambda checkpoints before the first and retries from there, so a later record is never done before an
 * earlier failed one). Nothing is swallowed: a record whose handler throws is a failure.
 */
export async function processBatch(records: readonly DynamoDBRecord[], deps: BatchDeps): Promise<BatchOutcome> {
  const started = deps.now();
  const order = { key: deps.orderKey, concurrency: deps.concurrency, stopAllOnFailure: true };
  const outcomes = await runInOrder(records, order, async (record): Promise<RecordCounts> => {
    const handler = deps.handlers[record.eventName as StreamEventName];
    return handler ? handler(record) : {};
  });
  const firstFailed = outcomes.findIndex(isFailure);
  const failed: RecordFailure[] = [];
  outcomes.forEach((outcome, i) => {
    if (isFailure(outcome)) failed.push(failureOf(records[i], outcome.error, deps));
  });
  const reportedRecords = firstFailed < 0 ? [] : records.slice(firstFailed);
  const removals = records.filter((r) => r.eventName === 'REMOVE');
  const done = outcomes.flatMap((o) => (o !== 'skipped' && 'result' in o ? [o.result] : []));
  return {
    batchItemFailures: reportedRecords.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
    report: {
      records: records.length,
      removals: removals.length,
      ttlRemovals: removals.filter(isTtlExpiry).length,
      subscriptionsDeleted: done.reduce((sum, counts) => sum + (counts.subscriptionsDeleted ?? 0), 0),
      ...sumPresence(done),
      failures: failed.length,
      reported: reportedRecords.length,
      durationMs: deps.now() - started,
      failed,
    },
  };
}

/** Events put and presence changes, summed. */
export function sumPresence(counts: readonly RecordCounts[]): PresenceCounts {
  return counts.reduce<PresenceCounts>((sum, c) => ({
    events: addCounts(sum.events, c.events),
    presence: addCounts(sum.presence, c.presence),
    ...(sum.members || c.members ? { members: addCounts(sum.members ?? {}, c.members) } : {}),
  }), { events: {}, presence: {} });
}

/** A deletion by DynamoDB's TTL process: its service identity, as the stream records it. */
export function isTtlExpiry(record: DynamoDBRecord): boolean {
  return record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
}

function failureOf(record: DynamoDBRecord, error: string, deps: BatchDeps): RecordFailure {
  const connectionId = deps.connectionIdOf(record);
  const userId = deps.userIdOf?.(record);
  return {
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    eventName: record.eventName ?? 'unknown',
    ...(connectionId === undefined ? {} : { connectionId }),
    ...(userId === undefined ? {} : { userId }),
    error,
  };
}
