import { parseRequestValue } from '../../../lambda/core/request';
import { deliverStandard } from '../../../lambda/invocation/deliver-inline';
import type { WorkDeps } from '../../../lambda/work/deps';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';
import { serializeWorkItem, workItemKind, WORK_ITEM_VERSION } from '../../../lambda/work/work-item';
import {
  fakeDeps, FakeQueue, FakeSender, FakeStore, FakeSubscriptionStore, idsInShard, RecordingLog, row, subscriber as sub,
} from '../support/fakes';
import { WORK_CONFIG as config } from '../support/work-config';
import { drainWorkItems, receivedChannels } from '../support/work-runs';

// What one request leaves unread in several places that can hold the same connection (two channels' shards, or a shard
// and a user) is read again in one `reads` item, so that no connection receives the request twice; and a request to
// channels out of time hands its unread shards on rather than time out (and be retried whole).

// Shard 1 (of 2): five connections subscribed to both rooms, then two only in room/7; shard 0: two in room/42.
const BOTH = idsInShard(1, 2, 5, 'both-');
const SEVEN = idsInShard(1, 2, 2, 'seven-');
const ZERO = idsInShard(0, 2, 2, 'zero-');
const SUBS = [
  ...BOTH.map((id) => sub('room/42', `u-${id}`, id)), ...ZERO.map((id) => sub('room/42', `u-${id}`, id)),
  ...[...BOTH, ...SEVEN].map((id) => sub('room/7', `u-${id}`, id)),
];
const ALL_ONCE = { ...Object.fromEntries([...BOTH, ...ZERO].map((id) => [id, ['room/42']])), ...Object.fromEntries(SEVEN.map((id) => [id, ['room/7']])) };

function setup() {
  const store = new FakeStore(SUBS.map((s) => row(s.userId, s.connectionId)));
  // Pages of two rows: a failure after one page leaves three of BOTH unread in both rooms' shard 1.
  const subscriptions = new FakeSubscriptionStore([...SUBS], 2, 2);
  const sender = new FakeSender();
  const queue = new FakeQueue();
  const deadLetters = new FakeQueue();
  const log = new RecordingLog();
  const deps: WorkDeps = {
    config,
    store,
    queue,
    deadLetters,
    log,
    workerDeps: fakeDeps(store, sender, { subscriptions }),
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    messageFormat: 'envelope',
    now: () => 1_000_000,
  };
  return { store, subscriptions, sender, queue, deadLetters, log, deps };
}

const job = (body: Record<string, unknown>) => {
  const parsed = parseRequestValue({ data: { hi: 1 }, ...body }, { disconnectEnabled: false, messageFormat: 'envelope', channelsEnabled: true }, 'm1');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { messageId: 'm1', request: parsed.request, source: 'sqs' as const, index: 0 };
};
const plenty = () => 60_000;

/** Runs what the queue holds, and what that enqueues, until it is empty. */
const drain = (deps: WorkDeps, queue: FakeQueue, remaining: () => number = plenty) =>
  drainWorkItems(deps, queue, queue.sent.flat().map((m) => m.body), remaining);

const received = receivedChannels;

