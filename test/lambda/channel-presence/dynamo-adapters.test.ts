import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoConnectionStore } from '../../../lambda/adapters/dynamo-connection-store';
import { DynamoMemberStore, MEMBER_TTL_MARGIN_SECONDS } from '../../../lambda/channel-presence/adapters/dynamo-member-store';
import { DynamoSubscribedConnections } from '../../../lambda/channel-presence/adapters/dynamo-subscribed-connections';
import { DynamoConnectionDirectory } from '../../../lambda/connection-stream/adapters/dynamo-connection-directory';
import { channelKey, shardOf } from '../../../src/shared/channels';
import { createTable, startDynalite } from '../support/dynalite';

// Channel presence's DynamoDB adapters against a DynamoDB engine (dynalite): every expression is accepted (no unused
// name or value), each condition holds or fails as the core expects, and the reads find what the tables hold.

let client: DynamoDBClient;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ client, close } = await startDynalite());
  await createTable(client, 'presence', 'presence_key', 'user_id');
  await createTable(client, 'connections', 'user_id', 'connection_id');
  await createTable(client, 'subscriptions', 'channel_key', 'connection_id');
});
afterAll(async () => close?.());

const SHARDS = 4;
const directory = () => new DynamoConnectionDirectory(client, {
  tableName: 'connections', userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', ttlAttribute: 'expires_at',
});
const putConnection = (user: string, id: string, expiresAt?: number) => client.send(new PutItemCommand({
  TableName: 'connections',
  Item: { user_id: { S: user }, connection_id: { S: id }, ...(expiresAt === undefined ? {} : { expires_at: { N: String(expiresAt) } }) },
}));
const putSubscription = (channel: string, id: string, user: string, shard = shardOf(id, SHARDS)) => client.send(new PutItemCommand({
  TableName: 'subscriptions',
  Item: { channel_key: { S: channelKey(channel, shard) }, connection_id: { S: id }, channel: { S: channel }, user_id: { S: user }, expires_at: { N: '5000' } },
}));

