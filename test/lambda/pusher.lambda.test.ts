import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { connectionItem, snsRecord, sqsRecord } from './support/events';
import { HANDLER_TEST_ENV, useManagementApi } from './support/handler-setup';
import { captureLogLines } from './support/log-lines';
import { FORBIDDEN, GONE, INTERNAL_ERROR, LIMIT_EXCEEDED, OK, PAYLOAD_TOO_LARGE, UNAVAILABLE } from './support/management-api';
import { FORBIDDEN_MESSAGE } from '../../lambda/core/errors';
import { handler } from '../../lambda/pusher.lambda';
import { ENV, LIMITS } from '../../src/shared/constants';

// DynamoDB is mocked: the pusher's Queries and Scans go through the mocked client (see support/sdk-reads.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('../../lambda/adapters/signed-http-reads', () => require('./support/sdk-reads').readsThroughTheClient());

// The handler reads its configuration on the first invocation (CALLBACK_URL is set once the API below listens).
// DynamoDB is mocked; the Management API is a local server that checks every SigV4 signature and answers as each
// test scripts, so that the real sender (signing, HTTP, error parsing) is under test.
Object.assign(process.env, {
  ...HANDLER_TEST_ENV,
  [ENV.MAX_ATTEMPTS]: '3',
  [ENV.SCAN_SEGMENTS]: '2',
});

const ddb = mockClient(DynamoDBClient);
const api = useManagementApi();

const context = {
  awsRequestId: 'invocation-1',
  functionName: 'pusher',
  functionVersion: '$LATEST',
  memoryLimitInMB: '256',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pusher',
} as Context;
const userRows = (user: string, ...connections: string[]) =>
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':u': { S: user } } }).resolves({ Items: connections.map((c) => connectionItem(user, c)) });
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

let lines: Array<Record<string, any>>;
beforeEach(() => {
  ddb.reset();
  api.reset();
  ddb.on(BatchWriteItemCommand).resolves({});
  lines = captureLogLines();
});
afterEach(() => {
  jest.restoreAllMocks();
  // Every request the handler made was signed with its credentials, for its Region.
  expect(api.received.filter((r) => !r.verdict.ok).map((r) => r.verdict)).toEqual([]);
});

const requestLines = () => lines.filter((l) => l.message === 'request processed');
const requestLine = (messageId: string) => requestLines().find((l) => l.messageId === messageId)!;
const posted = () => api.posted();

