import { parseRequestValue } from '../../../lambda/core/request';
import type { WorkDeps } from '../../../lambda/work/deps';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';
import { planSplit, SplitDecision, splitBroadcasts } from '../../../lambda/work/split';
import { fakeDeps, FakeQueue, FakeSender, FakeStore, FakeSubscriptionStore, RecordingLog, row, subscriber as sub } from '../support/fakes';
import { WORK_CONFIG as config } from '../support/work-config';

const job = (body: Record<string, unknown>, messageId = 'm-1') => {
  const parsed = parseRequestValue({ data: 'x', ...body }, { disconnectEnabled: false, messageFormat: 'envelope', channelsEnabled: true }, messageId);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { messageId, request: parsed.request, source: 'sqs' as const };
};
const roomOf = (n: number) => Array.from({ length: n }, (_, i) => sub('room', `u${i}`, `c${i}`));

/** A table of `tableRows` connections, `room` with `subscribers`, 3 shards, a split threshold of `threshold`. */
function setup(threshold: number, subscribers: number, tableRows = 10) {
  const store = new FakeStore(Array.from({ length: tableRows }, (_, i) => row(`u${i}`, `c${i}`)));
  const subscriptions = new FakeSubscriptionStore(roomOf(subscribers), 3);
  const queue = new FakeQueue();
  const log = new RecordingLog();
  const deps: WorkDeps = {
    config: { ...config, split: { threshold, totalSegments: 2 } },
    store,
    queue,
    deadLetters: new FakeQueue(),
    workerDeps: fakeDeps(store, new FakeSender(), { subscriptions }),
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    messageFormat: 'envelope',
    splitDecision: new SplitDecision(store, threshold, () => 0, subscriptions),
    log,
    now: () => 1_000,
  };
  return { store, subscriptions, queue, log, deps };
}

describe('SplitDecision: a channel', () => {
  test('its subscribers are counted up to the threshold, cached a minute per channel', async () => {
    // GIVEN room with 5 subscribers, a threshold of 5 and a clock
    const subscriptions = new FakeSubscriptionStore([...roomOf(5), sub('lobby', 'u', 'c')]);
    let t = 0;
    const decision = new SplitDecision(new FakeStore([]), 5, () => t, subscriptions);

    // WHEN / THEN the same channel twice is one count; another channel its own
    expect(await decision.shouldSplitChannel('room')).toBe(true);
    expect(await decision.shouldSplitChannel('room')).toBe(true);
    expect(await decision.shouldSplitChannel('lobby')).toBe(false);
    expect(subscriptions.counts).toEqual([['room', 5], ['lobby', 5]]);

    // WHEN a minute passes and the room empties
    subscriptions.rows = [];
    t = 61_000;

    // THEN a new count decides
    expect(await decision.shouldSplitChannel('room')).toBe(false);
    expect(subscriptions.counts).toHaveLength(3);
  });

  test('the cache keeps at most 1,000 channels: beyond, it starts again', async () => {
    // GIVEN 1,000 channels decided
    const subscriptions = new FakeSubscriptionStore([]);
    const decision = new SplitDecision(new FakeStore([]), 5, () => 0, subscriptions);
    for (let i = 0; i < 1_000; i++) await decision.shouldSplitChannel(`ch-${i}`);

    // WHEN a 1,001st is decided, then the first again
    await decision.shouldSplitChannel('one-more');
    await decision.shouldSplitChannel('ch-0');

    // THEN the first was counted again
    expect(subscriptions.counts.filter(([channel]) => channel === 'ch-0')).toHaveLength(2);
  });

  test('a threshold of 0 splits without counting; without the subscriptions table a channel is never split', async () => {
    const subscriptions = new FakeSubscriptionStore([]);
    expect(await new SplitDecision(new FakeStore([]), 0, Date.now, subscriptions).shouldSplitChannel('room')).toBe(true);
    expect(subscriptions.counts).toEqual([]);
    expect(await new SplitDecision(new FakeStore([]), 0).shouldSplitChannel('room')).toBe(false);
  });
});

