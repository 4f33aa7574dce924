import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { captureLogLines } from './support/log-lines';
import {
  FORBIDDEN, GONE, INTERNAL_ERROR, LIMIT_EXCEEDED, OK, PAYLOAD_TOO_LARGE, ScriptedManagementApi, TEST_CREDENTIALS, TEST_REGION, UNAVAILABLE,
} from './support/management-api';
import { FORBIDDEN_MESSAGE } from '../../lambda/core/errors';
import { handler } from '../../lambda/pusher.lambda';
import { ENV, LIMITS } from '../../src/shared/constants';

// The handler reads its configuration on the first invocation (CALLBACK_URL is set once the API below listens).
// DynamoDB is mocked; the Management API is a local server that checks every SigV4 signature and answers as each
// test scripts, so that the real sender (signing, HTTP, error parsing) is under test.
Object.assign(process.env, {
  AWS_REGION: TEST_REGION,
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
  AWS_EC2_METADATA_DISABLED: 'true',
  [ENV.TABLE_NAME]: 'connections',
  [ENV.MAX_ATTEMPTS]: '3',
  [ENV.SCAN_SEGMENTS]: '2',
  [ENV.RETRY_BASE_DELAY_MS]: '1',
  [ENV.RETRY_MAX_DELAY_MS]: '2',
});

const ddb = mockClient(DynamoDBClient);
let api: ScriptedManagementApi;
beforeAll(async () => {
  api = await ScriptedManagementApi.start();
  process.env[ENV.CALLBACK_URL] = api.url;
});
afterAll(() => api.close());

const context = {
  awsRequestId: 'invocation-1',
  functionName: 'pusher',
  functionVersion: '$LATEST',
  memoryLimitInMB: '256',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pusher',
} as Context;
const sqs = (messageId: string, body: unknown) => ({
  messageId,
  receiptHandle: 'rh',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:notifications',
  awsRegion: 'us-east-1',
});
const sns = (messageId: string, message: unknown) => ({
  EventSource: 'aws:sns',
  EventVersion: '1.0',
  EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:n:sub',
  Sns: { Type: 'Notification', MessageId: messageId, TopicArn: 'arn:aws:sns:us-east-1:123456789012:n', Message: typeof message === 'string' ? message : JSON.stringify(message) },
});
const item = (user: string, connection: string) => ({ user_id: { S: user }, connection_id: { S: connection } });
const userRows = (user: string, ...connections: string[]) =>
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':u': { S: user } } }).resolves({ Items: connections.map((c) => item(user, c)) });
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
  test('GIVEN a batch mixing good and bad records WHEN handled THEN good ones are delivered, bad ones logged and acknowledged', async () => {
    userRows('u1', 'c1', 'c2');
    const bad: Array<[string, string, string]> = [
      ['bad-json', '{"users": [', 'INVALID_JSON'],
      ['bad-array', '[1]', 'NOT_AN_OBJECT'],
      ['bad-nodata', '{"users":["u1"]}', 'MISSING_DATA'],
      ['bad-type', '{"users":"u1","data":1}', 'INVALID_FIELD'],
      ['bad-null-id', '{"users":[null],"data":1}', 'INVALID_ID'],
      ['bad-empty-id', '{"connections":[""],"data":1}', 'INVALID_ID'],
    ];
    const result = await handler({ Records: [sqs('good', { users: ['u1'], data: { n: 1 } }), ...bad.map(([id, body]) => sqs(id, body))] }, context);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted().sort()).toEqual(['c1', 'c2']);
    expect(api.received.map((r) => r.body.toString())).toEqual(['{"n":1}', '{"n":1}']);
    expect(requestLine('good')).toMatchObject({ source: 'sqs', kind: 'multicast', outcome: 'delivered', targets: 2, delivered: 2 });
    for (const [id, , code] of bad) {
      expect(requestLine(id)).toMatchObject({ level: 'WARN', source: 'sqs', kind: 'invalid', outcome: 'invalid', error: { code } });
    }
  });

  test('GIVEN a payload over 128 KB WHEN handled THEN it is rejected before any lookup or post', async () => {
    const result = await handler({ Records: [sqs('huge', { data: 'x'.repeat(LIMITS.MAX_PAYLOAD_BYTES) })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(0);
    expect(api.received).toHaveLength(0);
    expect(requestLine('huge')).toMatchObject({ outcome: 'invalid', error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('GIVEN DynamoDB throttles one record\'s Query WHEN handled THEN exactly that record is in batchItemFailures', async () => {
    userRows('u1', 'c1');
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':u': { S: 'hot' } } })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', ...meta(400) }));
    const result = await handler({ Records: [sqs('ok', { users: ['u1'], data: 1 }), sqs('throttled', { users: ['hot'], data: 1 })] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'throttled' }] });
    expect(requestLine('throttled')).toMatchObject({ level: 'ERROR', outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  });

  test('GIVEN two broadcasts and an exclusion in one batch WHEN handled THEN each Scan segment is read once and paginated', async () => {
    const lek = item('u1', 'c1');
    ddb.on(ScanCommand, { Segment: 0 }).resolvesOnce({ Items: [item('u1', 'c1')], LastEvaluatedKey: lek }).resolves({ Items: [item('u2', 'c2')] });
    ddb.on(ScanCommand, { Segment: 1 }).resolves({ Items: [item('u3', 'c3')] });
    const result = await handler({
      Records: [sqs('b1', { data: 'one' }), sqs('b2', { users: [], data: 'two' }), sqs('x1', { exclude_users: ['u2'], data: 'three' })],
    }, context);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 3); // segment 0: two pages, segment 1: one page
    expect(ddb).toHaveReceivedCommandWith(ScanCommand, { Segment: 0, TotalSegments: 2, ExclusiveStartKey: lek });
    expect([requestLine('b1').delivered, requestLine('b2').delivered, requestLine('x1').delivered]).toEqual([3, 3, 2]);
    expect(requestLine('x1').kind).toBe('exclusion');
    expect(posted()).toHaveLength(8);
  });

  test('GIVEN a user whose connections span two Query pages WHEN handled THEN all pages are delivered', async () => {
    const lek = item('u1', 'c1');
    ddb.on(QueryCommand).resolvesOnce({ Items: [item('u1', 'c1')], LastEvaluatedKey: lek }).resolves({ Items: [item('u1', 'c2')] });
    await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { ExclusiveStartKey: lek });
    expect(posted()).toEqual(['c1', 'c2']);
  });
});

