import type { DynamoDBRecord } from 'aws-lambda';
import { streamRecord } from './stream-records';
import { processBatch, type BatchDeps, type RecordHandler } from '../../../lambda/connection-stream/core/process-batch';

// The batch's rules, with a scripted handler: one item's records in stream order, other items concurrently (bounded),
// nothing started after a failure, the failed record and every later one reported.

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const connectionOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.connection_id?.S;

/** A REMOVE handler that logs its start and end, waits `delays[connection]` ticks, and fails the connections named. */
function scripted(options: { fail?: string[]; ticks?: Record<string, number> } = {}) {
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const handler: RecordHandler = async (record) => {
    const id = `${connectionOf(record)}@${record.dynamodb?.SequenceNumber}`;
    events.push(`start ${id}`);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    for (let i = 0; i < (options.ticks?.[connectionOf(record)!] ?? 1); i++) await tick();
    inFlight--;
    events.push(`end ${id}`);
    if (options.fail?.includes(connectionOf(record)!)) throw new Error(`cannot clean ${id}`);
    return { subscriptionsDeleted: 1 };
  };
  return { handler, events, maxInFlight: () => maxInFlight };
}

const deps = (handler: RecordHandler, concurrency = 4): BatchDeps => ({
  handlers: { REMOVE: handler },
  orderKey: (r) => connectionOf(r) ?? '',
  concurrency,
  connectionIdOf: connectionOf,
  now: Date.now,
});

test('records of one item are handled one after the other, in stream order; other items concurrently, bounded', async () => {
  const { handler, events, maxInFlight } = scripted({ ticks: { a: 3 } });
  const records = [streamRecord('REMOVE', 'a', '1'), streamRecord('REMOVE', 'b', '2'), streamRecord('REMOVE', 'a', '3'), streamRecord('REMOVE', 'c', '4'), streamRecord('REMOVE', 'd', '5')];

  const outcome = await processBatch(records, deps(handler, 2));

  expect(outcome.batchItemFailures).toEqual([]);
  expect(outcome.report).toMatchObject({ records: 5, removals: 5, subscriptionsDeleted: 5, failures: 0, reported: 0 });
  // a@3 starts only after a@1 ended; b ran beside a@1
  expect(events.indexOf('start a@3')).toBeGreaterThan(events.indexOf('end a@1'));
  expect(events.indexOf('start b@2')).toBeLessThan(events.indexOf('end a@1'));
  expect(maxInFlight()).toBe(2);
});

test('after a failure nothing later is started; the failed record and every later one are reported, in order', async () => {
  // GIVEN one record at a time, and b's cleanup fails
  const { handler, events } = scripted({ fail: ['b'] });
  const records = [streamRecord('REMOVE', 'a', '1'), streamRecord('REMOVE', 'b', '2'), streamRecord('REMOVE', 'c', '3'), streamRecord('INSERT', 'd', '4')];

  // WHEN
  const outcome = await processBatch(records, deps(handler, 1));

  // THEN c was never started; 2, 3 and 4 are reported
  expect(events).toEqual(['start a@1', 'end a@1', 'start b@2', 'end b@2']);
  expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '2' }, { itemIdentifier: '3' }, { itemIdentifier: '4' }]);
  expect(outcome.report).toMatchObject({ subscriptionsDeleted: 1, failures: 1, reported: 3, failed: [{ sequenceNumber: '2', connectionId: 'b', error: 'Error: cannot clean b@2' }] });
});

test('a later record of the failed item is skipped; one of another item already done is still reported (Lambda retries it too)', async () => {
  // GIVEN a fails slowly while b runs beside it
  const { handler, events } = scripted({ fail: ['a'], ticks: { a: 3 } });
  const records = [streamRecord('REMOVE', 'a', '1'), streamRecord('REMOVE', 'b', '2'), streamRecord('REMOVE', 'a', '3')];

  // WHEN
  const outcome = await processBatch(records, deps(handler, 4));

  // THEN a@3 never ran; everything from a@1 on is reported
  expect(events).not.toContain('start a@3');
  expect(events).toContain('end b@2');
  expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '2', '3']);
  expect(outcome.report).toMatchObject({ failures: 1, reported: 3 });
});

test('a record whose event has no handler is done at once; an empty batch reports nothing', async () => {
  const { handler, events } = scripted();
  const outcome = await processBatch([streamRecord('INSERT', 'a', '1'), streamRecord('MODIFY', 'a', '2')], deps(handler));
  expect(events).toEqual([]);
  expect(outcome).toMatchObject({ batchItemFailures: [], report: { records: 2, removals: 0, failures: 0 } });
  expect((await processBatch([], deps(handler))).report).toMatchObject({ records: 0, reported: 0 });
});

test('TTL removals are counted apart', async () => {
  const { handler } = scripted();
  const outcome = await processBatch([streamRecord('REMOVE', 'a', '1', { ttl: true }), streamRecord('REMOVE', 'b', '2')], deps(handler));
  expect(outcome.report).toMatchObject({ removals: 2, ttlRemovals: 1, subscriptionsDeleted: 2 });
});
