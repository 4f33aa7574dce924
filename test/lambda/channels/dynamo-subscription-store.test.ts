import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoSubscriptionStore } from '../../../lambda/channels/adapters/dynamo-subscription-store';

const ddb = mockClient(DynamoDBClient);
const store = () => new DynamoSubscriptionStore(new DynamoDBClient({ region: 'us-east-1' }), 'subscriptions');
const key = { channelKey: 'room/42#3', connectionId: 'c1' };
const dynamoKey = { channel_key: { S: 'room/42#3' }, connection_id: { S: 'c1' } };

beforeEach(() => ddb.reset());

test('exists: a consistent GetItem of the key, reading the key only', async () => {
  ddb.on(GetItemCommand).resolvesOnce({ Item: dynamoKey }).resolvesOnce({});
  expect(await store().exists(key)).toBe(true);
  expect(await store().exists(key)).toBe(false);
  expect(ddb).toHaveReceivedCommandWith(GetItemCommand, {
    TableName: 'subscriptions', Key: dynamoKey, ConsistentRead: true, ProjectionExpression: '#c', ExpressionAttributeNames: { '#c': 'connection_id' },
  });
});

describe('countForConnection', () => {
  test('counts on the GSI page by page, asking each page for what is left', async () => {
    // GIVEN three pages of 2, 1 and 0 (filtered pages may count nothing and still continue)
    const lek = (n: number) => ({ connection_id: { S: 'c1' }, channel_key: { S: `k${n}#0` } });
    ddb.on(QueryCommand)
      .resolvesOnce({ Count: 2, LastEvaluatedKey: lek(1) })
      .resolvesOnce({ Count: 0, LastEvaluatedKey: lek(2) })
      .resolvesOnce({ Count: 1 });

    // WHEN / THEN
    expect(await store().countForConnection('c1', 10)).toBe(3);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, QueryCommand, {
      TableName: 'subscriptions',
      IndexName: 'by_connection',
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'connection_id' },
      ExpressionAttributeValues: { ':c': { S: 'c1' } },
      Select: 'COUNT',
      Limit: 10,
      ExclusiveStartKey: undefined,
    });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(2, QueryCommand, { Limit: 8, ExclusiveStartKey: lek(1) });
    expect(ddb).toHaveReceivedNthSpecificCommandWith(3, QueryCommand, { Limit: 8, ExclusiveStartKey: lek(2) });
  });

  test('stops at the limit, whatever is left', async () => {
    ddb.on(QueryCommand).resolves({ Count: 3, LastEvaluatedKey: { connection_id: { S: 'c1' }, channel_key: { S: 'x#0' } } });
    expect(await store().countForConnection('c1', 3)).toBe(3);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
  });

  test('no subscription: 0', async () => {
    ddb.on(QueryCommand).resolves({ Count: 0 });
    expect(await store().countForConnection('c1', 50)).toBe(0);
  });
});

test('put: the row, expires_at a Number', async () => {
  ddb.on(PutItemCommand).resolves({});
  await store().put({ ...key, channel: 'room/42', userId: 'u1', expiresAt: 1_767_232_800 });
  expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
    TableName: 'subscriptions',
    Item: { ...dynamoKey, channel: { S: 'room/42' }, user_id: { S: 'u1' }, expires_at: { N: '1767232800' } },
  });
  expect(ddb.commandCalls(PutItemCommand)[0].args[0].input.ConditionExpression).toBeUndefined();
});

test('delete: DeleteItem of the key, unconditional, answering what the row was', async () => {
  ddb.on(DeleteItemCommand).resolves({});
  await expect(store().delete(key)).resolves.toBeUndefined();
  expect(ddb.commandCalls(DeleteItemCommand)[0].args[0].input).toEqual({ TableName: 'subscriptions', Key: dynamoKey, ReturnValues: 'ALL_OLD' });
  ddb.on(DeleteItemCommand).resolves({ Attributes: { ...dynamoKey, user_id: { S: 'u1' }, presence: { BOOL: true } } });
  await expect(store().delete(key)).resolves.toEqual({ userId: 'u1', presence: true });
  ddb.on(DeleteItemCommand).resolves({ Attributes: { ...dynamoKey, user_id: { S: 'u1' } } });
  await expect(store().delete(key)).resolves.toEqual({ userId: 'u1', presence: false });
});

test('DynamoDB errors reach the caller', async () => {
  ddb.onAnyCommand().rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  await expect(store().exists(key)).rejects.toThrow('throttled');
  await expect(store().countForConnection('c1', 5)).rejects.toThrow('throttled');
  await expect(store().put({ ...key, channel: 'room/42', userId: 'u1', expiresAt: 1 })).rejects.toThrow('throttled');
  await expect(store().delete(key)).rejects.toThrow('throttled');
});
