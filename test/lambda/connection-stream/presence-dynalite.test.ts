/// <reference path="../../../local/aws/dynamodb/dynalite.d.ts" />
import type { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoConnectionDirectory } from '../../../lambda/connection-stream/adapters/dynamo-connection-directory';
import { DynamoPresenceStore } from '../../../lambda/connection-stream/adapters/dynamo-presence-store';

// The presence store's conditions and the live-connection Query against a DynamoDB engine (dynalite): every
// expression is accepted (no unused name or value), and each condition holds or fails as the core expects.

let server: ReturnType<typeof dynalite>;
let client: DynamoDBClient;
beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(new CreateTableCommand({
    TableName: 'presence',
    KeySchema: [{ AttributeName: 'presence_key', KeyType: 'HASH' }, { AttributeName: 'user_id', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'presence_key', AttributeType: 'S' }, { AttributeName: 'user_id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new CreateTableCommand({
    TableName: 'connections',
    KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }, { AttributeName: 'connection_id', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'user_id', AttributeType: 'S' }, { AttributeName: 'connection_id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});
afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

test('a user\'s row through its states: each write holds only on the row as read', async () => {
  const store = new DynamoPresenceStore(client, 'presence');
  expect(await store.get('alice')).toBeUndefined();

  // absent -> online; a second "absent" write fails
  expect(await store.replace('alice', { state: 'online', version: 10 }, undefined)).toBe(true);
  expect(await store.replace('alice', { state: 'online', version: 11 }, undefined)).toBe(false);
  const online = await store.get('alice');
  expect(online).toEqual({ state: 'online', version: 10 });

  // online -> leaving (token); a stale "online" write then fails
  expect(await store.replace('alice', { state: 'leaving', version: 10, token: 'ev-1' }, online)).toBe(true);
  expect(await store.replace('alice', { state: 'leaving', version: 10, token: 'ev-2' }, online)).toBe(false);
  const leaving = await store.get('alice');
  expect(leaving).toEqual({ state: 'leaving', version: 10, token: 'ev-1' });

  // leaving with another token does not match; with its own it does
  expect(await store.replace('alice', { state: 'offline', version: 11, token: 'ev-9' }, { ...leaving!, token: 'ev-9' })).toBe(false);
  expect(await store.replace('alice', { state: 'offline', version: 11, token: 'ev-1' }, leaving)).toBe(true);

  // offline + token -> emitted (no token, an expiry): the token is gone from the row
  const offline = await store.get('alice');
  expect(await store.replace('alice', { state: 'offline', version: 11, expiresAt: 2_000_000_000 }, offline)).toBe(true);
  expect(await store.get('alice')).toEqual({ state: 'offline', version: 11, expiresAt: 2_000_000_000 });
  // a row without a token is matched by "no token" only
  expect(await store.replace('alice', { state: 'online', version: 12 }, { state: 'offline', version: 11, token: 'ev-1' })).toBe(false);
  expect(await store.replace('alice', { state: 'online', version: 12 }, { state: 'offline', version: 11 })).toBe(true);
  expect(await store.get('alice')).toEqual({ state: 'online', version: 12 });
});

test('live connections: the excluded one and expired rows are not live; a row without a TTL is', async () => {
  const directory = new DynamoConnectionDirectory(client, {
    tableName: 'connections', userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', ttlAttribute: 'expires_at',
  });
  const put = (user: string, id: string, expiresAt?: number) => client.send(new PutItemCommand({
    TableName: 'connections',
    Item: { user_id: { S: user }, connection_id: { S: id }, ...(expiresAt === undefined ? {} : { expires_at: { N: String(expiresAt) } }) },
  }));
  await put('bob', 'expired', 999);
  await put('bob', 'removed', 5000);
  expect(await directory.hasLiveConnection('bob', { excluding: 'removed', nowSeconds: 1000 })).toBe(false);
  expect(await directory.hasLiveConnection('bob', { nowSeconds: 1000 })).toBe(true);
  await put('carol', 'no-ttl');
  expect(await directory.hasLiveConnection('carol', { nowSeconds: 1000 })).toBe(true);
  expect(await directory.hasLiveConnection('nobody', { nowSeconds: 1000 })).toBe(false);
});
