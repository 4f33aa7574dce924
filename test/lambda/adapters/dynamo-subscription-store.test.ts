import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FIRST_PAGE_ROWS } from '../../../lambda/adapters/dynamo-connection-store';
import { DynamoSubscriptionStore } from '../../../lambda/adapters/dynamo-subscription-store';
import type { SubscriptionKey } from '../../../lambda/core/ports/subscription-store';
import { channelKey, shardOf } from '../../../src/shared/channels';

const ddb = mockClient(DynamoDBClient);
const sleeps: number[] = [];
const store = (shards = 4) => new DynamoSubscriptionStore(new DynamoDBClient({ region: 'us-east-1' }), {
  tableName: 'subscriptions', shards, unprocessed: { policy: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, sleep: async (ms) => { sleeps.push(ms); } },
});
/** A subscriptions-table item as DynamoDB returns it under the keys-only projection. */
const item = (connection: string, user?: string, ttl?: number) => ({
  connection_id: { S: connection },
  ...(user === undefined ? {} : { user_id: { S: user } }),
  ...(ttl === undefined ? {} : { expires_at: { N: String(ttl) } }),
});
const collect = async <T>(pages: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
};
const throttled = () => Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

beforeEach(() => {
  ddb.reset();
  sleeps.length = 0;
});

describe('queryShard', () => {
  test('one Query of the shard\'s partition key, the connection, its user and expiry projected; first page small, then 1 MB pages', async () => {
    // GIVEN a shard over two pages
    const lek = { channel_key: { S: 'room/42#3' }, connection_id: { S: 'c2' } };
    ddb.on(QueryCommand).resolvesOnce({ Items: [item('c1', 'u1', 2_000), item('c2', 'u2')], LastEvaluatedKey: lek }).resolvesOnce({ Items: [item('c3', 'u3')] });

    // WHEN
    const pages = await collect(store().queryShard('room/42', 3));

    // THEN the rows name the channel asked for
    expect(pages).toEqual([
      { rows: [{ userId: 'u1', connectionId: 'c1', channel: 'room/42', expiresAt: 2_000 }, { userId: 'u2', connectionId: 'c2', channel: 'room/42' }], lastKey: lek },
      { rows: [{ userId: 'u3', connectionId: 'c3', channel: 'room/42' }] },
    ]);
    expect(ddb).toHaveReceivedNthCommandWith(1, QueryCommand, {
      TableName: 'subscriptions',
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'channel_key', '#c': 'connection_id', '#u': 'user_id', '#t': 'expires_at' },
      ExpressionAttributeValues: { ':k': { S: 'room/42#3' } },
      ProjectionExpression: '#c, #u, #t',
      ExclusiveStartKey: undefined,
      Limit: FIRST_PAGE_ROWS,
    });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { ExclusiveStartKey: lek, Limit: undefined });
  });

  test('from a start key (a follow-up\'s), the first Query starts there', async () => {
    // GIVEN
    const from = { channel_key: { S: 'room/42#3' }, connection_id: { S: 'c7' } };
    ddb.on(QueryCommand).resolves({ Items: [item('c8', 'u8')] });

    // WHEN
    const pages = await collect(store().queryShard('room/42', 3, from));

    // THEN
    expect(pages).toEqual([{ rows: [{ userId: 'u8', connectionId: 'c8', channel: 'room/42' }] }]);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':k': { S: 'room/42#3' } }, ExclusiveStartKey: from, Limit: FIRST_PAGE_ROWS });
  });

  test('a row without its user or its connection is skipped', async () => {
    // GIVEN
    ddb.on(QueryCommand).resolves({ Items: [item('c1'), { user_id: { S: 'u2' } }, item('c3', 'u3')] });

    // WHEN / THEN
    expect(await collect(store().queryShard('room', 0))).toEqual([{ rows: [{ userId: 'u3', connectionId: 'c3', channel: 'room' }] }]);
  });

  test('a failed Query throws (the delivery core hands the rest of the shard on)', async () => {
    ddb.on(QueryCommand).rejects(throttled());
    await expect(collect(store().queryShard('room', 0))).rejects.toThrow('slow down');
  });
});

describe('queryShardPage', () => {
  test('one page from the start key, at most `limit` rows', async () => {
    // GIVEN
    const from = { channel_key: { S: 'room#1' }, connection_id: { S: 'c5' } };
    ddb.on(QueryCommand).resolves({ Items: [item('c6', 'u6')] });

    // WHEN
    const page = await store().queryShardPage('room', 1, from, 7);

    // THEN
    expect(page).toEqual({ rows: [{ userId: 'u6', connectionId: 'c6', channel: 'room' }] });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':k': { S: 'room#1' } }, ExclusiveStartKey: from, Limit: 7 });
  });
});

