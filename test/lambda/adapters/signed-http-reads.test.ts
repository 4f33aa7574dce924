import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoConnectionStore } from '../../../lambda/adapters/dynamo-connection-store';
import { DynamoSubscriptionStore } from '../../../lambda/adapters/dynamo-subscription-store';
import { SignedHttpReads, sdkReads, type QueryInput, type ReadPage, type ReadRequests, type ScanInput } from '../../../lambda/adapters/signed-http-reads';
import { channelKey, shardOf, SUBSCRIPTIONS } from '../../../src/shared/channels';
import { createTable, startDynalite } from '../support/dynalite';

// SignedHttpReads against the SDK's QueryCommand and ScanCommand on the same DynamoDB engine (dynalite): random tables,
// keys, items, projections, segments, page sizes and hostile names and values, page by page; the error edges are in
// its second test file.

/** A deterministic generator, so that a failure is reproducible. */
function generator(seed: number) {
  let state = seed;
  const next = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state / 2 ** 31; };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const text = (alphabet: string, min: number, max: number) => {
    const chars = [...alphabet];
    return Array.from({ length: int(min, max) }, () => pick(chars)).join('');
  };
  return { next, int, pick, text };
}
type Gen = ReturnType<typeof generator>;

/** Characters a user or connection id may hold: quotes, escapes, JSON and HTTP specials, non-ASCII, astral. */
const HOSTILE = 'ab09-_=+/\\"\'{}[]:,#&%?\r\n\t <>é中😀\u2028\u0000';
const NAMES = ['user_id', 'connection_id', 'expires_at', 'user id', 'ü-ser', 'a.b', '$c', 'k#1', 'uSeR', '"q"'];

/** An attribute value of any type but binary (the stores never read one; the SDK would turn it into bytes). */
function value(g: Gen, depth = 0): AttributeValue {
  switch (g.int(0, depth > 1 ? 4 : 7)) {
    case 0: return { S: g.text(HOSTILE, 1, 30) };
    case 1: return { N: String(g.pick([0, -1, 1.5, 1e20, 123456789012345, g.int(0, 2e9)])) };
    case 2: return { BOOL: g.next() < 0.5 };
    case 3: return { NULL: true };
    case 4: return { SS: [...new Set([g.text(HOSTILE, 1, 8), g.text(HOSTILE, 1, 8)])] };
    case 5: return { L: Array.from({ length: g.int(0, 3) }, () => value(g, depth + 1)) };
    case 6: return { M: Object.fromEntries(Array.from({ length: g.int(0, 3) }, (_, i) => [`m${i}`, value(g, depth + 1)])) };
    default: return { NS: ['1', '2.5'] };
  }
}

let client: DynamoDBClient;
let close: () => Promise<void>;
let lean: SignedHttpReads;
beforeAll(async () => {
  ({ client, close } = await startDynalite());
  lean = new SignedHttpReads(client, { maxSockets: 4 });
});
afterAll(async () => {
  lean.destroy();
  await close();
});

