import { Duration } from 'aws-cdk-lib';
import { synthesizeChannelsApp } from './channels-app';
import { envelopeText, publishAuthorizer, putSubscriptions, requestLines, subscriptionKeys } from './channels-publishing';
import { FAST_RETRIES, linesOf, useLocalSystem } from './support';
import type { VirtualConnection } from '../../local/api-gateway/connections';
import type { LocalSystem } from '../../local/system/local-system';
import { channelKey, shardOf } from '../../src/shared/channels';

// A hot channel through the segmented broadcast, end to end on the channels app synthesized with `shards: 4` and
// `segmentedBroadcast` (a threshold the channel and the table both reach, a send rate under the emulator's throttle):
// a request to the channel alone is split into one work item per shard on the template's work queue (moto), each
// worker reads its shard page by page, continues before its time runs out, retries and carries forward what the
// throttled Management API refused, and prunes the subscribers that are gone. The subscribers are virtual connections
// (a row and an in-memory receiver each) with their subscription rows written straight to the subscriptions table,
// keyed as the channels function keys them.

const SHARDS = 4;
const CHANNEL = 'room/live-final';
const SUBSCRIBERS = 20_000;
const SMALL_CHANNEL = 'room/open-small';

const app = synthesizeChannelsApp({
  shards: SHARDS,
  props: {
    timeout: Duration.seconds(3),
    maxAttempts: 3,
    segmentedBroadcast: {
      threshold: 10_000,
      workerConcurrency: 4,
      // The workers' pace stays under the API's rate, as the construct's users must keep it under API Gateway's:
      // above it, throttling would outlast every retry and carry-forward.
      sendRatePerSecond: 1200,
      timeMargin: Duration.millis(1500),
    },
  },
});
const local = useLocalSystem({
  ...app, authorizer: publishAuthorizer, handler: false, seed: 24, queues: true, pusherOverrides: { ...FAST_RETRIES, FANOUT_PAGE_SIZE: '250' },
});

