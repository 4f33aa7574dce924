import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { streamRecord, subscriptionItems } from './stream-records';
import { handler } from '../../../lambda/connection-stream.lambda';
import { CHANNELS_ENV } from '../../../src/shared/channels';
import { ENV } from '../../../src/shared/constants';
import { captureLogLines } from '../support/log-lines';

// The connection stream function with DynamoDB mocked: a REMOVE record's connection loses its subscriptions (found in
// the by_connection index, deleted 25 at a time); INSERT and MODIFY are left alone; a failure is reported with every
// later record of the batch.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
  [ENV.CONNECTION_ID_ATTRIBUTE]: 'connection_id',
  [ENV.RETRY_BASE_DELAY_MS]: '1',
  [ENV.RETRY_MAX_DELAY_MS]: '2',
});

const ddb = mockClient(DynamoDBClient);
const context = { awsRequestId: 'invocation-1', functionName: 'connection-stream' } as Context;
const subscriptionsOf = (connectionId: string, ...pages: Array<Array<Record<string, { S: string }>>>) => {
  let stub = ddb.on(QueryCommand, { ExpressionAttributeValues: { ':c': { S: connectionId } } });
  pages.forEach((items, i) => {
    stub = stub.resolvesOnce({ Items: items, ...(i < pages.length - 1 ? { LastEvaluatedKey: items[items.length - 1] } : {}) });
  });
};
/** The keys of every BatchWriteItem delete, call by call. */
const deletedKeys = () => ddb.commandCalls(BatchWriteItemCommand).map((call) =>
  call.args[0].input.RequestItems!.subscriptions.map((r) => `${r.DeleteRequest!.Key!.channel_key.S}|${r.DeleteRequest!.Key!.connection_id.S}`));
const invoke = async (...records: ReturnType<typeof streamRecord>[]) => handler({ Records: records }, context);

let lines: Array<Record<string, any>>;
beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(BatchWriteItemCommand).resolves({});
  lines = captureLogLines();
});
afterEach(() => jest.restoreAllMocks());
const batchLine = () => lines.find((l) => l.message === 'stream batch processed');

describe('a REMOVE record deletes the connection\'s subscriptions', () => {
  test('none: one keys-only Query of the by_connection index, no delete', async () => {
    // GIVEN a connection with no subscription WHEN its row is removed
    const answer = await invoke(streamRecord('REMOVE', 'c0', '100'));

    // THEN
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'subscriptions',
      IndexName: 'by_connection',
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'connection_id', '#k': 'channel_key' },
      ExpressionAttributeValues: { ':c': { S: 'c0' } },
      ProjectionExpression: '#k, #c',
    });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 0);
    expect(batchLine()).toMatchObject({ level: 'INFO', records: 1, removals: 1, subscriptionsDeleted: 0, failures: 0, reported: 0 });
  });

  test('one: one BatchWriteItem of its key', async () => {
    subscriptionsOf('c1', subscriptionItems('c1', 1));
    expect(await invoke(streamRecord('REMOVE', 'c1', '100'))).toEqual({ batchItemFailures: [] });
    expect(deletedKeys()).toEqual([['room/0#0|c1']]);
  });

  test('thirty: 25 then 5 (BatchWriteItem takes 25 at most)', async () => {
    subscriptionsOf('c30', subscriptionItems('c30', 30));
    expect(await invoke(streamRecord('REMOVE', 'c30', '100'))).toEqual({ batchItemFailures: [] });
    expect(deletedKeys().map((keys) => keys.length)).toEqual([25, 5]);
    expect(new Set(deletedKeys().flat()).size).toBe(30);
    expect(batchLine()).toMatchObject({ subscriptionsDeleted: 30 });
  });

  test('paginated: every page is read (from the last key) and deleted', async () => {
    // GIVEN subscriptions over two pages of the index
    subscriptionsOf('cp', subscriptionItems('cp', 3), subscriptionItems('cp', 2, 3));

    // WHEN
    expect(await invoke(streamRecord('REMOVE', 'cp', '100'))).toEqual({ batchItemFailures: [] });

    // THEN the second Query starts after the first page's last key; all five are deleted
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { ExclusiveStartKey: subscriptionItems('cp', 3)[2] });
    expect(deletedKeys().flat()).toEqual(['room/0#0|cp', 'room/1#0|cp', 'room/2#0|cp', 'room/3#0|cp', 'room/4#0|cp']);
  });

  test('UnprocessedItems are sent again until none is left', async () => {
    // GIVEN DynamoDB leaves two deletes unprocessed, then one, then none
    subscriptionsOf('cu', subscriptionItems('cu', 3));
    const unprocessed = (n: number) => ({ UnprocessedItems: { subscriptions: subscriptionItems('cu', n).map((Key) => ({ DeleteRequest: { Key } })) } });
    ddb.on(BatchWriteItemCommand).resolvesOnce(unprocessed(2)).resolvesOnce(unprocessed(1)).resolves({});

    // WHEN / THEN
    expect(await invoke(streamRecord('REMOVE', 'cu', '100'))).toEqual({ batchItemFailures: [] });
    expect(deletedKeys().map((keys) => keys.length)).toEqual([3, 2, 1]);
    expect(batchLine()).toMatchObject({ subscriptionsDeleted: 3, failures: 0 });
  });

  test('a TTL expiry (DynamoDB\'s service identity) is cleaned like any other removal', async () => {
    subscriptionsOf('ct', subscriptionItems('ct', 2));
    expect(await invoke(streamRecord('REMOVE', 'ct', '100', { ttl: true }))).toEqual({ batchItemFailures: [] });
    expect(deletedKeys().flat()).toEqual(['room/0#0|ct', 'room/1#0|ct']);
    expect(batchLine()).toMatchObject({ removals: 1, ttlRemovals: 1, subscriptionsDeleted: 2 });
  });
});

