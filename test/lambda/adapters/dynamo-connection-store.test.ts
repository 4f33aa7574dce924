import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoConnectionStore, FIRST_PAGE_ROWS } from '../../../lambda/adapters/dynamo-connection-store';
import type { ConnectionKey } from '../../../lambda/core/ports/connection-store';
import { connectionItem } from '../support/events';

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
const collect = async <T>(pages: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
};
const keys = (n: number, user = 'u'): ConnectionKey[] => Array.from({ length: n }, (_, i) => ({ userId: user, connectionId: `c${i}` }));

beforeEach(() => ddb.reset());

describe('queryUser', () => {
  test('follows LastEvaluatedKey over pages, reading the keys and TTL only', async () => {
    // GIVEN a user whose rows span two pages
    const lek = { user_id: { S: 'u1' }, connection_id: { S: 'c2' } };
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: [connectionItem('u1', 'c1', 2_000), connectionItem('u1', 'c2')], LastEvaluatedKey: lek })
      .resolvesOnce({ Items: [connectionItem('u1', 'c3')] });

    // WHEN
    const pages = await collect(store().queryUser('u1'));

    // THEN
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

  test('a table without TTL has only the key attributes projected', async () => {
    // GIVEN
    ddb.on(QueryCommand).resolves({ Items: [connectionItem('u1', 'c1', 5)] });
    const noTtl = new DynamoConnectionStore(new DynamoDBClient({ region: 'us-east-1' }), { ...options, ttlAttribute: undefined });

    // WHEN / THEN
    expect(await collect(noTtl.queryUser('u1'))).toEqual([[{ userId: 'u1', connectionId: 'c1' }]]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ProjectionExpression: '#u, #c', ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id' } });
  });

  test('a throttled Query reaches the caller', async () => {
    // GIVEN
    ddb.on(QueryCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));

    // WHEN / THEN
    await expect(collect(store().queryUser('u1'))).rejects.toThrow('slow down');
  });
});

describe('scanSegment', () => {
  test('passes Segment/TotalSegments and follows LastEvaluatedKey', async () => {
    // GIVEN a segment spanning two pages
    const lek = { user_id: { S: 'u1' }, connection_id: { S: 'c1' } };
    ddb.on(ScanCommand)
      .resolvesOnce({ Items: [connectionItem('u1', 'c1')], LastEvaluatedKey: lek })
      .resolvesOnce({ Items: [connectionItem('u2', 'c2')] });

    // WHEN
    const pages = await collect(store().scanSegment(2, 4));

    // THEN
    expect(pages.flatMap((p) => p.rows).map((r) => r.connectionId)).toEqual(['c1', 'c2']);
    expect(pages.map((p) => p.lastKey)).toEqual([lek, undefined]);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, ScanCommand, { Segment: 2, TotalSegments: 4, ProjectionExpression: '#u, #c, #t' });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, ScanCommand, { Segment: 2, TotalSegments: 4, ExclusiveStartKey: lek });
  });

  test(`reads a first page of ${FIRST_PAGE_ROWS} rows, then DynamoDB's own pages (no Limit)`, async () => {
    // GIVEN a segment of three pages
    const lek = (c: string) => ({ user_id: { S: 'u1' }, connection_id: { S: c } });
    ddb.on(ScanCommand)
      .resolvesOnce({ Items: [connectionItem('u1', 'c1')], LastEvaluatedKey: lek('c1') })
      .resolvesOnce({ Items: [connectionItem('u1', 'c2')], LastEvaluatedKey: lek('c2') })
      .resolvesOnce({ Items: [connectionItem('u1', 'c3')] });

    // WHEN
    await collect(store().scanSegment(0, 1));

    // THEN only the first Scan is limited
    expect(ddb.commandCalls(ScanCommand).map((c) => c.args[0].input.Limit)).toEqual([FIRST_PAGE_ROWS, undefined, undefined]);
  });
});

