import { DynamoDBClient, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoConnectionStore } from '../../../lambda/adapters/dynamo-connection-store';
import { SignedHttpQuery, sdkQueries, type QueryInput } from '../../../lambda/adapters/signed-http-query';
import { createTable, startDynalite } from '../support/dynalite';

// SignedHttpQuery against the SDK's QueryCommand on the same DynamoDB engine (dynalite): random tables, keys, items,
// projections, page sizes and hostile names and values, page by page; the error edges are in its second test file.

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
let lean: SignedHttpQuery;
beforeAll(async () => {
  ({ client, close } = await startDynalite());
  lean = new SignedHttpQuery(client, { maxSockets: 4 });
});
afterAll(async () => {
  lean.destroy();
  await close();
});

/** Every page of `input` through `query`, from the first: the pages as they came. */
async function pages(query: (input: QueryInput) => Promise<{ Items?: unknown[]; LastEvaluatedKey?: unknown }>, input: QueryInput) {
  const all: Array<{ Items?: unknown[]; LastEvaluatedKey?: unknown }> = [];
  let start: QueryInput['ExclusiveStartKey'];
  do {
    const page = await query({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
    all.push({ Items: page.Items, LastEvaluatedKey: page.LastEvaluatedKey });
    start = page.LastEvaluatedKey as QueryInput['ExclusiveStartKey'];
  } while (start);
  return all;
}

describe('SignedHttpQuery equals the SDK\'s QueryCommand', () => {
  test('40 random tables: every page of every Query the same, items, order and LastEvaluatedKey', async () => {
    const g = generator(28);
    const sdk = (input: QueryInput) => client.send(new QueryCommand(input));
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
    }
    expect(compared).toBeGreaterThan(80);
  });

  test('the connections store reads the same rows through either (keys, TTL, pages of one row)', async () => {
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
    const store = storeWith;
    const rows = async (s: DynamoConnectionStore, user: string) => {
      const all = [];
      for await (const page of s.queryUser(user)) all.push(...page);
      return all;
    };
    for (const user of users) {
      expect(await rows(store(lean), user)).toEqual(await rows(store(sdkQueries(client)), user));
    }
    // A page of one row at a time, through the store's own paging (ExclusiveStartKey from each answer).
    const onePerPage = (q: { query: SignedHttpQuery['query'] }) => ({ query: (input: QueryInput) => q.query({ ...input, Limit: 1 }) });
    for (const user of users.slice(0, 10)) {
      expect(await rows(store(onePerPage(lean)), user)).toEqual(await rows(store(sdkQueries(client)), user));
    }
  });
});

function storeWith(queries: { query: SignedHttpQuery['query'] }): DynamoConnectionStore {
  return new DynamoConnectionStore(client, {
    tableName: 'connections',
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    ttlAttribute: 'expires_at',
    unprocessedRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    queries,
  });
}
