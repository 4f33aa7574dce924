import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { connectionItem, sqsRecord } from './support/events';
import { HANDLER_TEST_ENV, useManagementApi } from './support/handler-setup';
import { captureLogLines } from './support/log-lines';
import { handler } from '../../lambda/pusher.lambda';
import { ENV } from '../../src/shared/constants';

// DynamoDB is mocked: the pusher's Queries and Scans go through the mocked client (see support/sdk-reads.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('../../lambda/adapters/signed-http-reads', () => require('./support/sdk-reads').readsThroughTheClient());

// The handler with segmented broadcast on, as the construct configures it: DynamoDB and SQS mocked, the
// Management API a local server that checks signatures (CALLBACK_URL is set once it listens).
const WORK_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:work';
const WORK_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/work';
Object.assign(process.env, {
  ...HANDLER_TEST_ENV,
  [ENV.MAX_ATTEMPTS]: '2',
  [ENV.FANOUT_THRESHOLD]: '0',
  [ENV.WORK_QUEUE_URL]: WORK_QUEUE_URL,
  [ENV.WORK_QUEUE_ARN]: WORK_QUEUE_ARN,
  [ENV.FANOUT_SEGMENTS]: '3',
  [ENV.WORKER_CONCURRENCY]: '2',
  [ENV.RATE_LIMIT_PER_SECOND]: '10000',
  [ENV.TIME_MARGIN_MS]: '1000',
  [ENV.FANOUT_PAGE_SIZE]: '2',
});

const ddb = mockClient(DynamoDBClient);
const sqsMock = mockClient(SQSClient);
const api = useManagementApi();

const context = (remainingMs = 60_000) => ({
  awsRequestId: 'invocation-1',
  functionName: 'pusher',
  getRemainingTimeInMillis: () => remainingMs,
} as unknown as Context);
const publicRecord = (id: string, body: unknown) => sqsRecord(id, body);
const workRecord = (id: string, body: unknown) => sqsRecord(id, body, WORK_QUEUE_ARN);
const workItem = (fields: Record<string, unknown> = {}) => ({
  v: 1, requestId: 'req-1', segment: 1, totalSegments: 3, attempt: 1, startedAt: Date.now() - 1_000, data: { hi: 1 }, ...fields,
});

let lines: Array<Record<string, any>>;
beforeEach(() => {
  ddb.reset();
  api.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageBatchCommand).resolves({});
  lines = captureLogLines();
});
afterEach(() => {
  jest.restoreAllMocks();
  expect(api.received.filter((r) => !r.verdict.ok).map((r) => r.verdict)).toEqual([]);
});

const sentBodies = () => sqsMock.commandCalls(SendMessageBatchCommand)
  .flatMap((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!)));
const line = (message: string, id: string) => lines.find((l) => l.message === message && l.messageId === id);

describe('splitting public requests', () => {
  test('a broadcast and an exclusion are split into one work item per segment, nothing posted', async () => {
    // WHEN a broadcast and an exclusion are handled
    const result = await handler({ Records: [publicRecord('b1', { data: 'all' }), publicRecord('x1', { data: 'most', exclude_connections: ['c9'] })] }, context());

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(api.received).toHaveLength(0);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 0);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: WORK_QUEUE_URL });
    const bodies = sentBodies();
    expect(bodies.filter((b) => b.requestId === 'b1').map((b) => b.segment).sort()).toEqual([0, 1, 2]);
    expect(bodies.find((b) => b.requestId === 'x1')).toMatchObject({ totalSegments: 3, attempt: 1, targeting: { exclude_connections: ['c9'] }, data: 'most' });
    expect(line('request processed', 'b1')).toMatchObject({ level: 'INFO', kind: 'broadcast', outcome: 'split', segments: 3, targets: 0 });
  });

  test('a multicast is delivered inline, never split', async () => {
    // GIVEN
    ddb.on(QueryCommand).resolves({ Items: [connectionItem('u1', 'c1')] });

    // WHEN
    const result = await handler({ Records: [publicRecord('m1', { data: 1, users: ['u1'] })] }, context());

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqsMock.calls()).toHaveLength(0);
    expect(line('request processed', 'm1')).toMatchObject({ outcome: 'delivered', delivered: 1 });
  });

  test('a broadcast whose work items the queue refuses is in batchItemFailures', async () => {
    // GIVEN the work queue refuses the items
    sqsMock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));

    // WHEN a broadcast is handled
    const result = await handler({ Records: [publicRecord('b1', { data: 'all' })] }, context());

    // THEN
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'b1' }] });
    expect(line('request processed', 'b1')).toMatchObject({ level: 'ERROR', outcome: 'failed', error: { code: 'ENQUEUE_FAILED' } });
  }, 20_000);

  test('a work item\'s body on the public queue is a public request: split afresh, no start key', async () => {
    // GIVEN a work item's body, with a start key, sent to the public queue
    const forged = workItem({ exclusiveStartKey: { user_id: { S: 'z' }, connection_id: { S: 'z' } } });

    // WHEN
    const result = await handler({ Records: [publicRecord('forged', forged)] }, context());

    // THEN it is split afresh, its start key ignored
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentBodies().map((b) => [b.requestId, b.segment, b.exclusiveStartKey])).toEqual([
      ['forged', 0, undefined], ['forged', 1, undefined], ['forged', 2, undefined],
    ]);
  });
});