describe('a request\'s unread channel shards and users, read again together', () => {
  test('two channels\' shards failing after a page: one reads item, and every connection once, through the first channel', async () => {
    // GIVEN both rooms' shard 1 failing after their first page
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.failAfter.set('room/42#1', 1);
    subscriptions.failAfter.set('room/7#1', 1);

    // WHEN the request is delivered inline, then its follow-ups run
    const [report] = (await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps)).values();
    subscriptions.failAfter.clear();
    const bodies = queue.bodies();
    const work = await drain(deps, queue);

    // THEN one item names both shards: room/42's from its key, room/7's unread (its turn came after room/42's same shard
    // was handed on), skipping what room/42 reached in shard 1; nobody got it twice
    expect(report).toMatchObject({ outcome: 'requeued', delivered: 4 });
    expect(bodies).toEqual([{
      v: 1,
      requestId: 'm1',
      segment: 0,
      totalSegments: 1,
      attempt: 1,
      startedAt: 1_000_000,
      reads: [
        { channel: 'room/42', shard: 1, startKey: { channel_key: { S: 'room/42#1' }, connection_id: { S: BOTH[1] } } },
        { channel: 'room/7', shard: 1 },
      ],
      targeting: { exclude_connections: [BOTH[0], BOTH[1]] },
      data: { hi: 1 },
    }]);
    expect(work.map((r) => [r.kind, r.outcome, r.delivered])).toEqual([['reads', 'completed', 5]]);
    expect(received(sender)).toEqual(ALL_ONCE);
  });

  test('a shard and a user both failing: one item (the shard progressed: the same attempt, at once); the user\'s subscribed connection once', async () => {
    // GIVEN room/42's shard 1 fails after a page, and the Query of BOTH[3]'s owner (who also has a phone) fails
    const { store, subscriptions, sender, queue, deps } = setup();
    store.rows.push(row(`u-${BOTH[3]}`, 'phone'));
    store.failingUsers.add(`u-${BOTH[3]}`);
    subscriptions.failAfter.set('room/42#1', 1);

    // WHEN
    await deliverStandard([job({ channels: ['room/42'], users: [`u-${BOTH[3]}`] })], deps.workerDeps, deps);
    store.failingUsers.clear();
    subscriptions.failAfter.clear();
    const first = queue.sent.flat();
    await drain(deps, queue);

    // THEN
    expect(first.map((m) => [JSON.parse(m.body).reads, JSON.parse(m.body).users, JSON.parse(m.body).attempt, m.delaySeconds])).toEqual([[
      [{ channel: 'room/42', shard: 1, startKey: { channel_key: { S: 'room/42#1' }, connection_id: { S: BOTH[1] } } }], [`u-${BOTH[3]}`], 1, undefined,
    ]]);
    expect(received(sender)).toEqual({ ...Object.fromEntries([...BOTH, ...ZERO].map((id) => [id, ['room/42']])), phone: [null] });
  });

  test('a shard failing where it starts, again and again: retried with growing delays, then dead-lettered with its users given up', async () => {
    // GIVEN room/7's shard 1 always failing on its first page, and one user's Query always failing
    const { store, subscriptions, sender, queue, deadLetters, log, deps } = setup();
    subscriptions.failAfter.set('room/7#1', 0);
    store.failingUsers.add('u-x');

    // WHEN
    await deliverStandard([job({ channels: ['room/42', 'room/7'], users: ['u-x'] })], deps.workerDeps, deps);
    const work = await drain(deps, queue);

    // THEN attempts 2 and 3, delayed 1 s then 2 s; the third dead-letters the item and gives the user up
    expect(queue.sent.flat().map((m) => [JSON.parse(m.body).attempt, m.delaySeconds])).toEqual([[2, 1], [3, 2]]);
    expect(work.map((r) => [r.kind, r.outcome, r.failed])).toEqual([['reads', 'continued', 0], ['reads', 'continued', 1]]);
    expect(deadLetters.bodies()).toEqual([expect.objectContaining({ attempt: 3, users: ['u-x'], reads: [{ channel: 'room/7', shard: 1 }] })]);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({
      message: 'connections not delivered: still failing after 3 work-item attempts', fields: expect.objectContaining({ users: ['u-x'], shards: ['room/7#1'] }),
    })]);
    expect(received(sender)).toEqual({ ...Object.fromEntries([...BOTH, ...ZERO].map((id) => [id, ['room/42']])) });
  });

  test('a later channel\'s shard failing first does not reorder the item: shards in the request\'s channel order', async () => {
    // GIVEN room/7's shard 1 failing on its first page (fetched before its turn), room/42's after one page
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.failAfter.set('room/7#1', 0);
    subscriptions.failAfter.set('room/42#1', 1);

    // WHEN
    await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps);
    subscriptions.failAfter.clear();
    const [body] = queue.bodies();
    await drain(deps, queue);

    // THEN room/42 first, so the connections of both rooms are reached through room/42
    expect(body.reads.map((r: { channel: string }) => r.channel)).toEqual(['room/42', 'room/7']);
    expect(received(sender)).toEqual(ALL_ONCE);
  });

  test('unread shards of different numbers and no users: an item a shard number, each with only its own exclusions', async () => {
    // GIVEN room/7 also has ZERO (shard 0); every shard of both rooms fails after its first page
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.rows.push(...ZERO.map((id) => sub('room/7', `u-${id}`, id)), ...idsInShard(0, 2, 3, 'more-').map((id) => sub('room/42', `u-${id}`, id)));
    for (const key of ['room/42#0', 'room/42#1', 'room/7#0', 'room/7#1']) subscriptions.failAfter.set(key, 1);

    // WHEN
    await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps);
    subscriptions.failAfter.clear();
    const bodies = queue.bodies();
    await drain(deps, queue);

    // THEN two reads items; shard 0's excludes only shard 0's connections, shard 1's only shard 1's
    expect(bodies.map((b) => [b.reads.map((r: { channel: string; shard: number }) => `${r.channel}#${r.shard}`), b.targeting.exclude_connections.sort()])).toEqual([
      [['room/42#0', 'room/7#0'], [...ZERO].sort()],
      [['room/42#1', 'room/7#1'], [BOTH[0], BOTH[1]].sort()],
    ]);
    expect(Object.values(received(sender)).every((channels) => channels.length === 1)).toBe(true);
    expect(Object.keys(received(sender))).toHaveLength(BOTH.length + SEVEN.length + ZERO.length + 3);
  });

  test('shards alone failing where they start, again and again: dead-lettered at the bound and logged at ERROR with the shards', async () => {
    // GIVEN both rooms' shard 1 always failing on its first page
    const { subscriptions, queue, deadLetters, log, deps } = setup();
    subscriptions.failAfter.set('room/42#1', 0);
    subscriptions.failAfter.set('room/7#1', 0);

    // WHEN
    await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps);
    await drain(deps, queue);

    // THEN
    expect(queue.sent.flat().map((m) => [JSON.parse(m.body).attempt, m.delaySeconds])).toEqual([[2, 1], [3, 2]]);
    expect(deadLetters.bodies()).toEqual([expect.objectContaining({ attempt: 3, reads: [{ channel: 'room/42', shard: 1 }, { channel: 'room/7', shard: 1 }] })]);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({
      message: 'connections not delivered: still failing after 3 work-item attempts', fields: expect.objectContaining({ shards: ['room/42#1', 'room/7#1'] }),
    })]);
  });

  test('a reads item over the SQS limit (its exclusions) is given up and logged at ERROR; the record is not failed (no resend to all)', async () => {
    // GIVEN room/42's shard 1 holds 3,001 subscribers with 100-character ids, read in one page of 3,000 before failing,
    // so that room/7's shard 1 would have to exclude 300 KB of ids
    const long = idsInShard(1, 2, 3_001, `${'x'.repeat(90)}-`);
    const { sender, queue, log, deps } = setup();
    const subscriptions = new FakeSubscriptionStore([...long.map((id) => sub('room/42', `u-${id}`, id)), sub('room/7', 'u-seven', SEVEN[0])], 2, 3_000);
    subscriptions.failAfter.set('room/42#1', 1);

    // WHEN
    const [report] = (await deliverStandard([job({ channels: ['room/42', 'room/7'] })], { ...deps.workerDeps, subscriptions }, deps)).values();

    // THEN
    expect(report).toMatchObject({ outcome: 'delivered', delivered: 3_000 });
    expect(queue.sent).toEqual([]);
    expect(sender.posts).toHaveLength(3_000);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({
      message: expect.stringMatching(/^connections not delivered: a follow-up would be \d+ bytes \(its exclusions\), over SQS's 262144$/),
      fields: expect.objectContaining({ shards: ['room/42#1', 'room/7#1'] }),
    })]);
  });
});

