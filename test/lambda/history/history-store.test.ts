import { CreateTableCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoHistoryStore } from '../../../lambda/adapters/dynamo-history-store';
import { DynamoSubscriptionStore } from '../../../lambda/adapters/dynamo-subscription-store';
import { replay, type ChannelHistoryDeps } from '../../../lambda/channels/core/channel-history';
import type { Frame } from '../../../lambda/channels/core/frame';
import { HistoryWriter } from '../../../lambda/core/history/history-writer';
import type { PostResult, Sender } from '../../../lambda/core/ports/sender';
import { parseRequestValue, type NotificationRequest } from '../../../lambda/core/request';
import { channelKey, shardOf } from '../../../src/shared/channels';
import { HEAD_MARGIN_SECONDS, MAX_REPLAY_PER_RESUME } from '../../../src/shared/history';
import { createTable, startDynalite } from '../support/dynalite';

// History against a DynamoDB engine (dynalite): the writer's claims, the head, and the replay of a resume, with every
// condition and Query as DynamoDB runs them.

let client: DynamoDBClient;
let close: (() => Promise<void>) | undefined;
let table = 0;
let tableName = '';
beforeAll(async () => {
  ({ client, close } = await startDynalite());
});
afterAll(async () => close?.());
beforeEach(async () => {
  tableName = `history-${++table}`;
  await client.send(new CreateTableCommand({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'channel_key', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'channel_key', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});

const NOW = 1_800_000_000_000;
const RULES = [{ pattern: 'room/*', history: 3600 }, { pattern: 'news/*' }];
const store = () => new DynamoHistoryStore(client, tableName);
const writer = (now = NOW) => new HistoryWriter({ store: store(), rules: RULES, now: () => now });
const request = (data: unknown, channels: string[]): NotificationRequest => {
  const parsed = parseRequestValue({ data, channels }, { disconnectEnabled: false, messageFormat: 'envelope', channelsEnabled: true, history: RULES }, 'm');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.request;
};

/** Every row of the channel's epoch, in seq order. */
async function log(channel: string, epoch: string) {
  const out = await store().after(channel, epoch, 0, 10_000);
  return out.messages;
}

describe('HistoryWriter on the history table', () => {
  test('the first message creates the head (a new epoch) and gets seq 1; each next one the next seq; the head follows', async () => {
    const w = writer();
    const first = await w.store(request({ n: 1 }, ['room/1']), 'id-1');
    const second = await w.store(request({ n: 2 }, ['room/1']), 'id-2');

    const epoch = first!.get('room/1')!.epoch;
    expect(epoch).toMatch(/^[\w-]{16}$/);
    expect([...first!]).toEqual([['room/1', { seq: 1, epoch }]]);
    expect([...second!]).toEqual([['room/1', { seq: 2, epoch }]]);
    expect(await store().head('room/1')).toEqual({ epoch, last: 2, updatedAt: NOW / 1000 });
    expect(await log('room/1', epoch)).toEqual([
      { seq: 1, id: 'id-1', dataText: '{"n":1}', expiresAt: NOW / 1000 + 3600 },
      { seq: 2, id: 'id-2', dataText: '{"n":2}', expiresAt: NOW / 1000 + 3600 },
    ]);
    const head = await client.send(new GetItemCommand({ TableName: tableName, Key: { channel_key: { S: 'room/1' }, seq: { N: '0' } } }));
    expect(head.Item?.expires_at).toEqual({ N: String(NOW / 1000 + 3600 + HEAD_MARGIN_SECONDS) });
  });

  test('only history channels are stored; a request to none has no positions', async () => {
    const w = writer();
    expect(await w.store(request('x', ['news/1']), 'a')).toBeUndefined();
    const positions = await w.store(request('x', ['news/1', 'room/2', 'room/1']), 'b');
    expect([...positions!.keys()]).toEqual(['room/2', 'room/1']);
    expect(await store().head('news/1')).toBeUndefined();
  });

  test('one writer stores requests asked for at once in the order they were asked for', async () => {
    const w = writer();
    const positions = await Promise.all(Array.from({ length: 20 }, (_, i) => w.store(request(i, ['room/1']), `id-${i}`)));
    expect(positions.map((p) => p!.get('room/1')!.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const epoch = positions[0]!.get('room/1')!.epoch;
    expect((await log('room/1', epoch)).map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, i) => `id-${i}`));
  });

  test('writers of concurrent invocations share the channel: every message gets its own seq, 1 to N, none lost', async () => {
    const writers = Array.from({ length: 4 }, () => writer());
    const stored = await Promise.all(writers.flatMap((w, k) =>
      Array.from({ length: 15 }, (_, i) => w.store(request(`${k}-${i}`, ['room/1']), `w${k}-${i}`))));
    const seqs = stored.map((p) => p!.get('room/1')!.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const epoch = stored[0]!.get('room/1')!.epoch;
    const rows = await log('room/1', epoch);
    expect(rows.map((m) => m.seq)).toEqual(seqs);
    expect(new Set(rows.map((m) => m.id)).size).toBe(60);
    // each writer's own messages are in its order
    for (let k = 0; k < 4; k++) {
      const mine = rows.filter((m) => m.id.startsWith(`w${k}-`)).map((m) => Number(m.id.split('-')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  test('the head deleted: the next message starts a new epoch at seq 1, never reusing a seq of the old one', async () => {
    const first = await writer().store(request(1, ['room/1']), 'a');
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { channel_key: { S: 'room/1' }, seq: { N: '0' } } }));
    const next = await writer().store(request(2, ['room/1']), 'b');
    expect(next!.get('room/1')!.seq).toBe(1);
    expect(next!.get('room/1')!.epoch).not.toBe(first!.get('room/1')!.epoch);
  });

  test('a channel with messages not written to for its retention: the next message starts a new epoch (a lagging head could reuse a seq)', async () => {
    const first = await writer(NOW).store(request(1, ['room/1']), 'a');
    const soon = await writer(NOW + 3599_000).store(request(2, ['room/1']), 'b');
    expect(soon!.get('room/1')).toEqual({ seq: 2, epoch: first!.get('room/1')!.epoch });
    const later = await writer(NOW + 3599_000 + 3600_000).store(request(3, ['room/1']), 'c');
    expect(later!.get('room/1')!.seq).toBe(1);
    expect(later!.get('room/1')!.epoch).not.toBe(first!.get('room/1')!.epoch);
    // a channel that never had a message keeps its epoch however long it is quiet
    const head = await store().createHead('room/2', 9e9, NOW / 1000);
    expect((await writer(NOW + 90 * 86400_000).store(request(4, ['room/2']), 'd'))!.get('room/2')).toEqual({ seq: 1, epoch: head.epoch });
  });

  test('the head rotated between a claim and its raise: the store rejects (the message is in an epoch no client follows)', async () => {
    const s = store();
    const old = await s.createHead('room/1', 9e9, NOW / 1000);
    const racing: typeof s = Object.assign(Object.create(s), {
      claim: async (...args: Parameters<typeof s.claim>) => {
        const claimed = await s.claim(...args);
        await s.createHead('room/1', 9e9, NOW / 1000, old.epoch); // another actor rotates the epoch meanwhile
        return claimed;
      },
    });
    const w = new HistoryWriter({ store: racing, rules: RULES, now: () => NOW });
    await expect(w.store(request(1, ['room/1']), 'a')).rejects.toThrow(/epoch of 'room\/1' changed/);
    // the retry, in a new writer, stores it in the current epoch
    const retried = await writer().store(request(1, ['room/1']), 'a');
    expect(retried!.get('room/1')!.epoch).not.toBe(old.epoch);
  });

  test('a raise that fails rejects the store, before anything is sent', async () => {
    const s = store();
    const failing: typeof s = Object.assign(Object.create(s), { advanceHead: async () => { throw new Error('throttled'); } });
    await expect(new HistoryWriter({ store: failing, rules: RULES, now: () => NOW }).store(request(1, ['room/1']), 'a')).rejects.toThrow('throttled');
  });

  test('a head lagging its log (a raise that failed) costs a tail read, not a reused seq', async () => {
    const s = store();
    const head = await s.createHead('room/1', 9e9, NOW / 1000);
    for (let seq = 1; seq <= 3; seq++) await s.claim('room/1', head.epoch, { seq, id: `x${seq}`, dataText: '1', expiresAt: 9e9 });
    const positions = await writer().store(request('next', ['room/1']), 'next');
    expect(positions!.get('room/1')).toEqual({ seq: 4, epoch: head.epoch });
  });

  test('a table that fails: the store rejects (the request is then not sent)', async () => {
    const failing = new HistoryWriter({ store: new DynamoHistoryStore(client, 'no-such-table'), rules: RULES, now: () => NOW });
    await expect(failing.store(request(1, ['room/1']), 'a')).rejects.toThrow(/ResourceNotFound|non-existent|not found/i);
  });
});

/** A sender that records what it posts (as text) and answers `delivered`, or what `answer` says. */
class RecordingSender implements Sender {
  readonly posted: string[] = [];
  constructor(private readonly answer: (n: number) => PostResult = () => ({ status: 'delivered' })) {}
  async post(_connectionId: string, payload: Uint8Array): Promise<PostResult> {
    const result = this.answer(this.posted.length);
    if (result.status === 'delivered') this.posted.push(Buffer.from(payload).toString('utf8'));
    return result;
  }
  async disconnect(): Promise<PostResult> {
    return { status: 'delivered' };
  }
}

describe('replay (resume) on the history table', () => {
  const deps = (sender = new RecordingSender()): ChannelHistoryDeps & { sender: RecordingSender } =>
    ({ store: store(), sender, postRetry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 } });
  const resume = (since: number, epoch?: string): Frame => ({ action: 'resume', channel: 'room/1', since, ...(epoch ? { epoch } : {}) });
  async function publish(count: number, now = NOW): Promise<string> {
    const w = writer(now);
    let epoch = '';
    for (let i = 1; i <= count; i++) epoch = (await w.store(request({ i }, ['room/1']), `id-${i}`))!.get('room/1')!.epoch;
    return epoch;
  }

  /**
   * Claims seqs 1..count in room/1's log, 25 at a time: a thousand claims at once overran the client's 50 sockets and
   * timed out on a loaded CI machine (CI at the stop of 2026-12-06, ECONNRESET).
   */
  async function fill(s: ReturnType<typeof store>, epoch: string, count: number): Promise<void> {
    for (let from = 1; from <= count; from += 25) {
      const seqs = Array.from({ length: Math.min(25, count - from + 1) }, (_, i) => from + i);
      await Promise.all(seqs.map((seq) => s.claim('room/1', epoch, { seq, id: `m${seq}`, dataText: String(seq), expiresAt: 9e9 })));
    }
  }

  test('replays every message after since, in order, as envelopes with seq, epoch and positions, then resumed at the last', async () => {
    const epoch = await publish(5);
    const d = deps();
    const end = await replay(d, resume(2, epoch), 'c1', 3600, () => NOW);
    expect(end).toEqual({ type: 'resumed', seq: 5, epoch, more: false, replayed: 3 });
    expect(d.sender.posted.map((text) => JSON.parse(text))).toEqual([3, 4, 5].map((seq) => ({
      type: 'message', id: `id-${seq}`, channel: 'room/1', seq, epoch, positions: { 'room/1': seq }, data: { i: seq },
    })));
  });

  test('nothing missed: resumed at since, nothing posted', async () => {
    const epoch = await publish(3);
    const d = deps();
    expect(await replay(d, resume(3, epoch), 'c1', 3600, () => NOW)).toEqual({ type: 'resumed', seq: 3, epoch, more: false, replayed: 0 });
    expect(d.sender.posted).toEqual([]);
  });

  test('another epoch, no epoch, or a since ahead of the channel: reset to the channel\'s position, nothing posted', async () => {
    const epoch = await publish(3);
    const d = deps();
    expect(await replay(d, resume(1, 'other'), 'c1', 3600, () => NOW)).toMatchObject({ type: 'reset', seq: 3, epoch, reason: 'another epoch' });
    expect(await replay(d, resume(1), 'c1', 3600, () => NOW)).toMatchObject({ type: 'reset', seq: 3, epoch, reason: 'no epoch' });
    expect(await replay(d, resume(9, epoch), 'c1', 3600, () => NOW)).toMatchObject({ type: 'reset', seq: 3, epoch, reason: 'since is ahead of the channel' });
    expect(d.sender.posted).toEqual([]);
  });

  test('a channel without a head (never used, or its head lost): a new epoch, and reset to 0', async () => {
    const end = await replay(deps(), resume(4, 'old'), 'c1', 3600, () => NOW);
    expect(end).toMatchObject({ type: 'reset', seq: 0 });
    expect(await store().head('room/1')).toEqual({ epoch: (end as { epoch: string }).epoch, last: 0, updatedAt: NOW / 1000 });
  });

  test('since older than the retention (the next message expired, or deleted by TTL): reset', async () => {
    const epoch = await publish(2, NOW - 3599_000); // kept until NOW + 1 s
    await publish(2, NOW); // kept until NOW + 3600 s
    const d = deps();
    const later = () => NOW + 2000_000;
    expect(await replay(d, resume(0, epoch), 'c1', 3600, later)).toMatchObject({ type: 'reset', seq: 4, epoch, reason: 'seq 1 is past its retention' });
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { channel_key: { S: `room/1#${epoch}` }, seq: { N: '1' } } }));
    expect(await replay(d, resume(0, epoch), 'c1', 3600, later)).toMatchObject({ type: 'reset', seq: 4, reason: 'seq 1 is not kept' });
    expect(await replay(d, resume(2, epoch), 'c1', 3600, later)).toMatchObject({ type: 'resumed', seq: 4 });
    expect(d.sender.posted.map((text) => JSON.parse(text).seq)).toEqual([3, 4]);
  });

  test(`a long gap is replayed ${MAX_REPLAY_PER_RESUME} messages a resume: resumed with more, and the next resume goes on from there`, async () => {
    const s = store();
    const head = await s.createHead('room/1', 9e9, NOW / 1000);
    const total = MAX_REPLAY_PER_RESUME + 30;
    await fill(s, head.epoch, total);
    await s.advanceHead('room/1', head.epoch, total, 9e9, NOW / 1000);
    const d = deps();
    const first = await replay(d, resume(0, head.epoch), 'c1', 3600, () => NOW);
    expect(first).toEqual({ type: 'resumed', seq: MAX_REPLAY_PER_RESUME, epoch: head.epoch, more: true, replayed: MAX_REPLAY_PER_RESUME });
    const second = await replay(d, resume(first.seq, head.epoch), 'c1', 3600, () => NOW);
    expect(second).toEqual({ type: 'resumed', seq: total, epoch: head.epoch, more: false, replayed: 30 });
    expect(d.sender.posted.map((text) => JSON.parse(text).seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  test(`exactly ${MAX_REPLAY_PER_RESUME} missed: one resume, without more (the bound is reached at the log's end)`, async () => {
    const s = store();
    const head = await s.createHead('room/1', 9e9, NOW / 1000);
    await fill(s, head.epoch, MAX_REPLAY_PER_RESUME);
    await s.advanceHead('room/1', head.epoch, MAX_REPLAY_PER_RESUME, 9e9, NOW / 1000);
    expect(await replay(deps(), resume(0, head.epoch), 'c1', 3600, () => NOW))
      .toEqual({ type: 'resumed', seq: MAX_REPLAY_PER_RESUME, epoch: head.epoch, more: false, replayed: MAX_REPLAY_PER_RESUME });
  });

  test('a post still failing after its retries stops the replay (the client resumes again from what it has)', async () => {
    const epoch = await publish(4);
    const d = deps(new RecordingSender((n) => (n < 2 ? { status: 'delivered' } : { status: 'retryable', reason: 'throttled' })));
    await expect(replay(d, resume(0, epoch), 'c1', 3600, () => NOW)).rejects.toMatchObject({ name: 'ReplayFailed', replayed: 2 });
    expect(d.sender.posted.map((text) => JSON.parse(text).seq)).toEqual([1, 2]);
  });
});

describe('DynamoSubscriptionStore.subscribedTo (the envelope\'s positions)', () => {
  test('of the channels asked, those the connection has a row in, whatever its shard', async () => {
    const subscriptions = `subscriptions-${table}`;
    await createTable(client, subscriptions, 'channel_key', 'connection_id');
    const shards = 4;
    const put = (channel: string, connectionId: string) => client.send(new PutItemCommand({
      TableName: subscriptions,
      Item: {
        channel_key: { S: channelKey(channel, shardOf(connectionId, shards)) }, connection_id: { S: connectionId }, channel: { S: channel }, user_id: { S: 'u' },
      },
    }));
    await put('room/1', 'c1');
    await put('inbox/u', 'c1');
    await put('room/2', 'c2');
    const unprocessed = { policy: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } };
    const s = new DynamoSubscriptionStore(client, { tableName: subscriptions, shards, unprocessed });
    expect(await s.subscribedTo('c1', ['room/2', 'inbox/u', 'room/1', '__proto__'])).toEqual(['inbox/u', 'room/1']);
    expect(await s.subscribedTo('c2', ['room/1', 'inbox/u'])).toEqual([]);
    const hundred = Array.from({ length: 100 }, (_, i) => `room/${i}`);
    expect(await s.subscribedTo('c2', hundred)).toEqual(['room/2']);
  });
});