describe('prune', () => {
  test('60 keys with duplicates: 25 distinct deletes per BatchWriteItem', async () => {
    // GIVEN
    ddb.on(BatchWriteItemCommand).resolves({});

    // WHEN
    const result = await store().prune([...keys(60), ...keys(10)]);

    // THEN
    expect(result).toEqual({ deleted: 60, failed: [], error: undefined });
    const sizes = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.connections.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  test('one key: exactly that row is deleted by its full key', async () => {
    // GIVEN
    ddb.on(BatchWriteItemCommand).resolves({});

    // WHEN
    await store().prune([{ userId: 'u9', connectionId: 'gone=' }]);

    // THEN
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { connections: [{ DeleteRequest: { Key: { user_id: { S: 'u9' }, connection_id: { S: 'gone=' } } } }] },
    });
  });

  test('UnprocessedItems: only the unprocessed deletes are sent again', async () => {
    // GIVEN
    const unprocessed = { DeleteRequest: { Key: { user_id: { S: 'u' }, connection_id: { S: 'c1' } } } };
    ddb.on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { connections: [unprocessed] } })
      .resolvesOnce({});

    // WHEN
    const result = await store().prune(keys(3));

    // THEN
    expect(result.deleted).toBe(3);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 2);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, BatchWriteItemCommand, { RequestItems: { connections: [unprocessed] } });
  });

  test('UnprocessedItems that never clear: gives up after maxAttempts and reports them', async () => {
    // GIVEN
    const unprocessed = { DeleteRequest: { Key: { user_id: { S: 'u' }, connection_id: { S: 'c1' } } } };
    ddb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { connections: [unprocessed] } });

    // WHEN
    const result = await store().prune(keys(3));

    // THEN
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteItemCommand, 4);
    expect(result).toMatchObject({ deleted: 2, failed: [{ userId: 'u', connectionId: 'c1' }] });
  });

  test('a throttled BatchWriteItem does not throw: the keys are reported', async () => {
    // GIVEN
    ddb.on(BatchWriteItemCommand).rejects(Object.assign(new Error('slow'), { name: 'ProvisionedThroughputExceededException' }));

    // WHEN
    const result = await store().prune(keys(2));

    // THEN
    expect(result).toMatchObject({ deleted: 0, failed: keys(2), error: 'ProvisionedThroughputExceededException: slow' });
  });
});

describe('scanPage and countUpTo (segmented broadcast)', () => {
  test('a page read from a start key passes Limit and ExclusiveStartKey, returns the next key', async () => {
    // GIVEN a segment with a page after the start key
    const start = { user_id: { S: 'u1' }, connection_id: { S: 'c1' } };
    const next = { user_id: { S: 'u2' }, connection_id: { S: 'c2' } };
    ddb.on(ScanCommand).resolves({ Items: [connectionItem('u2', 'c2', 5)], LastEvaluatedKey: next });

    // WHEN
    const page = await store().scanPage(3, 8, start, 100);

    // THEN
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

  test('the segment\'s last page returns no key', async () => {
    // GIVEN
    ddb.on(ScanCommand).resolves({ Items: [] });

    // WHEN / THEN
    expect(await store().scanPage(0, 1, undefined, 10)).toEqual({ rows: [] });
  });

  test('a COUNT Scan stops as soon as the threshold is reached', async () => {
    // GIVEN a table counted in pages of 600 and 400 rows, and more after them
    const lek = { user_id: { S: 'u' }, connection_id: { S: 'c' } };
    ddb.on(ScanCommand)
      .resolvesOnce({ Count: 600, LastEvaluatedKey: lek })
      .resolvesOnce({ Count: 400, LastEvaluatedKey: lek })
      .resolves({ Count: 1 });

    // WHEN / THEN counting up to a threshold of 1,000
    expect(await store().countUpTo(1_000)).toBe(1_000);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(1, ScanCommand, { Select: 'COUNT', Limit: 1_000 });
    expect(ddb).toHaveReceivedNthCommandWith(2, ScanCommand, { Select: 'COUNT', Limit: 400, ExclusiveStartKey: lek });
  });

  test('a table smaller than the threshold counts its rows', async () => {
    // GIVEN
    ddb.on(ScanCommand).resolves({ Count: 7 });

    // WHEN / THEN
    expect(await store().countUpTo(1_000)).toBe(7);
  });
});
