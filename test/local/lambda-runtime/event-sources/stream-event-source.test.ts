import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStream, TTL_IDENTITY } from '../../../../local/aws/dynamodb/local-stream';
import { MotoServer } from '../../../../local/aws/moto/moto-server';
import type { StreamOnFailureRecord } from '../../../../local/lambda-runtime/event-sources/stream-event';
import { StreamEventSource, type StreamEventSourceOptions } from '../../../../local/lambda-runtime/event-sources/stream-event-source';
import { FunctionRunner } from '../../../../local/lambda-runtime/function-runner';

// Lambda's DynamoDB stream event source mapping over a LocalStream, with a real function in a worker: batches in
// order, partial batch failures retried from the reported record, failed invocations retried (bisected when asked),
// records given up after the retries described to the on-failure destination, and the source moving on.

/**
 * Each record's `how` decides: `ok`; `fail` (reported in batchItemFailures) and `throw` always; `fail-once` and
 * `throw-once` the first time the record is seen; `bad-id` reports an identifier of no record.
 */
const FUNCTION = `const seen = new Set();
exports.handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    const how = (r.dynamodb.NewImage ?? r.dynamodb.OldImage).how.S;
    const first = !seen.has(r.eventID);
    seen.add(r.eventID);
    if (how === 'throw' || (how === 'throw-once' && first)) throw new Error('cannot handle ' + r.dynamodb.Keys.pk.S);
    if (how === 'fail' || (how === 'fail-once' && first)) failures.push({ itemIdentifier: r.dynamodb.SequenceNumber });
    if (how === 'bad-id' && first) failures.push({ itemIdentifier: 'not-a-record' });
  }
  return { batchItemFailures: failures };
};`;

let runner: FunctionRunner;
beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'stream-source-')), 'index.js');
  writeFileSync(file, FUNCTION);
  runner = await FunctionRunner.load({}, file);
});
afterAll(async () => runner?.stop());

const sources: StreamEventSource[] = [];
afterEach(async () => Promise.all(sources.splice(0).map((s) => s.stop())));

/** A stream holding one record per `how`, keyed k0, k1, … */
function streamOf(...hows: string[]): LocalStream {
  const stream = new LocalStream('items');
  hows.forEach((how, i) => append(stream, `k${i}`, how));
  return stream;
}
const append = (stream: LocalStream, pk: string, how: string) =>
  stream.append({ keys: { pk: { S: pk } }, newImage: { pk: { S: pk }, how: { S: how } } });

async function run(stream: LocalStream, options: Partial<StreamEventSourceOptions> = {}): Promise<StreamEventSource> {
  const source = new StreamEventSource({ stream, runner, startingPosition: 'TRIM_HORIZON', retryDelayMs: 0, ...options });
  sources.push(source);
  source.start();
  await source.drained(20_000);
  return source;
}
/** The keys each invocation carried. */
const batches = (source: StreamEventSource) => source.invocations.map((i) => i.records.map((r) => r.dynamodb!.Keys!.pk.S).join(','));

test('batches of batchSize in stream order, each record exactly as Lambda builds it', async () => {
  // GIVEN seven records, one of them a TTL deletion
  const stream = streamOf('ok', 'ok', 'ok', 'ok', 'ok', 'ok');
  stream.append({ keys: { pk: { S: 'k6' } }, oldImage: { pk: { S: 'k6' }, how: { S: 'ok' } }, newImage: undefined, userIdentity: TTL_IDENTITY });

  // WHEN read 3 at a time (the removal has no NewImage: the function reads it from the old one)
  const source = await run(stream, { batchSize: 3 });

  // THEN
  expect(batches(source)).toEqual(['k0,k1,k2', 'k3,k4,k5', 'k6']);
  const [first] = source.invocations[0].records;
  expect(first).toEqual({
    eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: expect.any(Number),
      Keys: { pk: { S: 'k0' } },
      NewImage: { pk: { S: 'k0' }, how: { S: 'ok' } },
      SequenceNumber: stream.records()[0].dynamodb.SequenceNumber,
      SizeBytes: expect.any(Number),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: stream.streamArn,
  });
  expect(source.invocations[2].records[0]).toMatchObject({ eventName: 'REMOVE', userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } });
}, 30_000);

test('LATEST starts after the records already there', async () => {
  const stream = streamOf('ok', 'ok');
  const source = new StreamEventSource({ stream, runner, retryDelayMs: 0 });
  sources.push(source);
  source.start();
  append(stream, 'later', 'ok');
  await source.drained();
  expect(batches(source)).toEqual(['later']);
});

