import { deliverAll } from '../../../../lambda/core/delivery/deliver';
import type { DeliveryJob } from '../../../../lambda/core/delivery/deps';
import type { SubscriberRow } from '../../../../lambda/core/ports/subscription-store';
import { parseRequestValue, type RequestRules } from '../../../../lambda/core/request';
import { Semaphore } from '../../../../lambda/core/semaphore';
import { shardOf } from '../../../../src/shared/channels';
import { fakeDeps, FakeSender, FakeStore, FakeSubscriptionStore, idsInShard, row, subscriber as sub } from '../../support/fakes';

const RULES: RequestRules = { disconnectEnabled: true, messageFormat: 'envelope', channelsEnabled: true };
const NOW_S = 1_000; // fakeDeps' clock is 1,000,000 ms

function channelJob(body: Record<string, unknown>, messageId = 'm1'): DeliveryJob {
  const result = parseRequestValue({ data: { hi: 1 }, ...body }, RULES, messageId);
  if (!result.ok) throw new Error(result.error.message);
  return { messageId, request: result.request };
}

function setup(subs: SubscriberRow[], shards = 3, rows = subs.map((s) => row(s.userId, s.connectionId))) {
  const store = new FakeStore(rows);
  const sender = new FakeSender();
  const subscriptions = new FakeSubscriptionStore(subs, shards);
  const deps = fakeDeps(store, sender, { subscriptions });
  return { store, sender, subscriptions, deps };
}

/** Each connection posted to, with the `channel` of every envelope it received (null: reached through none). */
function received(sender: FakeSender): Record<string, Array<string | null>> {
  const out: Record<string, Array<string | null>> = {};
  for (const { connectionId, payload } of sender.posts) (out[connectionId] ??= []).push(JSON.parse(Buffer.from(payload).toString()).channel ?? null);
  return out;
}

