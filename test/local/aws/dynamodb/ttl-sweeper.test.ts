import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalDynamoDb } from '../../../../local/aws/dynamodb/local-dynamodb';
import { TTL_IDENTITY } from '../../../../local/aws/dynamodb/local-stream';
import { StreamRecorder } from '../../../../local/aws/dynamodb/stream-recorder';
import { TtlSweeper } from '../../../../local/aws/dynamodb/ttl-sweeper';
import { localClientConfig } from '../../../../local/identity';

// DynamoDB's TTL emulated on dynalite: expired Number TTLs are deleted through the recorder, and their REMOVE records
// carry DynamoDB's service identity; anything else stays.

const KEY_SCHEMA = [{ AttributeName: 'id', KeyType: 'HASH' }];
const NOW_MS = Date.UTC(2030, 0, 1);
const NOW = NOW_MS / 1000;

let dynamodb: LocalDynamoDb;
let recorder: StreamRecorder;
let client: DynamoDBClient;
let n = 0;
let tableName: string;
beforeAll(async () => {
  dynamodb = await LocalDynamoDb.start();
  recorder = await StreamRecorder.start(dynamodb.endpoint);
  client = new DynamoDBClient(localClientConfig(recorder.endpoint));
});
beforeEach(async () => {
  tableName = `ttl-${++n}`;
  await dynamodb.createTable({ tableName, keySchema: KEY_SCHEMA, attributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] });
});
afterAll(async () => {
  client?.destroy();
  await recorder?.stop();
  await dynamodb?.stop();
});
const put = (id: string, ttl?: { N: string } | { S: string }) =>
  client.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: id }, ...(ttl ? { expires_at: ttl } : {}) } }));
const ids = async () => ((await client.send(new ScanCommand({ TableName: tableName }))).Items ?? []).map((i) => i.id.S).sort();
const sweeper = (now: () => number, intervalMs?: number) => new TtlSweeper({ recorder, tables: [{ tableName, keySchema: KEY_SCHEMA, ttlAttribute: 'expires_at' }], now, intervalMs });

test('a sweep deletes only Number TTLs that have passed, within five years, with DynamoDB\'s service identity', async () => {
  // GIVEN a recorded table with every kind of TTL
  const stream = recorder.record({ tableName, keySchema: KEY_SCHEMA });
  await put('expired', { N: String(NOW - 1) });
  await put('expired-fraction', { N: String(NOW - 0.5) });
  await put('future', { N: String(NOW + 60) });
  await put('now', { N: String(NOW) });
  await put('string', { S: String(NOW - 60) });
  await put('absent');
  await put('ancient', { N: String(NOW - 6 * 365 * 24 * 3600) });
  await put('milliseconds', { N: String(NOW_MS - 1000) });

  // WHEN
  const deleted = await sweeper(() => NOW_MS).sweep();

  // THEN the two expired ones are gone, each with a REMOVE record of the TTL service
  expect(deleted).toBe(2);
  expect(await ids()).toEqual(['absent', 'ancient', 'future', 'milliseconds', 'now', 'string']);
  const removals = stream.records().filter((r) => r.eventName === 'REMOVE');
  expect(removals.map((r) => [r.dynamodb.Keys.id.S, r.userIdentity]).sort()).toEqual([['expired', TTL_IDENTITY], ['expired-fraction', TTL_IDENTITY]]);
  expect(removals.find((r) => r.dynamodb.Keys.id.S === 'expired')!.dynamodb.OldImage).toEqual({ id: { S: 'expired' }, expires_at: { N: String(NOW - 1) } });
  // the application's own writes carry no identity
  expect(stream.records().filter((r) => r.eventName === 'INSERT').every((r) => r.userIdentity === undefined)).toBe(true);
});

test('started, it sweeps every intervalMs: an item goes once its TTL passes', async () => {
  // GIVEN a clock the test moves, and a sweeper every 50 ms
  let now = NOW_MS;
  const stream = recorder.record({ tableName, keySchema: KEY_SCHEMA });
  await put('soon', { N: String(NOW + 10) });
  const running = sweeper(() => now, 50);
  running.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await ids()).toEqual(['soon']);

    // WHEN its time passes
    now = NOW_MS + 11_000;
    const deadline = Date.now() + 5_000;
    while ((await ids()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await running.stop();
  }

  // THEN it was deleted, once, by the TTL process
  expect(await ids()).toEqual([]);
  expect(stream.records().filter((r) => r.eventName === 'REMOVE').map((r) => r.userIdentity)).toEqual([TTL_IDENTITY]);
});

test('the delete is conditional: an item whose TTL moved on before the delete stays, and no record is written', async () => {
  const stream = recorder.record({ tableName, keySchema: KEY_SCHEMA });
  await put('renewed', { N: String(NOW - 1) });
  await client.send(new UpdateItemCommand({ TableName: tableName, Key: { id: { S: 'renewed' } }, UpdateExpression: 'SET expires_at = :later', ExpressionAttributeValues: { ':later': { N: String(NOW + 3600) } } }));
  const gone = await recorder.deleteItem(tableName, { id: { S: 'renewed' } }, {
    conditionExpression: '#ttl < :now', expressionAttributeNames: { '#ttl': 'expires_at' }, expressionAttributeValues: { ':now': { N: String(NOW) } }, userIdentity: TTL_IDENTITY,
  });
  expect(gone).toBe(false);
  expect((await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: 'renewed' } } }))).Item).toBeDefined();
  expect(stream.records().map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
});

test('a table that is not recorded is swept all the same (no stream)', async () => {
  await put('expired', { N: String(NOW - 1) });
  expect(await sweeper(() => NOW_MS).sweep()).toBe(1);
  expect(await ids()).toEqual([]);
  expect(recorder.stream(tableName)).toBeUndefined();
});
