import { parseRequestValue } from '../../../lambda/core/request';
import { deliverStandard } from '../../../lambda/invocation/deliver-inline';
import type { WorkDeps } from '../../../lambda/work/deps';
import { runWorkItem } from '../../../lambda/work/run-work-item';
import { SplitDecision } from '../../../lambda/work/split';
import { serializeWorkItem, type WorkItemFields } from '../../../lambda/work/work-item';
import {
  fakeDeps, FakeQueue, FakeSender, FakeStore, FakeSubscriptionStore, idsInShard, RecordingLog, row, subscriber as sub,
} from '../support/fakes';
import { WORK_CONFIG as config } from '../support/work-config';
import { drainWorkItems, receivedChannels } from '../support/work-runs';

const STARTED = 1_000_000 - 5_000;
// Shard 1 of room/42 (of 2): seven subscribers, read in pages of three (WORK_CONFIG.pageSize); shard 0: three.
const S1 = idsInShard(1, 2, 7, 'one-');
const S0 = idsInShard(0, 2, 3, 'zero-');
const SUBS = [...S1.map((id) => sub('room/42', `u-${id}`, id)), ...S0.map((id) => sub('room/42', `u-${id}`, id))];

function setup(subs = SUBS) {
  const store = new FakeStore(subs.map((s) => row(s.userId, s.connectionId)));
  const subscriptions = new FakeSubscriptionStore(subs, 2);
  const sender = new FakeSender();
  const queue = new FakeQueue();
  const workerDeps = fakeDeps(store, sender, { subscriptions });
  const deps: WorkDeps = {
    config,
    store,
    queue,
    deadLetters: new FakeQueue(),
    workerDeps,
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    messageFormat: 'envelope',
    splitDecision: new SplitDecision(store, 0, () => 1_000_000, subscriptions),
    log: new RecordingLog(),
    now: () => 1_000_000,
  };
  return { store, subscriptions, sender, queue, deps };
}

const item = (fields: Partial<WorkItemFields> = {}) =>
  serializeWorkItem({ requestId: 'req-1', channel: 'room/42', segment: 1, totalSegments: 2, attempt: 1, startedAt: STARTED, ...fields }, '{"hi":1}');
const plenty = () => 60_000;

const drain = (deps: WorkDeps, queue: FakeQueue, first: string[], remaining: () => number = plenty) => drainWorkItems(deps, queue, first, remaining);

const received = receivedChannels;