const empty = { visible: 0, inFlight: 0, delayed: 0 };
const sum = (lines: Record<string, any>[], key: string) => lines.reduce((n, l) => n + (l[key] as number), 0);
const users = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${String(Math.floor(i / 2)).padStart(5, '0')}`);

/**
 * The channel's 20,000 live subscribers, 40 subscribers whose connections are gone, and 500 live connections not in it
 * (10 of them in a small channel).
 */
async function seed(s: LocalSystem) {
  const subscribers = await s.connectVirtual(users(SUBSCRIBERS, 'fan'), { keepMessages: true });
  const others = await s.connectVirtual(users(500, 'other'), { keepMessages: true });
  const gone = await Promise.all(Array.from({ length: 40 }, (_, i) => s.putStaleRow(`gone-${i}`)));
  await putSubscriptions(s, [...subscribers, ...gone].map(({ userId, connectionId }) => ({ channel: CHANNEL, userId, connectionId })), SHARDS);
  await putSubscriptions(s, others.slice(0, 10).map(({ userId, connectionId }) => ({ channel: SMALL_CHANNEL, userId, connectionId })), SHARDS);
  return { subscribers, others, gone };
}

/**
 * A channel under the threshold, in the same big table, is delivered inline, not split: the channel's count decides, not
 * the table's. Inline reads have the time guard: when counting the big table has taken the invocation (3 s) into its
 * margin (1.5 s), which a loaded machine can do, the shards not yet read go to a follow-up (`requeued`) instead; either
 * way nothing is split and each subscriber gets the message once.
 */
async function publishToSmallChannel(s: LocalSystem, others: readonly VirtualConnection[]): Promise<void> {
  await s.sendToQueue({ id: 'small-1', channels: [SMALL_CHANNEL], data: 'psst' });
  await s.drained(120_000);
  const [line] = requestLines(s);
  expect(requestLines(s)).toHaveLength(1);
  if (line.outcome === 'delivered') {
    expect(line).toEqual(expect.objectContaining({ kind: 'channel', outcome: 'delivered', targets: 10, delivered: 10, channelDelivered: 10 }));
    expect(s.invocationsFrom('work')).toEqual([]);
  } else {
    expect(line).toEqual(expect.objectContaining({ kind: 'channel', outcome: 'requeued' }));
    const work = linesOf(s.invocationsFrom('work'), 'work item processed');
    expect(work.every((w) => w.kind !== 'segment' && w.outcome !== 'failed')).toBe(true);
    expect(line.channelDelivered + sum(work, 'channelDelivered')).toBe(10);
  }
  expect(others.slice(0, 10).map((c) => c.messages)).toEqual(others.slice(0, 10).map(() => [envelopeText('small-1', 'psst', SMALL_CHANNEL)]));
}

/** The work items the work queue's event source received, as their bodies. */
function workItems(s: LocalSystem): Array<Record<string, any>> {
  const source = s.sources!.sqs.find(({ source: { queue } }) => queue.url === s.pusherQueues.work!.url)!.source;
  return source.invocations.flatMap((i) => i.records).map((record) => JSON.parse(record.body));
}

test('a 20,000-subscriber channel is split one work item per shard and reaches each subscriber but the sender once under a throttle', async () => {
  // GIVEN the subscribers, spread over the 4 shards by their connection ids, and a throttled Management API: a burst
  // of 20 against each worker's own burst of 30 (a tenth of a second of its 300/s), and the first 20 posts answered 429
  // whatever the machine's speed (on a loaded machine a worker's burst can arrive slower than the bucket refills)
  const s = local.system;
  const { subscribers, others, gone } = await seed(s);
  const perShard = [0, 1, 2, 3].map((shard) => subscribers.filter((c) => shardOf(c.connectionId, SHARDS) === shard).length);
  expect(perShard.every((n) => n > 0)).toBe(true);
  await publishToSmallChannel(s, others);
  s.setFaults({ rateLimitPerSecond: 1_500, burst: 20, throttleFirstN: 20 });
  const started = Date.now();

  // WHEN the app publishes to the channel, "everyone but the sender"
  const sender = subscribers[123];
  await s.sendToQueue({ id: 'final-whistle', channels: [CHANNEL], exclude_connections: [sender.connectionId], data: { score: '2-1' } });
  await s.drained(200_000);

  // THEN the request was split into one work item of kind channel per shard, each naming the channel and its shard
  const split = requestLines(s)[1];
  expect(requestLines(s)).toEqual([expect.anything(), expect.objectContaining({ kind: 'channel', outcome: 'split', segments: SHARDS })]);
  // (the small channel's follow-ups, when its inline delivery ran into the time guard, are checked above and left out here)
  const ofSplit = (requestId: unknown) => requestId === split.messageId;
  const firsts = workItems(s).filter((item) => ofSplit(item.requestId) && item.attempt === 1 && !item.exclusiveStartKey && !item.connections);
  const expectedFirsts = [0, 1, 2, 3].map((segment) => ({ channel: CHANNEL, segment, totalSegments: SHARDS, requestId: split.messageId }));
  expect(firsts.map(({ channel, segment, totalSegments, requestId }) => ({ channel, segment, totalSegments, requestId }))
    .sort((a, b) => a.segment - b.segment)).toEqual(expectedFirsts);
  const lines = linesOf(s.invocationsFrom('work'), 'work item processed').filter((l) => ofSplit(l.requestId));
  expect(lines.length).toBeGreaterThanOrEqual(SHARDS);
  expect(lines.every((l) => l.kind === 'channel' || l.kind === 'carry-forward')).toBe(true);

  // every subscriber but the sender received it exactly once, in the envelope naming the channel; nobody else anything
  expectOnce(subscribers, sender, others, envelopeText('final-whistle', { score: '2-1' }, CHANNEL));
  expect(s.emulator.stats.delivered).toBe(SUBSCRIBERS - 1 + 10);
  expect(s.emulator.stats.byStatus[410]).toBe(gone.length);
  expect(s.emulator.stats.byStatus[429]).toBeGreaterThan(0);

  // the figures add up across the request's items: throttled posts were retried or carried, and delivered in the end
  expectFigures(lines, gone.length);
  expect(s.invocationsFrom('work').every((i) => !i.error)).toBe(true);
  for (const queue of s.messaging!.queues.values()) expect(await s.messaging!.moto.depth(queue)).toEqual(empty);

  // the gone subscribers' connection rows and subscription rows are pruned; everyone else's are kept
  await expectPruned(s, subscribers, others, gone);
  process.stdout.write(`channels segmented e2e: ${JSON.stringify({
    subscribers: SUBSCRIBERS,
    perShard,
    workItems: lines.length,
    continuations: sum(lines, 'continued'),
    retried: sum(lines, 'retried'),
    carried: sum(lines, 'carried'),
    throttled: s.emulator.stats.byStatus[429],
    elapsedMs: Date.now() - started,
  })}\n`);
}, 420_000);

function expectOnce(
  subscribers: readonly VirtualConnection[], sender: VirtualConnection, others: readonly VirtualConnection[], envelope: string,
): void {
  const receivers = subscribers.filter((c) => c !== sender);
  expect(receivers.filter((c) => c.received !== 1).map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
  expect(receivers.filter((c) => c.messages[0] !== envelope).map((c) => `${c.connectionId}: ${c.messages[0]}`)).toEqual([]);
  expect(sender.received).toBe(0);
  // the first 10 others are in the small channel only: they have its message, and nothing more
  expect(others.filter((c, i) => c.received !== (i < 10 ? 1 : 0)).map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
}

function expectFigures(lines: Record<string, any>[], gone: number): void {
  expect(sum(lines, 'delivered')).toBe(SUBSCRIBERS - 1);
  expect(sum(lines, 'channelDelivered')).toBe(SUBSCRIBERS - 1);
  expect(sum(lines, 'gone')).toBe(gone);
  // a gone subscriber is its connection row and the subscription it was reached through
  expect(sum(lines, 'pruned')).toBe(2 * gone);
  expect(sum(lines, 'failed')).toBe(0);
  expect(sum(lines, 'retried') + sum(lines, 'carried')).toBeGreaterThan(0);
  expect(sum(lines, 'retargeted')).toBe(sum(lines, 'carried'));
  expect(sum(lines, 'targets')).toBe(sum(lines, 'delivered') + sum(lines, 'gone') + sum(lines, 'failed'));
  expect(lines.every((l) => l.outcome === 'completed' || l.outcome === 'continued')).toBe(true);
}

async function expectPruned(s: LocalSystem, subscribers: readonly VirtualConnection[], others: readonly VirtualConnection[],
  gone: ReadonlyArray<{ connectionId: string }>): Promise<void> {
  const rows = await s.rows();
  expect(rows).toHaveLength(subscribers.length + others.length);
  expect(rows.some((r) => r.userId.startsWith('gone-'))).toBe(false);
  const keys = (await subscriptionKeys(s)).filter((k) => k.channelKey.startsWith(`${CHANNEL}#`));
  expect(keys).toHaveLength(SUBSCRIBERS);
  const kept = new Set(keys.map((k) => `${k.channelKey} ${k.connectionId}`));
  expect(subscribers.filter((c) => !kept.has(`${channelKey(CHANNEL, shardOf(c.connectionId, SHARDS))} ${c.connectionId}`))).toEqual([]);
  expect(gone.filter((g) => keys.some((k) => k.connectionId === g.connectionId))).toEqual([]);
}
