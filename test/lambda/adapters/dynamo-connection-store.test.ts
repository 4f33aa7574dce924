import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoConnectionStore } from '../../../lambda/adapters/dynamo-connection-store';
import type { ConnectionKey } from '../../../lambda/core/ports/connection-store';

const ddb = mockClient(DynamoDBClient);
const options = {
  tableName: 'connections',
  userIdAttribute: 'user_id',
  connectionIdAttribute: 'connection_id',
  ttlAttribute: 'expires_at',
  unprocessedRetry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 100 },
  sleep: async () => {},
};
const store = () => new DynamoConnectionStore(new DynamoDBClient({ region: 'us-east-1' }), options);
const item = (user: string, connection: string, ttl?: number) => ({
  user_id: { S: user }, connection_id: { S: connection }, ...(ttl === undefined ? {} : { expires_at: { N: String(ttl) } }),
});
const collect = async <T>(pages: AsyncIterable<T[]>) => {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
};
const keys = (n: number, user = 'u'): ConnectionKey[] => Array.from({ length: n }, (_, i) => ({ userId: user, connectionId: `c${i}` }));

beforeEach(() => ddb.reset());

describe('queryUser', () => {
  test('GIVEN a user whose rows span two pages WHEN queried THEN it follows LastEvaluatedKey, keys and TTL only', async () => {
    const lek = { user_id: { S: 'u1' }, connection_id: { S: 'c2' } };
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: [item('u1', 'c1', 2_000), item('u1', 'c2')], LastEvaluatedKey: lek })
      .resolvesOnce({ Items: [item('u1', 'c3')] });
    const pages = await collect(store().queryUser('u1'));
    expect(pages).toEqual([
      [{ userId: 'u1', connectionId: 'c1', expiresAt: 2_000 }, { userId: 'u1', connectionId: 'c2' }],
      [{ userId: 'u1', connectionId: 'c3' }],
    ]);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, QueryCommand, {
      TableName: 'connections',
      KeyConditionExpression: '#u = :u',
      ExpressionAttributeValues: { ':u': { S: 'u1' } },
      ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id', '#t': 'expires_at' },
      ProjectionExpression: '#u, #c, #t',
      ExclusiveStartKey: undefined,
    });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { ExclusiveStartKey: lek });
  });

  test('GIVEN a table without TTL WHEN queried THEN only the key attributes are projected', async () => {
    ddb.on(QueryCommand).resolves({ Items: [item('u1', 'c1', 5)] });
    const noTtl = new DynamoConnectionStore(new DynamoDBClient({ region: 'us-east-1' }), { ...options, ttlAttribute: undefined });
    expect(await collect(noTtl.queryUser('u1'))).toEqual([[{ userId: 'u1', connectionId: 'c1' }]]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ProjectionExpression: '#u, #c', ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id' } });
  });

  test('GIVEN DynamoDB throttles the Query WHEN queried THEN the error reaches the caller', async () => {
    ddb.on(QueryCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(collect(store().queryUser('u1'))).rejects.toThrow('slow down');
  });
});

describe('scanSegment', () => {
  test('GIVEN a segment spanning two pages WHEN scanned THEN it passes Segment/TotalSegments and follows LastEvaluatedKey', async () => {
    const lek = { user_id: { S: 'u1' }, connection_id: { S: 'c1' } };
    ddb.on(ScanCommand)
      .resolvesOnce({ Items: [item('u1', 'c1')], LastEvaluatedKey: lek })
      .resolvesOnce({ Items: [item('u2', 'c2')] });
    const pages = await collect(store().scanSegment(2, 4));
    expect(pages.flat().map((r) => r.connectionId)).toEqual(['c1', 'c2']);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, ScanCommand, { Segment: 2, TotalSegments: 4, ProjectionExpression: '#u, #c, #t' });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, ScanCommand, { Segment: 2, TotalSegments: 4, ExclusiveStartKey: lek });
  });
});