describe('delivery to channels', () => {
  test('a channel\'s subscribers on every shard get the envelope naming it, each once', async () => {
    // GIVEN nine subscribers of room/42 spread over three shards (pages of two)
    const ids = Array.from({ length: 9 }, (_, i) => `c${i}`);
    expect(new Set(ids.map((id) => shardOf(id, 3))).size).toBe(3);
    const { sender, subscriptions, deps } = setup(ids.map((id) => sub('room/42', `u-${id}`, id)));

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room/42'] })], deps);

    // THEN every shard was read, every subscriber got one envelope through room/42
    expect(subscriptions.queries.sort()).toEqual([['room/42', 0], ['room/42', 1], ['room/42', 2]]);
    expect(received(sender)).toEqual(Object.fromEntries(ids.map((id) => [id, ['room/42']])));
    expect(JSON.parse(Buffer.from(sender.posts[0].payload).toString())).toEqual({ type: 'message', id: 'm1', channel: 'room/42', data: { hi: 1 } });
    expect(outcome).toMatchObject({ status: 'delivered', kind: 'channel', targets: 9, delivered: 9, channelDelivered: 9, failed: 0 });
  });

  test('a connection in two of the channels gets it once, named by the first in the request\'s order, even when read last', async () => {
    // GIVEN c1 in both channels, and the request's first channel slower to read than the second
    const { sender, subscriptions, deps } = setup([sub('second', 'u1', 'c1'), sub('first', 'u1', 'c1'), sub('second', 'u2', 'c2')]);
    subscriptions.holds.set('first', new Promise((resolve) => setTimeout(resolve, 20)));

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['first', 'second'] })], deps);

    // THEN
    expect(received(sender)).toEqual({ c1: ['first'], c2: ['second'] });
    expect(sender.delivered()[0]).toBe('c1');
    expect(outcome).toMatchObject({ targets: 2, delivered: 2, channelDelivered: 2 });
  });

  test('channels, users and connection ids together: each connection once; only a subscriber\'s envelope names a channel', async () => {
    // GIVEN c1 a subscriber, u1's connection and a direct id; c2 a subscriber and a direct id; c3 u1's; c4 u3's; c5 direct only
    const { sender, deps } = setup([sub('room', 'u1', 'c1'), sub('room', 'u2', 'c2')], 3,
      [row('u1', 'c1'), row('u1', 'c3'), row('u2', 'c2'), row('u3', 'c4')]);

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'], users: ['u1', 'u3'], connections: ['c1', 'c2', 'c5'] })], deps);

    // THEN
    expect(received(sender)).toEqual({ c1: ['room'], c2: ['room'], c3: [null], c4: [null], c5: [null] });
    expect(outcome).toMatchObject({ kind: 'channel', targets: 5, delivered: 5, channelDelivered: 2 });
  });

  test('"everyone in the room but the sender": exclude_connections and exclude_users apply to subscribers', async () => {
    // GIVEN
    const { sender, deps } = setup([sub('room', 'alice', 'sender'), sub('room', 'alice', 'a2'), sub('room', 'mallory', 'm1'), sub('room', 'bob', 'b1')]);

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'], exclude_connections: ['sender'], exclude_users: ['mallory'] })], deps);

    // THEN
    expect(Object.keys(received(sender)).sort()).toEqual(['a2', 'b1']);
    expect(outcome).toMatchObject({ targets: 2, delivered: 2 });
  });

  test('expired subscriptions are skipped (a TTL at or before now); without a TTL or with a later one they are kept', async () => {
    // GIVEN
    const { sender, deps } = setup([
      sub('room', 'u', 'old', NOW_S - 1), sub('room', 'u', 'now', NOW_S), sub('room', 'u', 'live', NOW_S + 60), sub('room', 'u', 'forever'),
    ]);

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'] })], deps);

    // THEN
    expect(Object.keys(received(sender)).sort()).toEqual(['forever', 'live']);
    expect(outcome.targets).toBe(2);
  });

  test('a 410 prunes the connection\'s row and its subscriptions to the request\'s channels, all counted in pruned', async () => {
    // GIVEN c1, subscribed to both channels, is gone
    const { store, sender, subscriptions, deps } = setup([sub('a', 'u1', 'c1'), sub('b', 'u1', 'c1'), sub('a', 'u2', 'c2'), sub('other', 'u1', 'c1')]);
    sender.answer('c1', { status: 'gone' });

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['a', 'b'] })], deps);

    // THEN
    expect(store.pruneCalls.flat()).toEqual([{ userId: 'u1', connectionId: 'c1' }]);
    expect(subscriptions.pruneCalls.flat().sort((x, y) => x.channel.localeCompare(y.channel))).toEqual([
      { channel: 'a', connectionId: 'c1' }, { channel: 'b', connectionId: 'c1' },
    ]);
    expect(subscriptions.rows).toEqual([sub('a', 'u2', 'c2'), sub('other', 'u1', 'c1')]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 3, delivered: 1, channelDelivered: 1 });
  });

  test('a 410 answered before a later channel\'s subscription row is read prunes that subscription too', async () => {
    // GIVEN c1 gone, its row in the second channel read only once the 410 is in
    const { sender, subscriptions, deps } = setup([sub('a', 'u1', 'c1'), sub('b', 'u1', 'c1')]);
    sender.answer('c1', { status: 'gone' });
    subscriptions.holds.set('b', new Promise((resolve) => setTimeout(resolve, 20)));

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['a', 'b'] })], deps);

    // THEN
    expect(subscriptions.rows).toEqual([]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 3 });
  });

  test('a still-failing subscriber is carried with its owner and channel', async () => {
    // GIVEN
    const { sender, deps } = setup([sub('room', 'u1', 'c1'), sub('room', 'u2', 'c2')]);
    sender.answer('c1', { status: 'retryable', reason: 'LimitExceededException' });

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'] })], deps, { followUps: true });

    // THEN
    expect(outcome.remainder).toEqual({
      connections: [{ userId: 'u1', connectionId: 'c1', channel: 'room' }], users: [], segments: [], alreadyReached: [],
    });
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, channelDelivered: 1, retried: 2 });
  });

  test('a failed user lookup is looked up again, skipping the user\'s connections reached through a channel', async () => {
    // GIVEN u1's c1 subscribed to the room, and u1's Query failing
    const { store, sender, deps } = setup([sub('room', 'u1', 'c1'), sub('room', 'u2', 'c2')], 3, [row('u1', 'c1'), row('u1', 'c3')]);
    store.failingUsers.add('u1');

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'], users: ['u1'] })], deps, { followUps: true });

    // THEN the follow-up of u1 will not send to c1 again (nor to c2, which is not u1's)
    expect(Object.keys(received(sender)).sort()).toEqual(['c1', 'c2']);
    expect(outcome.remainder).toMatchObject({ users: ['u1'], alreadyReached: ['c1'] });
  });

  test('without the subscriptions table a request with channels fails (a wiring bug), nothing sent', async () => {
    // GIVEN
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['room'], connections: ['c1'] })], fakeDeps(new FakeStore([]), sender));

    // THEN
    expect(sender.posts).toEqual([]);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'LOOKUP_FAILED', message: expect.stringContaining('subscriptions table') } });
  });

  test('many channels and shards through one query slot: no wait cycle, each connection once', async () => {
    // GIVEN 3 channels of 10 shards, overlapping subscribers, one query slot
    const subs = ['x', 'y', 'z'].flatMap((channel) => Array.from({ length: 30 }, (_, i) => sub(channel, 'u', `c${i}`)));
    const { sender, deps } = setup(subs, 10);

    // WHEN
    const [outcome] = await deliverAll([channelJob({ channels: ['z', 'x', 'y'], users: ['u'] })], { ...deps, querySlots: new Semaphore(1) });

    // THEN
    expect(received(sender)).toEqual(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`c${i}`, ['z']])));
    expect(outcome).toMatchObject({ targets: 30, channelDelivered: 30 });
  });

  test('two requests to a channel in one invocation, one query slot: each subscriber gets both, in record order', async () => {
    // GIVEN 12 subscribers over 5 shards, one query slot
    const subs = Array.from({ length: 12 }, (_, i) => sub('room', `u${i}`, `c${i}`));
    const { sender, deps } = setup(subs, 5);

    // WHEN
    const outcomes = await deliverAll([channelJob({ channels: ['room'], data: 1 }, 'm1'), channelJob({ channels: ['room'], users: ['u0'], data: 2 }, 'm2')],
      { ...deps, querySlots: new Semaphore(1) });

    // THEN
    const order: Record<string, unknown[]> = {};
    for (const { connectionId, payload } of sender.posts) (order[connectionId] ??= []).push(JSON.parse(Buffer.from(payload).toString()).data);
    expect(order).toEqual(Object.fromEntries(subs.map((s) => [s.connectionId, [1, 2]])));
    expect(outcomes.map((o) => o.delivered)).toEqual([12, 12]);
  });

  test('a disconnect request to a channel: each subscriber gets the envelope, is closed, and its rows go (closed, not pruned)', async () => {
    // GIVEN
    const { store, sender, subscriptions, deps } = setup([sub('room', 'u1', 'c1'), sub('room', 'u2', 'c2')]);

    // WHEN
    const [outcome] = await deliverAll([channelJob({ action: 'disconnect', channels: ['room'], data: 'bye' })], deps);

    // THEN
    expect(received(sender)).toEqual({ c1: ['room'], c2: ['room'] });
    expect(sender.closes.sort()).toEqual(['c1', 'c2']);
    expect([store.rows, subscriptions.rows]).toEqual([[], []]);
    expect(outcome).toMatchObject({ closed: 2, pruned: 0, channelDelivered: 2 });
  });
});