describe('Management API errors by name', () => {
  test('GIVEN GoneException WHEN handled THEN exactly that row is deleted with BatchWriteItem and counted as pruned', async () => {
    userRows('u1', 'live', 'stale');
    api.answer('stale', GONE);
    const result = await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { connections: [{ DeleteRequest: { Key: { user_id: { S: 'u1' }, connection_id: { S: 'stale' } } } }] },
    });
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', targets: 2, delivered: 1, gone: 1, pruned: 1, failed: 0 });
  });

  test('GIVEN UnprocessedItems on the prune WHEN handled THEN the delete is retried', async () => {
    userRows('u1', 'stale');
    api.answerAll(GONE);
    const del = { DeleteRequest: { Key: { user_id: { S: 'u1' }, connection_id: { S: 'stale' } } } };
    ddb.on(BatchWriteItemCommand).resolvesOnce({ UnprocessedItems: { connections: [del] } }).resolves({});
    await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 2);
    expect(requestLine('m').pruned).toBe(1);
  });

  test('GIVEN LimitExceededException once WHEN handled THEN the post is retried and delivered', async () => {
    userRows('u1', 'c1');
    api.answer('c1', LIMIT_EXCEEDED, OK);
    const result = await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted()).toEqual(['c1', 'c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', delivered: 1, retried: 1, failed: 0 });
  });

  test('GIVEN a 500 once WHEN handled THEN the post is retried and delivered', async () => {
    userRows('u1', 'c1');
    api.answer('c1', INTERNAL_ERROR, OK);
    await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(posted()).toEqual(['c1', 'c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'delivered', retried: 1 });
  });

  test('GIVEN a connection still throttled after MAX_ATTEMPTS WHEN handled THEN the record is reported for retry', async () => {
    userRows('u1', 'c1');
    api.answer('c1', LIMIT_EXCEEDED);
    const result = await handler({ Records: [sqs('m', { users: ['u1'], data: 1 })] }, context);
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(requestLine('m')).toMatchObject({ outcome: 'failed', retried: 2, failed: 1, error: { code: 'SEND_FAILED' } });
  });

  test('GIVEN PayloadTooLargeException WHEN handled THEN the request fails permanently and is not retried', async () => {
    api.answer('c1', PAYLOAD_TOO_LARGE);
    const result = await handler({ Records: [sqs('m', { connections: ['c1'], data: 1 })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted()).toEqual(['c1']);
    expect(requestLine('m')).toMatchObject({ outcome: 'invalid', error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('GIVEN ForbiddenException WHEN handled THEN a configuration error is logged and the record is kept for retry', async () => {
    api.answer('c1', FORBIDDEN);
    const result = await handler({ Records: [sqs('m', { connections: ['c1'], data: 1 })] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(posted()).toEqual(['c1']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: FORBIDDEN_MESSAGE, messageId: 'm' }));
    expect(requestLine('m')).toMatchObject({ outcome: 'failed', error: { code: 'FORBIDDEN' } });
  });
});

describe('SNS, mixed events and direct invocation', () => {
  test('GIVEN an SNS notification WHEN delivered THEN the handler resolves', async () => {
    userRows('u1', 'c1');
    await expect(handler({ Records: [sns('sns-1', { users: ['u1'], data: 1 })] }, context)).resolves.toBeUndefined();
    expect(requestLine('sns-1')).toMatchObject({ source: 'sns', outcome: 'delivered', delivered: 1 });
  });

  test('GIVEN an invalid SNS notification WHEN handled THEN it is logged, not thrown', async () => {
    await expect(handler({ Records: [sns('sns-bad', 'not json')] }, context)).resolves.toBeUndefined();
    expect(requestLine('sns-bad')).toMatchObject({ source: 'sns', outcome: 'invalid', error: { code: 'INVALID_JSON' } });
  });

  test('GIVEN an SNS notification that fails transiently WHEN handled THEN the handler throws so Lambda retries', async () => {
    // The connection is reset before any answer, on every attempt: a network error, retried up to MAX_ATTEMPTS.
    api.answer('c1', 'reset');
    await expect(handler({ Records: [sns('sns-2', { connections: ['c1'], data: 1 })] }, context)).rejects.toThrow(/sns-2: SEND_FAILED/);
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
    expect(requestLine('sns-2')).toMatchObject({ outcome: 'failed', retried: 2, failed: 1, error: { code: 'SEND_FAILED' } });
  });

  test('GIVEN an event mixing SQS and SNS records WHEN handled THEN each record is read by its own source', async () => {
    userRows('u1', 'c1');
    userRows('u2', 'c2');
    const result = await handler({ Records: [sqs('q1', { users: ['u1'], data: 1 }), sns('n1', { users: ['u2'], data: 2 }), { foo: 1 }] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(requestLine('q1')).toMatchObject({ source: 'sqs', delivered: 1 });
    expect(requestLine('n1')).toMatchObject({ source: 'sns', delivered: 1 });
    expect(requestLines().find((l) => l.source === 'unknown')).toMatchObject({ outcome: 'invalid', error: { code: 'UNSUPPORTED_EVENT' } });
  });

  test('GIVEN a direct invocation WHEN delivered THEN it returns the summary', async () => {
    userRows('u1', 'c1', 'c2');
    await expect(handler({ users: ['u1'], data: { hello: 'world' } }, context)).resolves.toEqual({
      status: 'delivered', kind: 'multicast', targets: 2, delivered: 2, gone: 0, pruned: 0, retried: 0, failed: 0,
    });
    expect(requestLine('invocation-1')).toMatchObject({ source: 'direct' });
  });

  test('GIVEN an invalid direct invocation WHEN handled THEN it returns the structured error without throwing', async () => {
    await expect(handler({ users: ['u1'] }, context)).resolves.toMatchObject({
      status: 'invalid', error: { code: 'MISSING_DATA', message: expect.any(String) },
    });
  });

  test('GIVEN a direct invocation that fails transiently WHEN handled THEN it throws', async () => {
    api.answer('c1', UNAVAILABLE);
    await expect(handler({ connections: ['c1'], data: 1 }, context)).rejects.toThrow('must be retried');
    expect(posted()).toEqual(['c1', 'c1', 'c1']);
  });
});

describe('observability', () => {
  test('GIVEN a processed request THEN one JSON log line and one EMF metric line carry its figures', async () => {
    userRows('u1', 'c1');
    await handler({ Records: [sqs('m-obs', { users: ['u1'], data: 1 })] }, context);
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

  test('GIVEN a batch of three WHEN handled THEN each request gets its own EMF line', async () => {
    userRows('u1', 'c1');
    await handler({ Records: [sqs('a', { users: ['u1'], data: 1 }), sqs('b', { connections: ['x', 'y'], data: 1 }), sqs('c', 'bad')] }, context);
    const emf = lines.filter((l) => l._aws);
    expect(emf.map((l) => [l.messageId, l.Targets])).toEqual([['a', 1], ['b', 2], ['c', 0]]);
  });
});

describe('configuration', () => {
  test('GIVEN no table name WHEN invoked THEN it fails with a clear error naming the variable', async () => {
    const saved = process.env[ENV.TABLE_NAME];
    delete process.env[ENV.TABLE_NAME];
    try {
      let fresh: typeof handler = handler;
      jest.isolateModules(() => {
        // A fresh module: the configuration is read once per container, on the first invocation.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        fresh = require('../../lambda/pusher.lambda').handler;
      });
      expect(fresh).not.toBe(handler);
      await expect(fresh({ data: 1 }, context)).rejects.toThrow('environment variable CONNECTIONS_TABLE_NAME is required');
      expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('CONNECTIONS_TABLE_NAME') }));
    } finally {
      process.env[ENV.TABLE_NAME] = saved;
    }
  });
});