describe('runWorkItem: a channel shard', () => {
  test('reads its shard page by page with queryShardPage; each subscriber once, enveloped with the channel, the item\'s exclusions kept', async () => {
    // GIVEN
    const { subscriptions, sender, queue, deps } = setup();

    // WHEN the item excludes one subscriber by connection and one by user
    const report = await runWorkItem('work-1', item({ excludeConnections: new Set([S1[0]]), excludeUsers: new Set([`u-${S1[1]}`]) }), deps, plenty);

    // THEN only shard 1 was read, from the start, in pages of three
    expect(subscriptions.pageCalls.map((c) => [c.channel, c.shard, c.startKey?.connection_id.S, c.limit])).toEqual([
      ['room/42', 1, undefined, 3], ['room/42', 1, S1[2], 3], ['room/42', 1, S1[5], 3],
    ]);
    expect(received(sender)).toEqual(Object.fromEntries(S1.slice(2).map((id) => [id, ['room/42']])));
    expect(JSON.parse(sender.posts[0].payload.toString())).toEqual({ type: 'message', id: 'req-1', channel: 'room/42', data: { hi: 1 } });
    expect(queue.sent).toEqual([]);
    expect(report).toMatchObject({
      kind: 'channel', segment: 1, totalSegments: 2, outcome: 'completed', targets: 5, delivered: 5, channelDelivered: 5, pages: 3,
    });
  });

  test('out of time after a page, it continues in a channel item from the shard\'s key; the chain reaches everyone once', async () => {
    // GIVEN a margin already reached (a page per invocation)
    const { sender, queue, deps } = setup();

    // WHEN the item and its continuations run
    const reports = await drain(deps, queue, [item({ excludeConnections: new Set([S1[0]]) })], () => 0);

    // THEN
    expect(queue.bodies()[0]).toEqual({
      v: 1,
      requestId: 'req-1',
      channel: 'room/42',
      segment: 1,
      totalSegments: 2,
      attempt: 1,
      startedAt: STARTED,
      targeting: { exclude_connections: [S1[0]] },
      exclusiveStartKey: { channel_key: { S: 'room/42#1' }, connection_id: { S: S1[2] } },
      data: { hi: 1 },
    });
    expect(reports.map((r) => [r.kind, r.outcome])).toEqual([['channel', 'continued'], ['channel', 'continued'], ['channel', 'completed']]);
    expect(received(sender)).toEqual(Object.fromEntries(S1.slice(1).map((id) => [id, ['room/42']])));
  });

  test('a Query failing after a page continues from the last key read: nothing sent twice', async () => {
    // GIVEN the shard's second page fails once
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.failAfter.set('room/42#1', 1);

    // WHEN
    const first = await runWorkItem('work-1', item(), deps, plenty);
    subscriptions.failAfter.clear();
    await drain(deps, queue, queue.sent.flat().map((m) => m.body));

    // THEN
    expect(first).toMatchObject({ outcome: 'continued', pages: 1, delivered: 3 });
    expect(queue.bodies()[0].exclusiveStartKey).toEqual({ channel_key: { S: 'room/42#1' }, connection_id: { S: S1[2] } });
    expect(received(sender)).toEqual(Object.fromEntries(S1.map((id) => [id, ['room/42']])));
  });

  test('a Query failing on the first page fails the item (retried; nothing was sent)', async () => {
    // GIVEN
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.failAfter.set('room/42#1', 0);

    // WHEN
    const report = await runWorkItem('work-1', item(), deps, plenty);

    // THEN
    expect(report).toMatchObject({ kind: 'channel', outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
    expect(sender.posts).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  test('without the subscriptions table a channel item fails', async () => {
    // GIVEN
    const { deps } = setup();
    const { subscriptions: _none, ...workerDeps } = deps.workerDeps;

    // WHEN / THEN
    await expect(runWorkItem('work-1', item(), { ...deps, workerDeps }, plenty)).resolves.toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  });

  test('a gone subscriber: its connection row and its subscription are pruned', async () => {
    // GIVEN
    const { store, subscriptions, sender, deps } = setup();
    sender.answer(S1[4], { status: 'gone' });

    // WHEN
    const report = await runWorkItem('work-1', item(), deps, plenty);

    // THEN
    expect(store.pruneCalls.flat()).toEqual([{ userId: `u-${S1[4]}`, connectionId: S1[4] }]);
    expect(subscriptions.pruneCalls.flat()).toEqual([{ channel: 'room/42', connectionId: S1[4] }]);
    expect(report).toMatchObject({ gone: 1, pruned: 2, delivered: 6, channelDelivered: 6 });
  });

  test('carried subscribers are sent the envelope of their channel; one gone has its subscription pruned', async () => {
    // GIVEN a carry-forward item of two subscribers and a direct id
    const { subscriptions, sender, deps } = setup();
    sender.answer(S1[0], { status: 'gone' });
    const carried = [{ userId: `u-${S1[0]}`, connectionId: S1[0], channel: 'room/42' }, { userId: `u-${S0[0]}`, connectionId: S0[0], channel: 'room/42' }, { connectionId: 'direct' }];

    // WHEN
    const report = await runWorkItem('work-1', item({ channel: undefined, segment: 0, totalSegments: 1, attempt: 2, connections: carried }), deps, plenty);

    // THEN
    expect(received(sender)).toEqual({ [S1[0]]: ['room/42'], [S0[0]]: ['room/42'], direct: [null] });
    expect(subscriptions.pruneCalls.flat()).toEqual([{ channel: 'room/42', connectionId: S1[0] }]);
    expect(report).toMatchObject({ kind: 'carry-forward', retargeted: 3, delivered: 2, channelDelivered: 1, pruned: 2 });
  });
});

describe('a channel request\'s follow-ups, end to end', () => {
  const job = (body: Record<string, unknown>) => {
    const parsed = parseRequestValue({ data: { hi: 1 }, ...body }, { disconnectEnabled: false, messageFormat: 'envelope', channelsEnabled: true }, 'm1');
    if (!parsed.ok) throw new Error(parsed.error.message);
    return { messageId: 'm1', request: parsed.request, source: 'sqs' as const, index: 0 };
  };

  test('an unread shard is finished by a follow-up: everyone once, the sender never, those reached otherwise skipped', async () => {
    // GIVEN shard 1 failing after its first page; S1[5] (in its unread part) also a direct id; S1[6] the sender
    const { subscriptions, sender, queue, deps } = setup();
    subscriptions.failAfter.set('room/42#1', 1);

    // WHEN the request is delivered inline, then its follow-ups run
    const reports = await deliverStandard([job({ channels: ['room/42'], connections: [S1[5]], exclude_connections: [S1[6]] })], deps.workerDeps, deps);
    subscriptions.failAfter.clear();
    const work = await drain(deps, queue, queue.sent.flat().map((m) => m.body));

    // THEN
    expect([...reports.values()][0]).toMatchObject({ outcome: 'requeued', kind: 'channel' });
    expect(queue.bodies()[0]).toMatchObject({ channel: 'room/42', segment: 1, totalSegments: 2, targeting: { exclude_connections: [S1[6], S1[5]] } });
    expect(work.map((r) => [r.kind, r.outcome])).toEqual([['channel', 'completed']]);
    expect(received(sender)).toEqual({
      ...Object.fromEntries([...S1.slice(0, 5), ...S0].map((id) => [id, ['room/42']])), [S1[5]]: [null],
    });
  });

  test('a user whose Query failed is looked up again by a follow-up that skips the connection reached through the channel', async () => {
    // GIVEN u-one's connections: S1[0] (subscribed) and 'phone'; its first Query fails
    const { store, sender, queue, deps } = setup();
    store.rows.push(row(`u-${S1[0]}`, 'phone'));
    store.failingUsers.add(`u-${S1[0]}`);

    // WHEN
    await deliverStandard([job({ channels: ['room/42'], users: [`u-${S1[0]}`] })], deps.workerDeps, deps);
    store.failingUsers.clear();
    await drain(deps, queue, queue.sent.flat().map((m) => m.body));

    // THEN S1[0] got it once, through the channel; the phone once, from the follow-up
    expect(received(sender)).toEqual({ ...Object.fromEntries([...S1, ...S0].map((id) => [id, ['room/42']])), phone: [null] });
  });
});