describe('countUpTo', () => {
  test('COUNT Queries shard by shard, asking only for what is still missing, following LastEvaluatedKey; stops at the limit', async () => {
    // GIVEN shard 0 holds 3 over two pages, shard 1 holds 4
    const lek = { channel_key: { S: 'room#0' }, connection_id: { S: 'c' } };
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':k': { S: 'room#0' } } }).resolvesOnce({ Count: 2, LastEvaluatedKey: lek }).resolves({ Count: 1 });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':k': { S: 'room#1' } } }).resolves({ Count: 2, LastEvaluatedKey: lek });

    // WHEN
    const count = await store().countUpTo('room', 5);

    // THEN shards 2 and 3 are never asked
    expect(count).toBe(5);
    expect(ddb.commandCalls(QueryCommand).map((c) => [c.args[0].input.ExpressionAttributeValues![':k'].S, c.args[0].input.Limit])).toEqual([
      ['room#0', 5], ['room#0', 3], ['room#1', 2],
    ]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'subscriptions', KeyConditionExpression: '#k = :k', ExpressionAttributeNames: { '#k': 'channel_key' }, Select: 'COUNT',
    });
  });

  test('a small channel costs one Query per shard', async () => {
    // GIVEN
    ddb.on(QueryCommand).resolves({ Count: 1 });

    // WHEN / THEN
    expect(await store(4).countUpTo('room', 100)).toBe(4);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 4);
  });
});

describe('prune', () => {
  const keys = (n: number, channel = 'room'): SubscriptionKey[] => Array.from({ length: n }, (_, i) => ({ channel, connectionId: `c${i}` }));
  const itemKey = (key: SubscriptionKey, shards = 4) => ({
    channel_key: { S: channelKey(key.channel, shardOf(key.connectionId, shards)) }, connection_id: { S: key.connectionId },
  });

  test('each key is the channel\'s shard of the connection (`<channel>#<shardOf>`) and the connection id', async () => {
    // GIVEN
    ddb.on(BatchWriteItemCommand).resolves({});
    const [a, b] = [{ channel: 'room/42', connectionId: 'conn-A=' }, { channel: 'lobby', connectionId: 'conn-B=' }];

    // WHEN
    const result = await store(7).prune([a, b]);

    // THEN
    expect(result).toEqual({ deleted: 2, failed: [] });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { subscriptions: [{ DeleteRequest: { Key: itemKey(a, 7) } }, { DeleteRequest: { Key: itemKey(b, 7) } }] },
    });
    // The shard the channels function wrote the row under (FNV-1a of the id, modulo 7): not always 0.
    expect([itemKey(a, 7).channel_key.S, itemKey(b, 7).channel_key.S]).toEqual(['room/42#5', 'lobby#4']);
  });

  test('60 keys with repeats: 25 distinct deletes per BatchWriteItem', async () => {
    // GIVEN
    ddb.on(BatchWriteItemCommand).resolves({});

    // WHEN
    const result = await store().prune([...keys(55), ...keys(5)]);

    // THEN
    expect(result).toEqual({ deleted: 55, failed: [] });
    expect(ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.subscriptions.length)).toEqual([25, 25, 5]);
  });

  test('UnprocessedItems are sent again, only they, with backoff', async () => {
    // GIVEN
    const [first, second] = keys(2);
    const unprocessed = { DeleteRequest: { Key: itemKey(second) } };
    ddb.on(BatchWriteItemCommand).resolvesOnce({ UnprocessedItems: { subscriptions: [unprocessed] } }).resolves({});

    // WHEN
    const result = await store().prune([first, second]);

    // THEN
    expect(result).toEqual({ deleted: 2, failed: [] });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, BatchWriteItemCommand, { RequestItems: { subscriptions: [unprocessed] } });
    expect(sleeps).toHaveLength(1);
  });

  test('UnprocessedItems that never clear are reported failed after the attempts', async () => {
    // GIVEN
    const [first, second] = keys(2);
    ddb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { subscriptions: [{ DeleteRequest: { Key: itemKey(second) } }] } });

    // WHEN
    const result = await store().prune([first, second]);

    // THEN
    expect(result).toEqual({ deleted: 1, failed: [second] });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 3);
  });

  test('a failed call does not throw: its keys are reported with the error; the other chunks still go', async () => {
    // GIVEN the first of two calls fails
    ddb.on(BatchWriteItemCommand).rejectsOnce(throttled()).resolves({});

    // WHEN
    const result = await store().prune(keys(30));

    // THEN
    expect(result).toEqual({ deleted: 5, failed: keys(25), error: 'ProvisionedThroughputExceededException: slow down' });
  });
});