describe('DynamoMemberStore', () => {
  const store = () => new DynamoMemberStore(client, 'presence');

  test('a member\'s row through its states: each write holds only on the row as read (state, version, token)', async () => {
    const s = store();
    expect(await s.get('room/1', 'alice')).toBeUndefined();

    // absent -> joined; a second "absent" write fails
    const joined = { state: 'joined', version: 10, expiresAt: 5000 } as const;
    expect(await s.replace('room/1', 'alice', joined, undefined)).toBe(true);
    expect(await s.replace('room/1', 'alice', joined, undefined)).toBe(false);
    expect(await s.get('room/1', 'alice')).toEqual(joined);
    // the table's TTL removes it a day after it stops being listed
    const raw = await client.send(new GetItemCommand({ TableName: 'presence', Key: { presence_key: { S: 'channel#room/1' }, user_id: { S: 'alice' } } }));
    expect(raw.Item?.expires_at).toEqual({ N: String(5000 + MEMBER_TTL_MARGIN_SECONDS) });
    // the same user in another channel is another row
    expect(await s.get('room/2', 'alice')).toBeUndefined();

    // joined, written again with a later version: a write expecting the earlier version then fails
    const again = { ...joined, version: 11 };
    expect(await s.replace('room/1', 'alice', again, joined)).toBe(true);
    expect(await s.replace('room/1', 'alice', { state: 'leaving', version: 12, token: 'ev-1' }, joined)).toBe(false);

    // joined -> leaving (token); a stale "joined" write then fails
    const leaving = { state: 'leaving', version: 12, token: 'ev-1', expiresAt: 5000 } as const;
    expect(await s.replace('room/1', 'alice', leaving, again)).toBe(true);
    expect(await s.replace('room/1', 'alice', { state: 'left', version: 13 }, again)).toBe(false);
    expect(await s.get('room/1', 'alice')).toEqual(leaving);

    // leaving under another token, or without one, or another version, does not match; as read it does
    expect(await s.replace('room/1', 'alice', { state: 'left', version: 13 }, { ...leaving, token: 'ev-9' })).toBe(false);
    expect(await s.replace('room/1', 'alice', { state: 'left', version: 13 }, { state: 'leaving', version: 12 })).toBe(false);
    expect(await s.replace('room/1', 'alice', { state: 'left', version: 13 }, { ...leaving, version: 11 })).toBe(false);
    const left = { state: 'left', version: 13, token: 'req-1' } as const;
    expect(await s.replace('room/1', 'alice', left, leaving)).toBe(true);
    expect(await s.get('room/1', 'alice')).toEqual(left);

    // left with its pending token -> the tombstone without it
    const tombstone = { state: 'left', version: 13, expiresAt: 90_000 } as const;
    expect(await s.replace('room/1', 'alice', tombstone, left)).toBe(true);
    expect(await s.replace('room/1', 'alice', tombstone, left)).toBe(false);
    expect(await s.get('room/1', 'alice')).toEqual(tombstone);
  });

  test('a row of no known state or version is an error, not a non-member', async () => {
    await client.send(new PutItemCommand({
      TableName: 'presence', Item: { presence_key: { S: 'channel#room/odd' }, user_id: { S: 'bob' }, state: { S: 'online' }, version: { N: '1' } },
    }));
    await expect(store().get('room/odd', 'bob')).rejects.toThrow("the member row of user 'bob' in 'room/odd' has no known state and version (online, 1)");
    await client.send(new PutItemCommand({
      TableName: 'presence', Item: { presence_key: { S: 'channel#room/odd' }, user_id: { S: 'carl' }, state: { S: 'joined' } },
    }));
    await expect(store().get('room/odd', 'carl')).rejects.toThrow('no known state and version (joined, NaN)');
  });

  test('list: the first N members in user id order and the exact count past N (150 members: 100 listed, count 150)', async () => {
    const s = store();
    const ids = Array.from({ length: 150 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    // written out of order, with left users, expired rows, a user's own presence row and a neighbouring channel alongside
    for (const id of [...ids].reverse()) {
      await s.replace('room/big', id, id.endsWith('7') ? { state: 'leaving', version: 1, token: 't', expiresAt: 5000 } : { state: 'joined', version: 1 }, undefined);
    }
    for (const id of ['u000a', 'u050a', 'u149a']) await s.replace('room/big', id, { state: 'left', version: 2, expiresAt: 90_000 }, undefined);
    for (const id of ['u001a', 'u099a']) await s.replace('room/big', id, { state: 'joined', version: 2, expiresAt: 1000 }, undefined);
    await s.replace('room/bigger', 'u000', { state: 'joined', version: 1 }, undefined);
    await client.send(new PutItemCommand({ TableName: 'presence', Item: { presence_key: { S: 'user#u000' }, user_id: { S: 'u000' }, state: { S: 'online' } } }));

    expect(await s.list('room/big', 100, 1000)).toEqual({ users: ids.slice(0, 100), count: 150 });
    expect(await s.list('room/big', 150, 1000)).toEqual({ users: ids, count: 150 });
    expect(await s.list('room/big', 3, 1000)).toEqual({ users: ['u000', 'u001', 'u002'], count: 150 });
    // before their expiry the two are members; past the members' expiry (5000) the leaving ones are not
    expect((await s.list('room/big', 150, 999)).count).toBe(152);
    expect((await s.list('room/big', 150, 5000)).count).toBe(150 - 15);
    expect(await s.list('room/bigger', 100, 1000)).toEqual({ users: ['u000'], count: 1 });
    expect(await s.list('room/empty', 100, 1000)).toEqual({ users: [], count: 0 });
  });
});

test('list over more than one 1 MB page: the first 100 members from the first page, the rest counted on the next with Select COUNT', async () => {
  // 1,100 rows of user ids near 1 KB (DynamoDB's sort key limit): over 1 MB, so the Query pages; every tenth one left
  const id = (i: number) => `u${String(i).padStart(4, '0')}${'x'.repeat(1_000)}`;
  const rows = Array.from({ length: 1_100 }, (_, i) => ({
    PutRequest: {
      Item: {
        presence_key: { S: 'channel#room/huge' },
        user_id: { S: id(i) },
        state: { S: i % 10 === 9 ? 'left' : 'joined' },
        version: { N: '1' },
        expires_at: { N: String(9_000_000) },
      },
    },
  }));
  for (let i = 0; i < rows.length; i += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { presence: rows.slice(i, i + 25) } }));
  }
  const members = Array.from({ length: 1_100 }, (_, i) => i).filter((i) => i % 10 !== 9).map(id);
  const queries: string[] = [];
  const counting = { send: (command: any) => { queries.push(command.input.Select ?? 'ITEMS'); return client.send(command); } } as unknown as DynamoDBClient;
  expect(await new DynamoMemberStore(counting, 'presence').list('room/huge', 100, 1000)).toEqual({ users: members.slice(0, 100), count: 990 });
  expect(queries).toEqual(['ITEMS', 'COUNT']);
});