/** Every page of `input` through `read`, from the first: the pages as they came. */
async function pages<I extends QueryInput | ScanInput>(read: (input: I) => Promise<ReadPage>, input: I) {
  const all: ReadPage[] = [];
  let start: QueryInput['ExclusiveStartKey'];
  do {
    const page = await read({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
    all.push({ Items: page.Items, LastEvaluatedKey: page.LastEvaluatedKey });
    start = page.LastEvaluatedKey;
  } while (start);
  return all;
}

describe('SignedHttpReads equals the SDK\'s QueryCommand and ScanCommand', () => {
  test('40 random tables: every page of every Query and Scan the same, items, order and LastEvaluatedKey', async () => {
    const g = generator(28);
    const sdk = (input: QueryInput) => client.send(new QueryCommand(input));
    const sdkScan = (input: ScanInput) => client.send(new ScanCommand(input));
    let compared = 0;
    for (let t = 0; t < 40; t++) {
      // GIVEN a table with random key names, users with 0-12 rows each, and random other attributes
      const [hash, range] = [g.pick(NAMES), g.pick(NAMES.filter((n) => n !== NAMES[0]))];
      const rangeName = range === hash ? `${range}2` : range;
      const tableName = `table-${t}`;
      await createTable(client, tableName, hash, rangeName);
      const users = Array.from({ length: g.int(1, 4) }, () => g.text(HOSTILE, 1, 24));
      for (const user of users) {
        for (let r = 0; r < g.int(0, 12); r++) {
          const extra = Object.fromEntries(Array.from({ length: g.int(0, 4) }, (_, i) => [`x${i}`, value(g)]));
          const item = { ...extra, [hash]: { S: user }, [rangeName]: { S: g.text(HOSTILE, 1, 40) } };
          await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
        }
      }
      for (const user of [...users, 'nobody']) {
        // WHEN both read the user's rows with the same random input
        const projected = g.pick([undefined, '#u, #c', '#u, #c, x0', 'x1, #c']);
        const names = { '#u': hash, ...(projected?.includes('#c') ? { '#c': rangeName } : {}) };
        const input: QueryInput = {
          TableName: tableName,
          KeyConditionExpression: '#u = :u',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':u': { S: user } },
          ...(projected ? { ProjectionExpression: projected } : {}),
          ...(g.next() < 0.5 ? { Limit: g.int(1, 5) } : {}),
          ...(g.next() < 0.3 ? { ConsistentRead: true } : {}),
        };
        // THEN the pages are the same
        expect(await pages((i) => lean.query(i), input)).toEqual(await pages(sdk, input));
        compared++;
      }
      // AND a random Scan of the table: whole, or a segment of it, keys only or with an attribute, in small pages or not
      const total = g.int(1, 4);
      const scan: ScanInput = {
        TableName: tableName,
        ...(g.next() < 0.6 ? { Segment: g.int(0, total - 1), TotalSegments: total } : {}),
        ...g.pick<Partial<ScanInput>>([{}, { ExpressionAttributeNames: { '#u': hash, '#c': rangeName }, ProjectionExpression: '#u, #c' },
          { ExpressionAttributeNames: { '#c': rangeName }, ProjectionExpression: '#c, x0' }]),
        ...(g.next() < 0.5 ? { Limit: g.int(1, 7) } : {}),
        ...(g.next() < 0.3 ? { ConsistentRead: true } : {}),
      };
      expect(await pages((i) => lean.scan(i), scan)).toEqual(await pages(sdkScan, scan));
      compared++;
    }
    expect(compared).toBeGreaterThan(120);
  });

  test('the connections store reads the same rows through either: a user\'s, and a segment\'s (keys, TTL, small pages)', async () => {
    const g = generator(7);
    await createTable(client, 'connections', 'user_id', 'connection_id');
    const users = Array.from({ length: 30 }, () => g.text(HOSTILE, 1, 16));
    for (const user of users) {
      for (let r = 0; r < g.int(0, 5); r++) {
        const ttl = g.pick([undefined, { N: String(g.int(1, 2e9)) }, { S: 'not a number' }]);
        await client.send(new PutItemCommand({
          TableName: 'connections',
          Item: { user_id: { S: user }, connection_id: { S: g.text(HOSTILE, 1, 20) }, ...(ttl ? { expires_at: ttl } : {}) },
        }));
      }
    }
    const userRows = async (s: DynamoConnectionStore, user: string) => {
      const all = [];
      for await (const page of s.queryUser(user)) all.push(...page);
      return all;
    };
    const segmentRows = async (s: DynamoConnectionStore, segment: number, total: number) => {
      const all = [];
      for await (const page of s.scanSegment(segment, total)) all.push(page.rows);
      return all;
    };
    // Pages of one or two rows, through the store's own paging (ExclusiveStartKey from each answer).
    const small: ReadRequests = {
      query: (input) => lean.query({ ...input, Limit: 1 }),
      scan: (input) => lean.scan({ ...input, Limit: Math.min(input.Limit ?? 2, 2) }),
    };
    const smallSdk: ReadRequests = {
      query: (input) => client.send(new QueryCommand({ ...input, Limit: 1 })),
      scan: (input) => client.send(new ScanCommand({ ...input, Limit: Math.min(input.Limit ?? 2, 2) })),
    };
    for (const user of users) {
      expect(await userRows(storeWith(lean), user)).toEqual(await userRows(storeWith(sdkReads(client)), user));
      expect(await userRows(storeWith(small), user)).toEqual(await userRows(storeWith(smallSdk), user));
    }
    for (const total of [1, 3]) {
      for (let segment = 0; segment < total; segment++) {
        expect(await segmentRows(storeWith(lean), segment, total)).toEqual(await segmentRows(storeWith(sdkReads(client)), segment, total));
        expect(await segmentRows(storeWith(small), segment, total)).toEqual(await segmentRows(storeWith(smallSdk), segment, total));
      }
    }
  });

  test('the subscriptions store reads the same shard pages through either (random channels, shards, expiries, consistency)', async () => {
    const g = generator(24);
    await createTable(client, 'subscriptions', SUBSCRIPTIONS.CHANNEL_KEY, SUBSCRIPTIONS.CONNECTION_ID);
    const shards = 3;
    const channels = Array.from({ length: 6 }, () => `room/${g.text(HOSTILE.replace('#', ''), 1, 12)}`);
    for (const channel of channels) {
      for (let r = 0; r < g.int(0, 40); r++) {
        const connectionId = g.text(HOSTILE, 1, 20);
        const expiry = g.pick([undefined, { N: String(g.int(1, 2e9)) }]);
        await client.send(new PutItemCommand({
          TableName: 'subscriptions',
          Item: {
            [SUBSCRIPTIONS.CHANNEL_KEY]: { S: channelKey(channel, shardOf(connectionId, shards)) },
            [SUBSCRIPTIONS.CONNECTION_ID]: { S: connectionId },
            [SUBSCRIPTIONS.CHANNEL]: { S: channel },
            [SUBSCRIPTIONS.USER_ID]: { S: g.text(HOSTILE, 1, 10) },
            ...(expiry ? { [SUBSCRIPTIONS.EXPIRES_AT]: expiry } : {}),
          },
        }));
      }
    }
    const subscriptions = (reads: ReadRequests, consistent: boolean) => new DynamoSubscriptionStore(client, {
      tableName: 'subscriptions', shards, unprocessed: { policy: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }, consistent: () => consistent, reads,
    });
    const shardPages = async (s: DynamoSubscriptionStore, channel: string, shard: number) => {
      const all = [];
      for await (const page of s.queryShard(channel, shard)) all.push(page);
      return all;
    };
    const small: ReadRequests = { query: (input) => lean.query({ ...input, Limit: 3 }), scan: (input) => lean.scan(input) };
    const smallSdk: ReadRequests = {
      query: (input) => client.send(new QueryCommand({ ...input, Limit: 3 })),
      scan: (input) => client.send(new ScanCommand(input)),
    };
    for (const channel of channels) {
      for (let shard = 0; shard < shards; shard++) {
        const consistent = g.next() < 0.5;
        expect(await shardPages(subscriptions(lean, consistent), channel, shard))
          .toEqual(await shardPages(subscriptions(sdkReads(client), consistent), channel, shard));
        expect(await shardPages(subscriptions(small, consistent), channel, shard))
          .toEqual(await shardPages(subscriptions(smallSdk, consistent), channel, shard));
      }
    }
  });

  test('a full page (1 MB of items, more than 1 MiB of JSON) reads the same through either, Query and Scan', async () => {
    // GIVEN 12,000 rows of one user, as $connect writes them (user, connection id, expiry): ~750 KB of items, one page
    await createTable(client, 'full-page', 'user_id', 'connection_id');
    const rows = Array.from({ length: 12_000 }, (_, i) => ({
      PutRequest: { Item: { user_id: { S: 'crowd' }, connection_id: { S: `Xk3vAbCdEfGhIj${String(i).padStart(6, '0')}=` }, expires_at: { N: String(1_900_000_000 + i) } } },
    }));
    for (let i = 0; i < rows.length; i += 25) {
      await client.send(new BatchWriteItemCommand({ RequestItems: { 'full-page': rows.slice(i, i + 25) } }));
    }
    const query: QueryInput = {
      TableName: 'full-page', KeyConditionExpression: '#u = :u', ExpressionAttributeNames: { '#u': 'user_id' }, ExpressionAttributeValues: { ':u': { S: 'crowd' } },
    };
    // WHEN both read it page by page, THEN the pages are the same, and the first one's JSON is over 1 MiB
    const leanQuery = await pages((i) => lean.query(i), query);
    expect(JSON.stringify(leanQuery[0].Items).length).toBeGreaterThan(1024 * 1024);
    expect(leanQuery).toEqual(await pages((i) => client.send(new QueryCommand(i)), query));
    const scan: ScanInput = { TableName: 'full-page' };
    expect(await pages((i) => lean.scan(i), scan)).toEqual(await pages((i) => client.send(new ScanCommand(i)), scan));
  });
});

function storeWith(reads: ReadRequests): DynamoConnectionStore {
  return new DynamoConnectionStore(client, {
    tableName: 'connections',
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    ttlAttribute: 'expires_at',
    unprocessedRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    reads,
  });
}