describe('SQS batches', () => {
  test('good records are delivered, bad ones logged and acknowledged', async () => {
    // GIVEN a batch mixing good and bad records
    userRows('u1', 'c1', 'c2');
    const bad: Array<[string, string, string]> = [
      ['bad-json', '{"users": [', 'INVALID_JSON'],
      ['bad-array', '[1]', 'NOT_AN_OBJECT'],
      ['bad-nodata', '{"users":["u1"]}', 'MISSING_DATA'],
      ['bad-type', '{"users":"u1","data":1}', 'INVALID_FIELD'],
      ['bad-null-id', '{"users":[null],"data":1}', 'INVALID_ID'],
      ['bad-empty-id', '{"connections":[""],"data":1}', 'INVALID_ID'],
    ];

    // WHEN
    const result = await handler({ Records: [sqsRecord('good', { users: ['u1'], data: { n: 1 } }), ...bad.map(([id, body]) => sqsRecord(id, body))] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted().sort()).toEqual(['c1', 'c2']);
    expect(api.received.map((r) => r.body.toString())).toEqual(['{"n":1}', '{"n":1}']);
    expect(requestLine('good')).toMatchObject({ source: 'sqs', kind: 'multicast', outcome: 'delivered', targets: 2, delivered: 2 });
    for (const [id, , code] of bad) {
      expect(requestLine(id)).toMatchObject({ level: 'WARN', source: 'sqs', kind: 'invalid', outcome: 'invalid', error: { code } });
    }
  });

  test('a payload over 128 KB is rejected before any lookup or post', async () => {
    // WHEN a record with a payload over 128 KB is handled
    const result = await handler({ Records: [sqsRecord('huge', { data: 'x'.repeat(LIMITS.MAX_PAYLOAD_BYTES) })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(0);
    expect(api.received).toHaveLength(0);
    expect(requestLine('huge')).toMatchObject({ outcome: 'invalid', error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('a record whose Query is throttled is exactly the one in batchItemFailures', async () => {
    // GIVEN DynamoDB throttles one record's Query
    userRows('u1', 'c1');
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':u': { S: 'hot' } } })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', ...meta(400) }));

    // WHEN
    const result = await handler({ Records: [sqsRecord('ok', { users: ['u1'], data: 1 }), sqsRecord('throttled', { users: ['hot'], data: 1 })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'throttled' }] });
    expect(requestLine('throttled')).toMatchObject({ level: 'ERROR', outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  });

  test('broadcasts and an exclusion of one batch read each Scan segment once, paginated', async () => {
    // GIVEN a table whose segment 0 spans two pages
    const lek = connectionItem('u1', 'c1');
    ddb.on(ScanCommand, { Segment: 0 }).resolvesOnce({ Items: [connectionItem('u1', 'c1')], LastEvaluatedKey: lek }).resolves({ Items: [connectionItem('u2', 'c2')] });
    ddb.on(ScanCommand, { Segment: 1 }).resolves({ Items: [connectionItem('u3', 'c3')] });

    // WHEN two broadcasts and an exclusion are handled in one batch
    const result = await handler({
      Records: [sqsRecord('b1', { data: 'one' }), sqsRecord('b2', { users: [], data: 'two' }), sqsRecord('x1', { exclude_users: ['u2'], data: 'three' })],
    }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 3); // segment 0: two pages, segment 1: one page
    expect(ddb).toHaveReceivedCommandWith(ScanCommand, { Segment: 0, TotalSegments: 2, ExclusiveStartKey: lek });
    expect([requestLine('b1').delivered, requestLine('b2').delivered, requestLine('x1').delivered]).toEqual([3, 3, 2]);
    expect(requestLine('x1').kind).toBe('exclusion');
    expect(posted()).toHaveLength(8);
  });

  test('a user whose connections span two Query pages gets all pages delivered', async () => {
    // GIVEN
    const lek = connectionItem('u1', 'c1');
    ddb.on(QueryCommand).resolvesOnce({ Items: [connectionItem('u1', 'c1')], LastEvaluatedKey: lek }).resolves({ Items: [connectionItem('u1', 'c2')] });

    // WHEN
    await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { ExclusiveStartKey: lek });
    expect(posted()).toEqual(['c1', 'c2']);
  });
});

describe('Management API errors by name', () => {
  test('GoneException deletes exactly that row with BatchWriteItem, counted as pruned', async () => {
    // GIVEN one of the user's connections answers GoneException
    userRows('u1', 'live', 'stale');
    api.answer('stale', GONE);

    // WHEN
    const result = await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { connections: [{ DeleteRequest: { Key: { user_id: { S: 'u1' }, connection_id: { S: 'stale' } } } }] },
    });
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', targets: 2, delivered: 1, gone: 1, pruned: 1, failed: 0 });
  });

  test('a prune answered with UnprocessedItems is retried', async () => {
    // GIVEN a gone connection whose first delete comes back unprocessed
    userRows('u1', 'stale');
    api.answerAll(GONE);
    const del = { DeleteRequest: { Key: { user_id: { S: 'u1' }, connection_id: { S: 'stale' } } } };
    ddb.on(BatchWriteItemCommand).resolvesOnce({ UnprocessedItems: { connections: [del] } }).resolves({});

    // WHEN
    await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 2);
    expect(requestLine('m').pruned).toBe(1);
  });

  test('LimitExceededException once: the post is retried and delivered', async () => {
    // GIVEN
    userRows('u1', 'c1');
    api.answer('c1', LIMIT_EXCEEDED, OK);

    // WHEN
    const result = await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted()).toEqual(['c1', 'c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', delivered: 1, retried: 1, failed: 0 });
  });

  test('a 500 once: the post is retried and delivered', async () => {
    // GIVEN
    userRows('u1', 'c1');
    api.answer('c1', INTERNAL_ERROR, OK);

    // WHEN
    await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(posted()).toEqual(['c1', 'c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', retried: 1 });
  });

  test('a connection still throttled after MAX_ATTEMPTS reports the record for retry', async () => {
    // GIVEN a connection that answers LimitExceededException every time
    userRows('u1', 'c1');
    api.answer('c1', LIMIT_EXCEEDED);

    // WHEN
    const result = await handler({ Records: [sqsRecord('m', { users: ['u1'], data: 1 })] }, context);

    // THEN
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(requestLine('m')).toMatchObject({ outcome: 'failed', retried: 2, failed: 1, error: { code: 'SEND_FAILED' } });
  });

  test('PayloadTooLargeException fails the request permanently: not retried', async () => {
    // GIVEN
    api.answer('c1', PAYLOAD_TOO_LARGE);

    // WHEN
    const result = await handler({ Records: [sqsRecord('m', { connections: ['c1'], data: 1 })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted()).toEqual(['c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'invalid', error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('ForbiddenException logs a configuration error and keeps the record for retry', async () => {
    // GIVEN
    api.answer('c1', FORBIDDEN);

    // WHEN
    const result = await handler({ Records: [sqsRecord('m', { connections: ['c1'], data: 1 })] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(posted()).toEqual(['c1']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: FORBIDDEN_MESSAGE, messageId: 'm' }));
    expect(requestLine('m')).toMatchObject({ outcome: 'failed', error: { code: 'FORBIDDEN' } });
  });
});

describe('SNS, mixed events and direct invocation', () => {
  test('a delivered SNS notification resolves the handler', async () => {
    // GIVEN
    userRows('u1', 'c1');

    // WHEN / THEN
    await expect(handler({ Records: [snsRecord('sns-1', { users: ['u1'], data: 1 })] }, context)).resolves.toBeUndefined();
    expect(requestLine('sns-1')).toMatchObject({ source: 'sns', outcome: 'delivered', delivered: 1 });
  });

  test('an invalid SNS notification is logged, not thrown', async () => {
    // WHEN / THEN
    await expect(handler({ Records: [snsRecord('sns-bad', 'not json')] }, context)).resolves.toBeUndefined();
    expect(requestLine('sns-bad')).toMatchObject({ source: 'sns', outcome: 'invalid', error: { code: 'INVALID_JSON' } });
  });

  test('an SNS notification that fails transiently makes the handler throw, so Lambda retries', async () => {
    // GIVEN a connection reset before any answer, on every attempt: a network error, retried up to MAX_ATTEMPTS
    api.answer('c1', 'reset');

    // WHEN / THEN
    await expect(handler({ Records: [snsRecord('sns-2', { connections: ['c1'], data: 1 })] }, context)).rejects.toThrow(/sns-2: SEND_FAILED/);
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
    expect(requestLine('sns-2')).toMatchObject({ outcome: 'failed', retried: 2, failed: 1, error: { code: 'SEND_FAILED' } });
  });

  test('an event mixing SQS and SNS records has each record read by its own source', async () => {
    // GIVEN
    userRows('u1', 'c1');
    userRows('u2', 'c2');

    // WHEN an event holds an SQS record, an SNS record and one of neither
    const result = await handler({ Records: [sqsRecord('q1', { users: ['u1'], data: 1 }), snsRecord('n1', { users: ['u2'], data: 2 }), { foo: 1 }] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(requestLine('q1')).toMatchObject({ source: 'sqs', delivered: 1 });
    expect(requestLine('n1')).toMatchObject({ source: 'sns', delivered: 1 });
    expect(requestLines().find((l) => l.source === 'unknown')).toMatchObject({ outcome: 'invalid', error: { code: 'UNSUPPORTED_EVENT' } });
  });

  test('a delivered direct invocation returns the summary', async () => {
    // GIVEN
    userRows('u1', 'c1', 'c2');

    // WHEN / THEN
    await expect(handler({ users: ['u1'], data: { hello: 'world' } }, context)).resolves.toEqual({
      status: 'delivered', kind: 'multicast', targets: 2, delivered: 2, gone: 0, pruned: 0, retried: 0, failed: 0, closed: 0, channelDelivered: 0, requeued: 0,
    });
    expect(requestLine('invocation-1')).toMatchObject({ source: 'direct' });
  });

  test('an invalid direct invocation returns the structured error without throwing', async () => {
    // WHEN / THEN
    await expect(handler({ users: ['u1'] }, context)).resolves.toMatchObject({
      status: 'invalid', error: { code: 'MISSING_DATA', message: expect.any(String) },
    });
  });

  test('a direct invocation that fails transiently throws', async () => {
    // GIVEN
    api.answer('c1', UNAVAILABLE);

    // WHEN / THEN
    await expect(handler({ connections: ['c1'], data: 1 }, context)).rejects.toThrow('must be retried');
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
  });
});

describe('observability', () => {
  test('a processed request has one JSON log line and one EMF metric line with its figures', async () => {
    // GIVEN
    userRows('u1', 'c1');

    // WHEN
    await handler({ Records: [sqsRecord('m-obs', { users: ['u1'], data: 1 })] }, context);

    // THEN
    const logLines = requestLines();
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toEqual(expect.objectContaining({
      level: 'INFO',
      messageId: 'm-obs',
      source: 'sqs',
      kind: 'multicast',
      outcome: 'delivered',
      targets: 1,
      delivered: 1,
      gone: 0,
      pruned: 0,
      retried: 0,
      failed: 0,
      durationMs: expect.any(Number),
      service: 'websocket-pusher',
    }));
    const emf = lines.filter((l) => l._aws);
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('WebsocketPusher');
    expect(emf[0]._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(expect.arrayContaining(
      ['Targets', 'Delivered', 'Pruned', 'Retried', 'Failed', 'Duration']));
    expect(emf[0]).toMatchObject({ messageId: 'm-obs', Targets: 1, Delivered: 1, Failed: 0, service: 'websocket-pusher' });
  });

  test('each request of a batch gets its own EMF line', async () => {
    // GIVEN
    userRows('u1', 'c1');

    // WHEN a batch of three is handled
    await handler({ Records: [sqsRecord('a', { users: ['u1'], data: 1 }), sqsRecord('b', { connections: ['x', 'y'], data: 1 }), sqsRecord('c', 'bad')] }, context);

    // THEN
    const emf = lines.filter((l) => l._aws);
    expect(emf.map((l) => [l.messageId, l.Targets])).toEqual([['a', 1], ['b', 2], ['c', 0]]);
  });
});

describe('configuration', () => {
  test('without a table name, an invocation fails with a clear error naming the variable', async () => {
    // GIVEN no table name in the environment
    const saved = process.env[ENV.TABLE_NAME];
    delete process.env[ENV.TABLE_NAME];
    try {
      let fresh: typeof handler = handler;
      jest.isolateModules(() => {
        // A fresh module: the configuration is read once per container, on the first invocation.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        fresh = require('../../lambda/pusher.lambda').handler;
      });

      // WHEN / THEN
      expect(fresh).not.toBe(handler);
      await expect(fresh({ data: 1 }, context)).rejects.toThrow('environment variable CONNECTIONS_TABLE_NAME is required');
      expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('CONNECTIONS_TABLE_NAME') }));
    } finally {
      process.env[ENV.TABLE_NAME] = saved;
    }
  });
});