describe('partial batch failures (ReportBatchItemFailures)', () => {
  test('the reported record and those after it are retried; those before it are done', async () => {
    const source = await run(streamOf('ok', 'fail-once', 'ok'), { reportBatchItemFailures: true });
    expect(batches(source)).toEqual(['k0,k1,k2', 'k1,k2']);
  });

  test('several reported: the retry starts at the lowest sequence number', async () => {
    const source = await run(streamOf('ok', 'ok', 'fail-once', 'fail-once', 'ok'), { reportBatchItemFailures: true });
    expect(batches(source)).toEqual(['k0,k1,k2,k3,k4', 'k2,k3,k4']);
  });

  test('an identifier of no record of the batch fails the whole batch', async () => {
    const source = await run(streamOf('ok', 'bad-id'), { reportBatchItemFailures: true });
    expect(batches(source)).toEqual(['k0,k1', 'k0,k1']);
  });

  test('without ReportBatchItemFailures the answer is ignored: the batch is done', async () => {
    const source = await run(streamOf('ok', 'fail', 'ok'));
    expect(batches(source)).toEqual(['k0,k1,k2']);
  });
});

test('a failed invocation retries the whole batch', async () => {
  const source = await run(streamOf('ok', 'throw-once', 'ok'), { reportBatchItemFailures: true });
  expect(batches(source)).toEqual(['k0,k1,k2', 'k0,k1,k2']);
  expect(source.invocations[0].invocation.error).toEqual({ name: 'Error', message: 'cannot handle k1' });
});

test('bisect: a failing batch is split until the poison record is alone; it alone is given up after its retries', async () => {
  // GIVEN a poison record at the third place, bisection, one retry
  const givenUp: StreamOnFailureRecord[] = [];
  const stream = streamOf('ok', 'ok', 'throw', 'ok', 'ok');

  // WHEN
  const source = await run(stream, {
    reportBatchItemFailures: true, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1, onFailure: (r) => void givenUp.push(r),
  });

  // THEN halves until k2 is alone (a split consumes no retry), k2 once more, then the source moves on
  expect(batches(source)).toEqual(['k0,k1,k2,k3,k4', 'k0,k1,k2', 'k0,k1', 'k2', 'k2', 'k3,k4']);
  const k2 = stream.records()[2].dynamodb;
  expect(givenUp).toEqual([{
    requestContext: { requestId: expect.any(String), functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stream-function', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    DDBStreamBatchInfo: {
      shardId: stream.shardId,
      startSequenceNumber: k2.SequenceNumber,
      endSequenceNumber: k2.SequenceNumber,
      approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      batchSize: 1,
      streamArn: stream.streamArn,
    },
  }]);
  expect(source.givenUp).toEqual(givenUp);
});

describe('the on-failure destination', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await MotoServer.start();
  });
  afterAll(async () => moto?.stop());

  test('after maximumRetryAttempts the records still failing go to the SQS queue, with their range; the source moves on', async () => {
    // GIVEN k1 is reported failed every time, two retries, an SQS destination
    const queue = await moto.createQueue('stream-failures');
    const stream = streamOf('ok', 'fail', 'ok');
    const source = await run(stream, { reportBatchItemFailures: true, maximumRetryAttempts: 2, onFailure: { client: moto.client, queue } });

    // THEN the first invocation and two retries of k1,k2; then the range k1..k2 is described to the queue
    expect(batches(source)).toEqual(['k0,k1,k2', 'k1,k2', 'k1,k2']);
    const [message, ...others] = await moto.drain(queue);
    expect(others).toEqual([]);
    const record = JSON.parse(message.body) as StreamOnFailureRecord;
    expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(record.responseContext.functionError).toBeUndefined();
    expect(record.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: stream.records()[1].dynamodb.SequenceNumber,
      endSequenceNumber: stream.records()[2].dynamodb.SequenceNumber,
      batchSize: 2,
      streamArn: stream.streamArn,
    });

    // WHEN a new record arrives THEN it is invoked on its own: the given-up ones are behind
    append(stream, 'k3', 'ok');
    await source.drained();
    expect(batches(source).at(-1)).toBe('k3');
  }, 60_000);
});

test('inFlight counts the invocation under way; idle and drained wait for every record to be done', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'stream-slow-')), 'index.js');
  writeFileSync(file, 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return {}; };');
  const slow = await FunctionRunner.load({}, file);
  try {
    const stream = streamOf('ok');
    const source = new StreamEventSource({ stream, runner: slow, startingPosition: 'TRIM_HORIZON' });
    sources.push(source);
    source.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([source.inFlight, source.idle]).toEqual([1, false]);
    await source.drained();
    expect([source.inFlight, source.idle, source.invocations.length]).toEqual([0, true, 1]);
  } finally {
    await slow.stop();
  }
});
