import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoConnectionDirectory } from '../../../lambda/connection-stream/adapters/dynamo-connection-directory';
import { DynamoPresenceStore } from '../../../lambda/connection-stream/adapters/dynamo-presence-store';
import { createTable, startDynalite } from '../support/dynalite';

// The presence store's conditions and the live-connection Query against a DynamoDB engine (dynalite): every
// expression is accepted (no unused name or value), and each condition holds or fails as the core expects.

let client: DynamoDBClient;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ client, close } = await startDynalite());
  await createTable(client, 'presence', 'presence_key', 'user_id');
  await createTable(client, 'connections', 'user_id', 'connection_id');
});
afterAll(async () => close?.());

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