describe('the time guard on channel reads', () => {
  test('out of time inline: each channel item and reads item reads a page, at attempt 1, at once; the chain reaches everyone once', async () => {
    // GIVEN an invocation already within the margin
    const { sender, queue, deps } = setup();

    // WHEN
    const [report] = (await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps, () => 0)).values();
    const work = await drain(deps, queue, () => 0);

    // THEN the record completes (requeued); its follow-ups continue at attempt 1, at once
    expect(report).toMatchObject({ outcome: 'requeued' });
    expect(queue.sent.flat().every((m) => m.delaySeconds === undefined && JSON.parse(m.body).attempt === 1)).toBe(true);
    expect(work.every((r) => ['completed', 'continued'].includes(r.outcome) && ['reads', 'channel'].includes(r.kind))).toBe(true);
    expect(received(sender)).toEqual(ALL_ONCE);
  });

  test('time running out during a read: a later channel\'s shard is handed on at its turn, so a connection in both is reached through the first', async () => {
    // GIVEN room/7's shard 1 lists BOTH last-first, so its first page holds connections room/42 has not reached yet;
    // the clock runs out once three posts are out (room/42's first page of shard 1, whichever shard goes first)
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.rows = [...subscriptions.rows.filter((r) => r.channel !== 'room/7'), ...[...SEVEN, ...BOTH].reverse().map((id) => sub('room/7', `u-${id}`, id))];
    const remaining = () => (sender.posts.length >= 3 ? 0 : 60_000);

    // WHEN
    await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps, remaining);
    const first = queue.bodies();
    await drain(deps, queue);

    // THEN room/7's shard 1 was handed on unread; BOTH reached once each, through room/42
    expect(first.find((b) => b.reads)?.reads).toEqual([
      { channel: 'room/42', shard: 1, startKey: expect.anything() }, { channel: 'room/7', shard: 1 },
    ]);
    expect(received(sender)).toEqual(ALL_ONCE);
  });

  test('with time to spare, a request to channels is delivered inline whole', async () => {
    // GIVEN
    const { sender, queue, deps } = setup();

    // WHEN
    const [report] = (await deliverStandard([job({ channels: ['room/42', 'room/7'] })], deps.workerDeps, deps, plenty)).values();

    // THEN
    expect(report).toMatchObject({ outcome: 'delivered', delivered: 9 });
    expect(queue.sent).toEqual([]);
    expect(received(sender)).toEqual(ALL_ONCE);
  });
});