test('INSERT and MODIFY records are left alone: no read, no write', async () => {
  const answer = await invoke(streamRecord('INSERT', 'c1', '100'), streamRecord('MODIFY', 'c1', '101'));
  expect(answer).toEqual({ batchItemFailures: [] });
  expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 0);
  expect(batchLine()).toMatchObject({ records: 2, removals: 0, failures: 0 });
});

describe('failures', () => {
  test('deletes still unprocessed after the bounded retries fail the record, reported with every later record', async () => {
    // GIVEN c2's deletes never get processed; c1 and c3 are fine
    subscriptionsOf('c1', subscriptionItems('c1', 1));
    subscriptionsOf('c2', subscriptionItems('c2', 2));
    subscriptionsOf('c3', subscriptionItems('c3', 1));
    ddb.on(BatchWriteItemCommand).callsFake((input) => {
      const requests = input.RequestItems.subscriptions;
      const ofC2 = requests.filter((r: any) => r.DeleteRequest.Key.connection_id.S === 'c2');
      return ofC2.length > 0 ? { UnprocessedItems: { subscriptions: ofC2.slice(0, 1) } } : {};
    });

    // WHEN a batch removes c1, c2, c3 and inserts c4
    const answer = await invoke(streamRecord('REMOVE', 'c1', '100'), streamRecord('REMOVE', 'c2', '101'), streamRecord('REMOVE', 'c3', '102'), streamRecord('INSERT', 'c4', '103'));

    // THEN c2 and everything after it is reported (Lambda retries from c2); c1's cleanup stands
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '101' }, { itemIdentifier: '102' }, { itemIdentifier: '103' }] });
    expect(deletedKeys()).toContainEqual(['room/0#0|c1']);
    // 6 calls for c2's chunk: the first and 5 retries, bounded
    expect(deletedKeys().filter((keys) => keys[0].endsWith('|c2'))).toHaveLength(6);
    expect(batchLine()).toMatchObject({
      level: 'ERROR',
      records: 4,
      removals: 3,
      failures: 1,
      reported: 3,
      failed: [{ sequenceNumber: '101', eventName: 'REMOVE', connectionId: 'c2', error: expect.stringContaining('1 of 2 subscription delete(s) still unprocessed') }],
    });
  });

  test('a failed Query fails its record and every later one; earlier ones are done', async () => {
    subscriptionsOf('c1', subscriptionItems('c1', 1));
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':c': { S: 'c2' } } }).rejects(Object.assign(new Error('the service is unavailable'), { name: 'InternalServerError' }));
    const answer = await invoke(streamRecord('REMOVE', 'c1', '7'), streamRecord('REMOVE', 'c2', '8'), streamRecord('MODIFY', 'c3', '9'));
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '8' }, { itemIdentifier: '9' }] });
    expect(deletedKeys()).toEqual([['room/0#0|c1']]);
    expect(batchLine()).toMatchObject({ failures: 1, reported: 2, failed: [{ connectionId: 'c2', error: 'InternalServerError: the service is unavailable' }] });
  });

  test('a REMOVE record without the connection id in its Keys is a failure, not a silent drop', async () => {
    const record = streamRecord('REMOVE', 'c1', '100');
    delete record.dynamodb!.Keys!.connection_id;
    expect(await invoke(record)).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
    expect(batchLine()).toMatchObject({ failures: 1, failed: [{ error: expect.stringContaining('hold no string connection_id') }] });
  });
});

test('one EMF blob per batch: SubscriptionsCleaned and CleanupFailures, dimension service', async () => {
  subscriptionsOf('c1', subscriptionItems('c1', 4));
  await invoke(streamRecord('REMOVE', 'c1', '100'));
  const emf = lines.filter((l) => l._aws);
  expect(emf).toHaveLength(1);
  expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'WebsocketPusher',
    Dimensions: [['service']],
    Metrics: [{ Name: 'SubscriptionsCleaned', Unit: 'Count' }, { Name: 'CleanupFailures', Unit: 'Count' }],
  });
  expect(emf[0]).toMatchObject({ service: 'websocket-pusher', SubscriptionsCleaned: 4, CleanupFailures: 0 });
});