describe('work items', () => {
  test('a work item sends its segment page by page, with one report carrying the request id', async () => {
    // GIVEN segment 1 of 3 holds three rows over two pages
    const lek = connectionItem('u2', 'c2');
    ddb.on(ScanCommand).resolvesOnce({ Items: [connectionItem('u1', 'c1'), connectionItem('u2', 'c2')], LastEvaluatedKey: lek }).resolves({ Items: [connectionItem('u3', 'c3')] });

    // WHEN a work item from the work queue is handled
    const result = await handler({ Records: [workRecord('w1', workItem())] }, context());

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(api.posted()).toEqual(['c1', 'c2', 'c3']);
    expect(api.received.map((r) => r.body.toString())).toEqual(Array(3).fill('{"hi":1}'));
    expect(ddb).toHaveReceivedNthCommandWith(1, ScanCommand, { Segment: 1, TotalSegments: 3, Limit: 2 });
    expect(ddb).toHaveReceivedNthCommandWith(2, ScanCommand, { Segment: 1, TotalSegments: 3, Limit: 2, ExclusiveStartKey: lek });
    expect(line('work item processed', 'w1')).toMatchObject({
      level: 'INFO', requestId: 'req-1', kind: 'segment', outcome: 'completed', targets: 3, delivered: 3, pages: 2, continued: 0,
    });
    const emf = lines.find((l) => l._aws && l.requestId === 'req-1');
    expect(emf).toMatchObject({ WorkItems: 1, Delivered: 3, CarriedForward: 0, Continuations: 0, messageId: 'w1', outcome: 'completed' });
    expect(emf!.WallTime).toBeGreaterThanOrEqual(1_000);
  });

  test('with little time left, one page is sent and a continuation enqueued; the item succeeds', async () => {
    // GIVEN a segment of two pages
    const lek = connectionItem('u2', 'c2');
    ddb.on(ScanCommand).resolvesOnce({ Items: [connectionItem('u1', 'c1'), connectionItem('u2', 'c2')], LastEvaluatedKey: lek }).resolves({ Items: [connectionItem('u3', 'c3')] });

    // WHEN the item is handled with 500 ms left
    const result = await handler({ Records: [workRecord('w1', workItem())] }, context(500));

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 1);
    expect(sentBodies()).toEqual([{ ...workItem(), startedAt: expect.any(Number), exclusiveStartKey: lek }]);
    expect(line('work item processed', 'w1')).toMatchObject({ outcome: 'continued', continued: 1, delivered: 2 });
  });

  test('a malformed work item is in batchItemFailures (towards the DLQ), logged with the reason', async () => {
    // WHEN a work item with an attempt past the bound is handled
    const result = await handler({ Records: [workRecord('bad', { ...workItem(), attempt: 99 })] }, context());

    // THEN
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(ddb.calls()).toHaveLength(0);
    expect(line('work item processed', 'bad')).toMatchObject({
      level: 'ERROR', outcome: 'invalid', error: { code: 'INVALID_WORK_ITEM', message: expect.stringMatching(/attempt/) },
    });
  });
});