describe('reads items: serialize / parse', () => {
  const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };
  const key = (channel: string, shard: number, id: string) => ({ channel_key: { S: `${channel}#${shard}` }, connection_id: { S: id } });
  const reads = [{ channel: 'room/42', shard: 1, startKey: key('room/42', 1, 'c9') }, { channel: 'room/7', shard: 1 }];
  const valid = { v: WORK_ITEM_VERSION, requestId: 'req-1', segment: 0, totalSegments: 1, attempt: 2, startedAt: 42, reads, data: 'hi' };
  const parse = (value: unknown) => parseWorkItem(JSON.stringify(value), rules);

  test('shard reads with users and exclusions round-trip; the kind is reads', () => {
    // WHEN
    const body = serializeWorkItem({
      requestId: 'req-1', segment: 0, totalSegments: 1, attempt: 2, startedAt: 42, reads, users: ['u1'], excludeConnections: new Set(['sender']),
    }, '"hi"');
    const parsed = parseWorkItem(body, rules);

    // THEN
    expect(JSON.parse(body)).toEqual({ ...valid, users: ['u1'], targeting: { exclude_connections: ['sender'] } });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.item).toMatchObject({ reads, users: ['u1'], segment: 0, totalSegments: 1 });
    expect(workItemKind(parsed.item)).toBe('reads');
  });

  test.each([
    ['empty', { reads: [] }],
    ['not an array', { reads: { channel: 'room/42', shard: 1 } }],
    ['an unknown field', { reads: [{ channel: 'room/42', shard: 1, user: 'u' }] }],
    ['a bad channel', { reads: [{ channel: 'room//42', shard: 1 }] }],
    ['a shard of 100', { reads: [{ channel: 'room/42', shard: 100 }] }],
    ['a negative shard', { reads: [{ channel: 'room/42', shard: -1 }] }],
    ['a start key of another shard', { reads: [{ channel: 'room/42', shard: 1, startKey: key('room/42', 2, 'c9') }] }],
    ['a start key of another channel', { reads: [{ channel: 'room/42', shard: 1, startKey: key('room/7', 1, 'c9') }] }],
    ['a connections-table start key', { reads: [{ channel: 'room/42', shard: 1, startKey: { user_id: { S: 'u' }, connection_id: { S: 'c' } } }] }],
    ['the same shard twice', { reads: [{ channel: 'room/42', shard: 1 }, { channel: 'room/42', shard: 1 }] }],
  ])('reads that are %s are invalid', (_label, fields) => {
    expect(parse({ ...valid, ...fields })).toMatchObject({ ok: false, reason: expect.stringMatching(/^`reads` must be a non-empty array/) });
  });

  test.each([
    ['channel', { channel: 'room/42' }],
    ['connections', { connections: [{ userId: 'u', connectionId: 'c' }] }],
    ['exclusiveStartKey', { exclusiveStartKey: key('room/42', 1, 'c') }],
  ])('reads with `%s` are invalid', (field, fields) => {
    expect(parse({ ...valid, ...fields })).toEqual({ ok: false, reason: `\`reads\` and \`${field}\` cannot both be given` });
  });
});