describe('a channel shard that cannot be read', () => {
  // Shard 0 of room: five subscribers, pages of two; shard 1: three, one of them the sender. x (ux's) is in shard 0's
  // unread part, d (given directly) in shard 0, y (ux's) and e (given directly) in shard 1.
  const [s0, s1] = [idsInShard(0, 2, 5, 'zero-'), idsInShard(1, 2, 3, 'one-')];
  const [x, d] = idsInShard(0, 2, 2, 'other-');
  const [y, e] = idsInShard(1, 2, 2, 'other-');
  const subs = [...s0.map((id) => sub('room', 'u', id)), ...s1.map((id) => sub('room', 'u', id)), sub('room', 'ux', x)];
  const request = { channels: ['room'], users: ['ux'], connections: [d, e], exclude_connections: [s1[0]] };
  const failing = (pagesServed: number) => {
    const context = setup(subs, 2, [row('ux', x), row('ux', y)]);
    context.subscriptions.failAfter.set('room#0', pagesServed);
    return context;
  };

  test('with follow-ups, the rest of the shard is left from the last page read, skipping what was reached otherwise in it', async () => {
    // GIVEN shard 0 failing after its first page
    const { sender, deps } = failing(1);

    // WHEN
    const [outcome] = await deliverAll([channelJob(request)], deps, { followUps: true });

    // THEN what was read, the users' and the direct ids are sent once; the unread part of shard 0 is left
    expect(sender.delivered().sort()).toEqual([s0[0], s0[1], s1[1], s1[2], x, y, d, e].sort());
    expect(outcome).toMatchObject({ status: 'delivered', targets: 8, channelDelivered: 4 });
    expect(outcome.remainder!.segments).toHaveLength(1);
    const [unread] = outcome.remainder!.segments;
    expect(unread).toEqual({
      segment: 0,
      totalSegments: 2,
      channel: 'room',
      startKey: { channel_key: { S: 'room#0' }, connection_id: { S: s0[1] } },
      excludeConnections: expect.arrayContaining([x, d]),
      progressed: true,
      failed: true,
    });
    expect(unread.excludeConnections).toHaveLength(2);
  });

  test('a shard failing on its first page is left whole', async () => {
    // WHEN
    const [outcome] = await deliverAll([channelJob(request)], failing(0).deps, { followUps: true });

    // THEN
    expect(outcome.remainder!.segments).toEqual([{
      segment: 0, totalSegments: 2, channel: 'room', excludeConnections: expect.arrayContaining([x, d]), progressed: false, failed: true,
    }]);
  });

  test('without follow-ups (a FIFO record), the request fails and is retried whole', async () => {
    // WHEN
    const [outcome] = await deliverAll([channelJob(request)], failing(1).deps);

    // THEN
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'LOOKUP_FAILED' } });
    expect(outcome.remainder).toBeUndefined();
  });
});