describe('DynamoSubscribedConnections', () => {
  const subscribed = () => new DynamoSubscribedConnections(client, { subscriptionsTableName: 'subscriptions', shards: SHARDS, connections: directory() });

  test('a live connection\'s subscription row is found in its shard; the excluded one is not counted', async () => {
    await putConnection('alice', 'a-live', 5000);
    await putSubscription('room/42', 'a-live', 'alice');
    expect(await subscribed().anySubscribed('room/42', 'alice', { nowSeconds: 1000 })).toBe(true);
    expect(await subscribed().anySubscribed('room/42', 'alice', { excluding: 'a-live', nowSeconds: 1000 })).toBe(false);
    // another channel, another user
    expect(await subscribed().anySubscribed('room/43', 'alice', { nowSeconds: 1000 })).toBe(false);
    expect(await subscribed().anySubscribed('room/42', 'nobody', { nowSeconds: 1000 })).toBe(false);
  });

  test('an expired connection\'s row is not counted (its subscription still there); a row without a TTL is', async () => {
    await putConnection('bob', 'b-expired', 999);
    await putSubscription('room/42', 'b-expired', 'bob');
    expect(await subscribed().anySubscribed('room/42', 'bob', { nowSeconds: 1000 })).toBe(false);
    await putConnection('bob', 'b-no-ttl');
    await putSubscription('room/42', 'b-no-ttl', 'bob');
    expect(await subscribed().anySubscribed('room/42', 'bob', { nowSeconds: 1000 })).toBe(true);
  });

  test('a row in another shard than the connection\'s is not its subscription; a subscription without a connection row is not live', async () => {
    await putConnection('carol', 'c-live', 5000);
    await putSubscription('room/42', 'c-live', 'carol', (shardOf('c-live', SHARDS) + 1) % SHARDS);
    expect(await subscribed().anySubscribed('room/42', 'carol', { nowSeconds: 1000 })).toBe(false);
    await putSubscription('room/42', 'c-gone', 'carol');
    expect(await subscribed().anySubscribed('room/42', 'carol', { nowSeconds: 1000 })).toBe(false);
  });
});

describe('DynamoConnectionDirectory.liveConnections', () => {
  test('the user\'s live connection ids: expired rows and the excluded one left out, a row without a TTL kept', async () => {
    await putConnection('dave', 'd1', 5000);
    await putConnection('dave', 'd2', 1000);
    await putConnection('dave', 'd3');
    await putConnection('dave', 'd4', 1001);
    expect((await directory().liveConnections('dave', { nowSeconds: 1000 })).sort()).toEqual(['d1', 'd3', 'd4']);
    expect((await directory().liveConnections('dave', { excluding: 'd1', nowSeconds: 1000 })).sort()).toEqual(['d3', 'd4']);
    expect(await directory().liveConnections('nobody', { nowSeconds: 1000 })).toEqual([]);
  });
});

describe('DynamoConnectionStore.mark (a disconnect request, channel presence on)', () => {
  const store = () => new DynamoConnectionStore(client, {
    tableName: 'connections',
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    ttlAttribute: 'expires_at',
    unprocessedRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
  const itemOf = async (user: string, id: string) =>
    (await client.send(new GetItemCommand({ TableName: 'connections', Key: { user_id: { S: user }, connection_id: { S: id } } }))).Item;

  test('sets disconnect_request on the row, keeping the rest of it; a row already gone stays gone, without an error', async () => {
    await putConnection('erin', 'e1', 5000);
    await store().mark({ userId: 'erin', connectionId: 'e1' }, 'msg-7');
    expect(await itemOf('erin', 'e1')).toEqual({
      user_id: { S: 'erin' }, connection_id: { S: 'e1' }, expires_at: { N: '5000' }, disconnect_request: { S: 'msg-7' },
    });
    await expect(store().mark({ userId: 'erin', connectionId: 'e-gone' }, 'msg-7')).resolves.toBeUndefined();
    expect(await itemOf('erin', 'e-gone')).toBeUndefined();
  });
});
