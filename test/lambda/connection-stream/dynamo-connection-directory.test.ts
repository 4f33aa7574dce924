import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoConnectionDirectory } from '../../../lambda/connection-stream/adapters/dynamo-connection-directory';
import { SqsCheckQueue } from '../../../lambda/connection-stream/adapters/sqs-check-queue';

const ddb = mockClient(DynamoDBClient);
const directory = (ttlAttribute: string | undefined) => new DynamoConnectionDirectory(new DynamoDBClient({ region: 'us-east-1' }), {
  tableName: 'connections', userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', ttlAttribute,
});
const row = (id: string, expiresAt?: number) => ({
  connection_id: { S: id },
  ...(expiresAt === undefined ? {} : { expires_at: { N: String(expiresAt) } }),
});

beforeEach(() => ddb.reset());

test('a consistent Query of the user\'s rows, keys and TTL projected', async () => {
  ddb.on(QueryCommand).resolves({ Items: [row('c1', 2000)] });
  expect(await directory('expires_at').hasLiveConnection('alice', { nowSeconds: 1000 })).toBe(true);
  expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
    TableName: 'connections',
    KeyConditionExpression: '#u = :u',
    ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id', '#t': 'expires_at' },
    ExpressionAttributeValues: { ':u': { S: 'alice' } },
    ProjectionExpression: '#c, #t',
    ConsistentRead: true,
  });
});

test('an expired row (TTL now or past) and the excluded connection are not live; a row without a TTL is', async () => {
  ddb.on(QueryCommand).resolves({ Items: [row('past', 999), row('now', 1000), row('gone', 5000)] });
  expect(await directory('expires_at').hasLiveConnection('alice', { excluding: 'gone', nowSeconds: 1000 })).toBe(false);
  ddb.on(QueryCommand).resolves({ Items: [row('past', 999), row('no-ttl')] });
  expect(await directory('expires_at').hasLiveConnection('alice', { nowSeconds: 1000 })).toBe(true);
});

test('pages are read until a live row is found, from the last key', async () => {
  ddb.on(QueryCommand)
    .resolvesOnce({ Items: [row('past', 1)], LastEvaluatedKey: { user_id: { S: 'alice' }, connection_id: { S: 'past' } } })
    .resolvesOnce({ Items: [row('live', 5000)], LastEvaluatedKey: { user_id: { S: 'alice' }, connection_id: { S: 'live' } } })
    .resolves({ Items: [] });
  expect(await directory('expires_at').hasLiveConnection('alice', { nowSeconds: 1000 })).toBe(true);
  expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  expect(ddb).toHaveReceivedNthCommandWith(2, QueryCommand, { ExclusiveStartKey: { user_id: { S: 'alice' }, connection_id: { S: 'past' } } });
});

test('a table without TTL: every row is live, only the connection id projected', async () => {
  ddb.on(QueryCommand).resolves({ Items: [row('old', 1)] });
  expect(await directory(undefined).hasLiveConnection('alice', { nowSeconds: 1000 })).toBe(true);
  expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ProjectionExpression: '#c', ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id' } });
});

test('the check queue: one SendMessage, delayed by the grace period; a failure throws', async () => {
  const sqs = mockClient(SQSClient);
  sqs.on(SendMessageCommand).resolvesOnce({ MessageId: 'm1' }).rejects(new Error('queue gone'));
  const queue = new SqsCheckQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.us-east-1.amazonaws.com/1/checks');
  await queue.send({ userId: 'alice', token: 'ev-1' }, 30);
  expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
    QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/checks', MessageBody: '{"userId":"alice","token":"ev-1"}', DelaySeconds: 30,
  });
  await expect(queue.send({ userId: 'alice', token: 'ev-2' }, 30)).rejects.toThrow('queue gone');
  sqs.restore();
});