describe('planSplit: a request to one channel', () => {
  test('one channel item per shard, with the request\'s exclusions, each a valid work item', () => {
    // WHEN
    const plan = planSplit(job({ channels: ['room'], exclude_connections: ['sender'], id: 'order-1' }), config.split!, 42, 'envelope', 3);

    // THEN
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.messages.map((m) => JSON.parse(m.body))).toEqual([0, 1, 2].map((segment) => ({
      v: 1,
      requestId: 'm-1',
      id: 'order-1',
      channel: 'room',
      segment,
      totalSegments: 3,
      attempt: 1,
      startedAt: 42,
      targeting: { exclude_connections: ['sender'] },
      data: 'x',
    })));
    const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };
    for (const { body } of plan.messages) expect(parseWorkItem(body, rules)).toMatchObject({ ok: true, item: { channel: 'room', totalSegments: 3 } });
  });
});

describe('splitBroadcasts: requests to one channel', () => {
  test('a channel with at least the threshold of subscribers is split into one item per shard, nothing sent inline', async () => {
    // GIVEN a table and a room of 5, a threshold of 5
    const { queue, deps } = setup(5, 5);

    // WHEN
    const { inline, reports } = await splitBroadcasts([job({ channels: ['room'] })], deps);

    // THEN
    expect(inline).toEqual([]);
    expect([...reports.values()]).toEqual([expect.objectContaining({ kind: 'channel', outcome: 'split', segments: 3, targets: 0 })]);
    expect(queue.bodies().map((b) => [b.channel, b.segment, b.totalSegments])).toEqual([['room', 0, 3], ['room', 1, 3], ['room', 2, 3]]);
  });

  test('a channel below the threshold stays inline (the table counted big enough)', async () => {
    // GIVEN a table of 10, a room of 4, a threshold of 5
    const { queue, subscriptions, deps } = setup(5, 4);

    // WHEN
    const { inline } = await splitBroadcasts([job({ channels: ['room'] })], deps);

    // THEN
    expect(inline).toHaveLength(1);
    expect(subscriptions.counts).toEqual([['room', 5]]);
    expect(queue.sent).toEqual([]);
  });

  test('a table below the threshold: the channel is not even counted', async () => {
    // GIVEN a table of 3 (a channel has at most one subscriber per connection)
    const { subscriptions, deps } = setup(5, 5, 3);

    // WHEN / THEN
    expect((await splitBroadcasts([job({ channels: ['room'] })], deps)).inline).toHaveLength(1);
    expect(subscriptions.counts).toEqual([]);
  });

  test('a count that fails keeps the request inline, with a warning naming the channel', async () => {
    // GIVEN
    const { subscriptions, log, queue, deps } = setup(5, 5);
    subscriptions.failCount = true;

    // WHEN
    const { inline } = await splitBroadcasts([job({ channels: ['room'] })], deps);

    // THEN
    expect(inline).toHaveLength(1);
    expect(queue.sent).toEqual([]);
    expect(log.lines).toEqual([{
      level: 'warn', message: 'could not count the channel\'s subscribers; delivering inline', fields: { channel: 'room', error: 'InternalServerError: unavailable' },
    }]);
  });

  test.each([
    ['two channels', { channels: ['room', 'lobby'] }],
    ['a channel and users', { channels: ['room'], users: ['u1'] }],
    ['a channel and connections', { channels: ['room'], connections: ['c1'] }],
  ])('%s: never split, never counted', async (_label, body) => {
    // GIVEN a threshold of 0 (split whatever can be)
    const { subscriptions, queue, deps } = setup(0, 5);

    // WHEN
    const { inline } = await splitBroadcasts([job(body)], deps);

    // THEN
    expect(inline).toHaveLength(1);
    expect([queue.sent, subscriptions.counts]).toEqual([[], []]);
  });
});
