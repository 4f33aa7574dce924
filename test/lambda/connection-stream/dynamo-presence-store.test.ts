import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoPresenceStore } from '../../../lambda/connection-stream/adapters/dynamo-presence-store';

const ddb = mockClient(DynamoDBClient);
const store = () => new DynamoPresenceStore(new DynamoDBClient({ region: 'us-east-1' }), 'presence');
const key = { presence_key: { S: 'user#alice' }, user_id: { S: 'alice' } };

beforeEach(() => ddb.reset());

describe('get', () => {
  test('a consistent GetItem of the user\'s key; the row read back', async () => {
    ddb.on(GetItemCommand).resolves({ Item: { ...key, state: { S: 'leaving' }, version: { N: '17' }, token: { S: 'ev-1' } } });
    expect(await store().get('alice')).toEqual({ state: 'leaving', version: 17, token: 'ev-1' });
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'presence', Key: key, ConsistentRead: true });
  });

  test('no row: undefined; an emitted offline row with its expiry', async () => {
    ddb.on(GetItemCommand).resolvesOnce({}).resolvesOnce({ Item: { ...key, state: { S: 'offline' }, version: { N: '3' }, expires_at: { N: '99' } } });
    expect(await store().get('alice')).toBeUndefined();
    expect(await store().get('alice')).toEqual({ state: 'offline', version: 3, expiresAt: 99 });
  });

  test('a row this code did not write (unknown state, no version) throws: never guessed at', async () => {
    ddb.on(GetItemCommand).resolvesOnce({ Item: { ...key, state: { S: 'away' }, version: { N: '1' } } }).resolvesOnce({ Item: { ...key, state: { S: 'online' } } });
    await expect(store().get('alice')).rejects.toThrow("the presence row of user 'alice' is malformed (state away");
    await expect(store().get('alice')).rejects.toThrow('malformed');
  });
});

describe('replace', () => {
  test('in place of no row: PutItem if the key does not exist', async () => {
    ddb.on(PutItemCommand).resolves({});
    expect(await store().replace('alice', { state: 'online', version: 5 }, undefined)).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'presence',
      Item: { ...key, state: { S: 'online' }, version: { N: '5' } },
      ConditionExpression: 'attribute_not_exists(#k)',
      ExpressionAttributeNames: { '#k': 'presence_key' },
    });
    expect(ddb.commandCalls(PutItemCommand)[0].args[0].input).not.toHaveProperty('ExpressionAttributeValues');
  });

  test('in place of a leaving row: the same state, version and token; the token and expiry written when given', async () => {
    ddb.on(PutItemCommand).resolves({});
    await store().replace('alice', { state: 'offline', version: 6, token: 'ev-1' }, { state: 'leaving', version: 5, token: 'ev-1' });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: { ...key, state: { S: 'offline' }, version: { N: '6' }, token: { S: 'ev-1' } },
      ConditionExpression: '#s = :s AND #v = :v AND #t = :t',
      ExpressionAttributeNames: { '#s': 'state', '#v': 'version', '#t': 'token' },
      ExpressionAttributeValues: { ':s': { S: 'leaving' }, ':v': { N: '5' }, ':t': { S: 'ev-1' } },
    });
    await store().replace('alice', { state: 'offline', version: 6, expiresAt: 1000 }, { state: 'online', version: 5 });
    expect(ddb).toHaveReceivedNthCommandWith(2, PutItemCommand, {
      Item: { ...key, state: { S: 'offline' }, version: { N: '6' }, expires_at: { N: '1000' } },
      ConditionExpression: '#s = :s AND #v = :v AND attribute_not_exists(#t)',
      ExpressionAttributeValues: { ':s': { S: 'online' }, ':v': { N: '5' } },
    });
  });

  test('a failed condition is false; any other error throws', async () => {
    ddb.on(PutItemCommand)
      .rejectsOnce(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }))
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    expect(await store().replace('alice', { state: 'online', version: 1 }, undefined)).toBe(false);
    await expect(store().replace('alice', { state: 'online', version: 1 }, undefined)).rejects.toThrow('slow down');
  });
});
