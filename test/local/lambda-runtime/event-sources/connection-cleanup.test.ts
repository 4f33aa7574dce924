import * as path from 'node:path';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { LocalDynamoDb } from '../../../../local/aws/dynamodb/local-dynamodb';
import { StreamRecorder } from '../../../../local/aws/dynamodb/stream-recorder';
import { TtlSweeper } from '../../../../local/aws/dynamodb/ttl-sweeper';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from '../../../../local/identity';
import { StreamEventSource } from '../../../../local/lambda-runtime/event-sources/stream-event-source';
import { FunctionRunner } from '../../../../local/lambda-runtime/function-runner';

// The chain the local stack runs for channels' cleanup, from the bundle the package ships: writes to the connections
// table through the stream recorder, the TTL sweeper, the stream event source, the connection stream function deleting
// the subscriptions of a connection whose row went ($disconnect's DeleteItem, or its TTL).

const BUNDLE = path.join(__dirname, '..', '..', '..', '..', 'assets', 'lambda', 'connection-stream.lambda', 'index.js');
const CONNECTIONS_KEYS = [{ AttributeName: 'user_id', KeyType: 'HASH' }, { AttributeName: 'connection_id', KeyType: 'RANGE' }];

let dynamodb: LocalDynamoDb;
let recorder: StreamRecorder;
let sweeper: TtlSweeper;
let runner: FunctionRunner;
let source: StreamEventSource;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamodb = await LocalDynamoDb.start();
  await dynamodb.createTable({
    tableName: 'connections',
    keySchema: CONNECTIONS_KEYS,
    attributeDefinitions: [{ AttributeName: 'user_id', AttributeType: 'S' }, { AttributeName: 'connection_id', AttributeType: 'S' }],
  });
  await dynamodb.client.send(new CreateTableCommand({
    TableName: 'subscriptions',
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'channel_key', KeyType: 'HASH' }, { AttributeName: 'connection_id', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'channel_key', AttributeType: 'S' }, { AttributeName: 'connection_id', AttributeType: 'S' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'by_connection',
      KeySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }, { AttributeName: 'channel_key', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    }],
  }));
  recorder = await StreamRecorder.start(dynamodb.endpoint, { tables: [{ tableName: 'connections', keySchema: CONNECTIONS_KEYS }] });
  sweeper = new TtlSweeper({ recorder, tables: [{ tableName: 'connections', keySchema: CONNECTIONS_KEYS, ttlAttribute: 'expires_at' }], intervalMs: 100 });
  sweeper.start();
  runner = await FunctionRunner.load({
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'ConnectionStreamFunction',
    SUBSCRIPTIONS_TABLE_NAME: 'subscriptions',
    CONNECTION_ID_ATTRIBUTE: 'connection_id',
  }, BUNDLE);
  // As the construct maps it: partial batch failures, bisection, 10 retries
  source = new StreamEventSource({
    stream: recorder.stream('connections')!, runner, batchSize: 100, reportBatchItemFailures: true, bisectBatchOnFunctionError: true, maximumRetryAttempts: 10,
  });
  source.start();
  client = new DynamoDBClient(localClientConfig(recorder.endpoint));
}, 30_000);
afterAll(async () => {
  await source?.stop();
  await runner?.stop();
  await sweeper?.stop();
  client?.destroy();
  await recorder?.stop();
  await dynamodb?.stop();
});

const connect = (userId: string, connectionId: string, expiresAt: number) => client.send(new PutItemCommand({
  TableName: 'connections', Item: { user_id: { S: userId }, connection_id: { S: connectionId }, expires_at: { N: String(expiresAt) } },
}));
async function subscribe(connectionId: string, channels: number): Promise<void> {
  for (let i = 0; i < channels; i++) {
    await client.send(new PutItemCommand({ TableName: 'subscriptions', Item: { channel_key: { S: `room/${i}#0` }, connection_id: { S: connectionId } } }));
  }
}
const subscriptionsOf = async (connectionId: string) => (await client.send(new QueryCommand({
  TableName: 'subscriptions', IndexName: 'by_connection', KeyConditionExpression: 'connection_id = :c', ExpressionAttributeValues: { ':c': { S: connectionId } },
}))).Count;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

test('a $disconnect\'s DeleteItem removes the connection\'s 30 subscriptions; the others stay', async () => {
  // GIVEN two connections with subscriptions
  await connect('u1', 'gone', inAnHour());
  await connect('u2', 'stays', inAnHour());
  await subscribe('gone', 30);
  await subscribe('stays', 2);

  // WHEN one row is deleted, as $disconnect's integration does
  await client.send(new DeleteItemCommand({ TableName: 'connections', Key: { user_id: { S: 'u1' }, connection_id: { S: 'gone' } } }));
  await source.drained();

  // THEN its subscriptions are gone, the other's are not; the function said so in its batch line
  expect(await subscriptionsOf('gone')).toBe(0);
  expect(await subscriptionsOf('stays')).toBe(2);
  const lines = source.invocations.flatMap((i) => i.invocation.json).filter((l) => l.message === 'stream batch processed');
  expect(lines).toContainEqual(expect.objectContaining({ removals: 1, subscriptionsDeleted: 30, failures: 0 }));
  expect(source.invocations.every((i) => !i.invocation.error && i.invocation.result?.batchItemFailures?.length === 0)).toBe(true);
}, 30_000);

test('a row whose TTL passes is deleted by the sweeper, and its subscriptions follow', async () => {
  // GIVEN a connection whose row expires in a second
  await connect('u3', 'expiring', Math.floor(Date.now() / 1000) + 1);
  await subscribe('expiring', 3);

  // WHEN its TTL passes
  const deadline = Date.now() + 10_000;
  while ((await subscriptionsOf('expiring')) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await source.drained();

  // THEN the removal came from the TTL process and the cleanup handled it
  expect(await subscriptionsOf('expiring')).toBe(0);
  const removal = source.invocations.flatMap((i) => i.records).find((r) => r.eventName === 'REMOVE' && r.dynamodb?.Keys?.connection_id.S === 'expiring');
  expect(removal?.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  expect(source.invocations.flatMap((i) => i.invocation.json)).toContainEqual(expect.objectContaining({ message: 'stream batch processed', ttlRemovals: 1, subscriptionsDeleted: 3 }));
}, 30_000);
