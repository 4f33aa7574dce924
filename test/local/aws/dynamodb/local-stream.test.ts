import { LocalStream } from '../../../../local/aws/dynamodb/local-stream';

// The stream's reader API: positions, batches, the trim horizon, waiting for records.

const change = (pk: string, v?: string, before?: string) => ({
  keys: { pk: { S: pk } },
  ...(before === undefined ? {} : { oldImage: { pk: { S: pk }, v: { S: before } } }),
  ...(v === undefined ? {} : { newImage: { pk: { S: pk }, v: { S: v } } }),
});

test('reads batches of up to N from a position; the position after them is where the next read starts', () => {
  const stream = new LocalStream('t');
  for (let i = 0; i < 5; i++) stream.append(change(`k${i}`, 'v'));
  const first = stream.read(0, 2);
  expect(first.records.map((r) => r.dynamodb.Keys.pk.S)).toEqual(['k0', 'k1']);
  expect(first.next).toBe(2);
  expect(stream.read(first.next, 10).records.map((r) => r.dynamodb.Keys.pk.S)).toEqual(['k2', 'k3', 'k4']);
  expect(stream.read(5, 10)).toEqual({ records: [], next: 5 });
  expect([stream.trimHorizon, stream.latest]).toEqual([0, 5]);
});

test('the event name follows the images; a change of nothing is no record', () => {
  const stream = new LocalStream('t');
  expect(stream.append(change('a', 'x'))?.eventName).toBe('INSERT');
  expect(stream.append(change('a', 'y', 'x'))?.eventName).toBe('MODIFY');
  expect(stream.append(change('a', 'y', 'y'))).toBeUndefined();
  expect(stream.append(change('a', undefined, 'y'))?.eventName).toBe('REMOVE');
  expect(stream.append(change('a'))).toBeUndefined();
  expect(stream.latest).toBe(3);
});

test('beyond maxRecords the oldest are trimmed: positions stay, a trimmed position reads from the trim horizon', () => {
  const stream = new LocalStream('t', { maxRecords: 3 });
  for (let i = 0; i < 5; i++) stream.append(change(`k${i}`, 'v'));
  expect([stream.trimHorizon, stream.latest]).toEqual([2, 5]);
  const read = stream.read(0, 10);
  expect(read.records.map((r) => r.dynamodb.Keys.pk.S)).toEqual(['k2', 'k3', 'k4']);
  expect(read.next).toBe(5);
  // sequence numbers still tell the position: trimming renumbers nothing
  expect(BigInt(read.records[0].dynamodb.SequenceNumber) - 10n ** 20n).toBe(2n);
});

test('waitForRecords resolves on the next append, on its timeout, or when aborted', async () => {
  const stream = new LocalStream('t');
  const waiting = stream.waitForRecords(0, 10_000);
  setTimeout(() => stream.append(change('a', 'x')), 10);
  const started = Date.now();
  await waiting;
  expect(Date.now() - started).toBeLessThan(1_000);

  await stream.waitForRecords(1, 20); // nothing comes: the timeout
  const abort = new AbortController();
  const aborted = stream.waitForRecords(1, 10_000, abort.signal);
  abort.abort();
  await aborted;
  expect(stream.latest).toBe(1);
});

test('times come from the clock given: ApproximateCreationDateTime in seconds, the ARN\'s label', () => {
  const stream = new LocalStream('orders', { now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 678) });
  expect(stream.streamArn).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2025-01-02T03:04:05.678');
  expect(stream.append(change('a', 'x'))!.dynamodb.ApproximateCreationDateTime).toBe(Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
  expect(stream.shardId).toMatch(/^shardId-\d{20}-[0-9a-f]{8}$/);
});