describe('prune', () => {
  test('GIVEN 60 keys with duplicates WHEN pruned THEN 25 distinct deletes per BatchWriteItem', async () => {
    ddb.on(BatchWriteItemCommand).resolves({});
    const result = await store().prune([...keys(60), ...keys(10)]);
    expect(result).toEqual({ deleted: 60, failed: [], error: undefined });
    const sizes = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.connections.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  test('GIVEN one key WHEN pruned THEN exactly that row is deleted by its full key', async () => {
    ddb.on(BatchWriteItemCommand).resolves({});
    await store().prune([{ userId: 'u9', connectionId: 'gone=' }]);
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { connections: [{ DeleteRequest: { Key: { user_id: { S: 'u9' }, connection_id: { S: 'gone=' } } } }] },
    });
  });

  test('GIVEN UnprocessedItems WHEN pruned THEN only the unprocessed deletes are sent again', async () => {
    const unprocessed = { DeleteRequest: { Key: { user_id: { S: 'u' }, connection_id: { S: 'c1' } } } };
    ddb.on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { connections: [unprocessed] } })
      .resolvesOnce({});
    const result = await store().prune(keys(3));
    expect(result.deleted).toBe(3);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 2);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, BatchWriteItemCommand, { RequestItems: { connections: [unprocessed] } });
  });

  test('GIVEN UnprocessedItems that never clear WHEN pruned THEN it gives up after maxAttempts and reports them', async () => {
    const unprocessed = { DeleteRequest: { Key: { user_id: { S: 'u' }, connection_id: { S: 'c1' } } } };
    ddb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { connections: [unprocessed] } });
    const result = await store().prune(keys(3));
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 4);
    expect(result).toMatchObject({ deleted: 2, failed: [{ userId: 'u', connectionId: 'c1' }] });
  });

  test('GIVEN BatchWriteItem throttled WHEN pruned THEN it does not throw and reports the keys', async () => {
    ddb.on(BatchWriteItemCommand).rejects(Object.assign(new Error('slow'), { name: 'ProvisionedThroughputExceededException' }));
    const result = await store().prune(keys(2));
    expect(result).toMatchObject({ deleted: 0, failed: keys(2), error: 'ProvisionedThroughputExceededException: slow' });
  });
});

describe('scanPage and countUpTo (segmented broadcast)', () => {
  test('GIVEN a segment WHEN a page is read from a start key THEN Limit and ExclusiveStartKey are passed and the next key returned', async () => {
    const start = { user_id: { S: 'u1' }, connection_id: { S: 'c1' } };
    const next = { user_id: { S: 'u2' }, connection_id: { S: 'c2' } };
    ddb.on(ScanCommand).resolves({ Items: [item('u2', 'c2', 5)], LastEvaluatedKey: next });
    const page = await store().scanPage(3, 8, start, 100);
    expect(page).toEqual({ rows: [{ userId: 'u2', connectionId: 'c2', expiresAt: 5 }], lastKey: next });
    expect(ddb).toHaveReceivedCommandWith(ScanCommand, {
      TableName: 'connections',
      Segment: 3,
      TotalSegments: 8,
      ExclusiveStartKey: start,
      Limit: 100,
      ProjectionExpression: '#u, #c, #t',
    });
  });

  test('GIVEN the segment\'s last page THEN no key is returned', async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    expect(await store().scanPage(0, 1, undefined, 10)).toEqual({ rows: [] });
  });

  test('GIVEN a threshold WHEN counting THEN a COUNT Scan stops as soon as the threshold is reached', async () => {
    const lek = { user_id: { S: 'u' }, connection_id: { S: 'c' } };
    ddb.on(ScanCommand)
      .resolvesOnce({ Count: 600, LastEvaluatedKey: lek })
      .resolvesOnce({ Count: 400, LastEvaluatedKey: lek })
      .resolves({ Count: 1 });
    expect(await store().countUpTo(1_000)).toBe(1_000);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(1, ScanCommand, { Select: 'COUNT', Limit: 1_000 });
    expect(ddb).toHaveReceivedNthCommandWith(2, ScanCommand, { Select: 'COUNT', Limit: 400, ExclusiveStartKey: lek });
  });

  test('GIVEN a table smaller than the threshold THEN its row count', async () => {
    ddb.on(ScanCommand).resolves({ Count: 7 });
    expect(await store().countUpTo(1_000)).toBe(7);
  });
});
