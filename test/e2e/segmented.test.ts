import { Duration } from 'aws-cdk-lib';
import { FAST_RETRIES } from './support';
import type { VirtualConnection } from '../../local/api-gateway/connections';
import { LocalSystem } from '../../local/system/local-system';
import type { WebsocketPusherProps } from '../../src';
import { LIMITS } from '../../src/shared/constants';

// Segmented broadcast end to end: the bundled pusher as the template configures it with `segmentedBroadcast`,
// dynalite, the WebSocket emulator, and moto's SQS server (real SQS-compatible queues: the template's request, work
// and dead-letter queues) driving the workers through the event sources the template declares. moto must be
// installed (local/aws/moto/install-moto.sh): without it these tests fail, they never skip.

let system: LocalSystem | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

/** A system running this pusher's template, with its queues and event sources, and fast retries. */
async function start(props: Partial<WebsocketPusherProps>, overrides: Record<string, string> = {}): Promise<LocalSystem> {
  system = await LocalSystem.start({ seed: 11, app: { props }, queues: true, pusherOverrides: { ...FAST_RETRIES, ...overrides } });
  return system;
}

const workLines = (s: LocalSystem) => s.invocationsFrom('work').flatMap((i) => i.json).filter((l) => l.message === 'work item processed');
const workLog = (s: LocalSystem) => s.invocationsFrom('work').flatMap((i) => i.json);
const empty = { visible: 0, inFlight: 0, delayed: 0 };
const sum = (lines: Record<string, any>[], key: string) => lines.reduce((n, l) => n + (l[key] as number), 0);
const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${String(Math.floor(i / 2)).padStart(5, '0')}`);

test('a broadcast to 20,000 connections reaches each once, split, continued and throttled', async () => {
  // GIVEN 20,000 live connections (2 per user), 50 rows whose connections are gone, a throttled Management API
  const s = await start({
    timeout: Duration.seconds(3),
    maxAttempts: 3,
    segmentedBroadcast: {
      threshold: 0,
      totalSegments: 8,
      workerConcurrency: 4,
      // The workers' pace stays under the API's rate (as the construct's users must keep it under API Gateway's):
      // above it, throttling would outlast every retry and carry-forward, and connections would fail at the bound.
      sendRatePerSecond: 1200,
      timeMargin: Duration.millis(1500),
    },
  }, { FANOUT_PAGE_SIZE: '250' });
  const live = await s.connectVirtual(users(20_000));
  const stale = await Promise.all(Array.from({ length: 50 }, (_, i) => s.putStaleRow(`gone-${i}`)));
  // A burst of 20 against each worker's own burst of 30 (a tenth of a second of its 300/s) and 64 posts in flight
  // throttles the workers' first pages when they post that fast; a machine slowed by other work may not, so the first
  // 40 posts are throttled whatever the speed (CI run 16: no 429 at all on a loaded two-core machine).
  s.setFaults({ rateLimitPerSecond: 1_500, burst: 20, throttleFirstN: 40 });
  const data = { broadcast: 'segmented', at: 'now' };
  const started = Date.now();

  // WHEN
  await s.sendToQueue({ data });
  await s.drained(150_000);
  const elapsedMs = Date.now() - started;

  // THEN the request was split once, into 8 segment items
  const split = s.invocationsFrom('requests').flatMap((i) => i.json).filter((l) => l.message === 'request processed');
  expect(split).toEqual([expect.objectContaining({ kind: 'broadcast', outcome: 'split', segments: 8 })]);
  const items = workLines(s);
  const requestId = split[0].messageId;
  expect(items.every((l) => l.requestId === requestId)).toBe(true);
  expect(new Set(items.filter((l) => l.kind === 'segment').map((l) => l.segment))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));

  // every live connection received the message exactly once; the stale rows were pruned; nothing else was written
  const wrong = live.filter((c: VirtualConnection) => c.received !== 1);
  expect(wrong.map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
  const { byStatus, delivered } = s.emulator.stats;
  expect(delivered).toBe(20_000);
  expect(byStatus[410]).toBe(50);
  expect(byStatus[429]).toBeGreaterThan(0);
  const rows = await s.rows();
  expect(rows).toHaveLength(20_000);
  expect(rows.some((r) => r.userId.startsWith('gone-'))).toBe(false);
  expect(stale).toHaveLength(50);

  // continuations happened; every item succeeded; the figures add up across the request's items
  const continued = items.filter((l) => l.outcome === 'continued').length;
  expect(continued).toBeGreaterThan(0);
  expect(items.every((l) => l.outcome === 'completed' || l.outcome === 'continued')).toBe(true);
  expect(sum(items, 'targets')).toBe(20_050);
  expect(sum(items, 'delivered')).toBe(20_000);
  expect(sum(items, 'pruned')).toBe(50);
  expect(sum(items, 'failed')).toBe(0);
  expect(sum(items, 'retargeted')).toBe(sum(items, 'carried'));
  expect(sum(items, 'targets')).toBe(sum(items, 'delivered') + sum(items, 'gone') + sum(items, 'failed'));
  // no invocation ran out of time: each stopped at the margin
  expect(s.invocationsFrom('work').every((i) => !i.error)).toBe(true);

  // the queues hold nothing, the DLQ included
  for (const queue of Object.values(s.pusherQueues)) expect(await s.messaging!.moto.depth(queue!)).toEqual(empty);

  const figures = {
    connections: live.length,
    stale: stale.length,
    segments: 8,
    workItems: items.length,
    continuations: continued,
    carriedForward: sum(items, 'carried'),
    throttled: byStatus[429],
    wallTimeMs: Math.max(...items.map((l) => l.wallTimeMs)),
    elapsedMs,
  };
  process.stdout.write(`segmented e2e: ${JSON.stringify(figures)}\n`);
}, 240_000);

test('connections still failing are carried forward, then delivered once or failed; never looped', async () => {
  // GIVEN every connection fails its first 3 posts (2 per work item), and one connection fails forever
  const s = await start({
    timeout: Duration.seconds(30),
    maxAttempts: 2,
    segmentedBroadcast: { threshold: 0, totalSegments: 3, workerConcurrency: 4, maxCarryForwardAttempts: 3 },
  });
  const live = await s.connectVirtual(users(300, 'carry'));
  const broken = live[7];
  s.setFaults({ failFirstN: 3, failingConnections: [broken.connectionId] });

  // WHEN
  await s.sendToQueue({ data: 'carried', exclude_users: [live[0].userId] });
  await s.drained();

  // THEN everyone but the excluded user and the broken connection received it once; the broken one failed at the bound
  const excluded = new Set(live.filter((c) => c.userId === live[0].userId));
  const expected = (c: VirtualConnection) => (excluded.has(c) || c === broken ? 0 : 1);
  expect(live.filter((c) => c.received !== expected(c)).map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
  const items = workLines(s);
  // attempt 1 carries everyone (2 failures), attempt 2 delivers all but the broken one, attempt 3 gives it up
  expect(sum(items.filter((l) => l.attempt === 1), 'carried')).toBe(298);
  expect(sum(items.filter((l) => l.attempt === 2), 'delivered')).toBe(297);
  expect(items.filter((l) => l.attempt === 3)).toEqual([expect.objectContaining({ kind: 'carry-forward', retargeted: 1, failed: 1, carried: 0 })]);
  expect(items.some((l) => l.attempt > 3)).toBe(false);
  expect(workLog(s)).toContainEqual(expect.objectContaining({
    message: 'connections not delivered: still failing after 3 work-item attempts', connections: [broken.connectionId],
  }));
  expect(sum(items, 'targets')).toBe(sum(items, 'delivered') + sum(items, 'gone') + sum(items, 'failed'));
  // the broken connection is kept in the work dead-letter queue as a work item naming just it (to redrive later)
  const dead = await s.messaging!.moto.drain(s.pusherQueues.workDeadLetter!);
  expect(dead.map((m) => JSON.parse(m.body))).toEqual([expect.objectContaining({
    attempt: 3, connections: [{ userId: broken.userId, connectionId: broken.connectionId }], data: 'carried',
  })]);
}, 120_000);

test('a malformed work item is dead-lettered after 3 receives, logged with its reason', async () => {
  // GIVEN a 1 s function timeout, so that the work queue's visibility timeout (6 s) brings redeliveries quickly
  const s = await start({ timeout: Duration.seconds(1) });
  await s.connectVirtual(users(10, 'quiet'));
  const malformed = JSON.stringify({ v: 1, requestId: 'forged', segment: 0, totalSegments: 1, attempt: 1, startedAt: 1, data: 'x', broadcast: true });
  const moto = s.messaging!.moto;
  const workDlq = s.pusherQueues.workDeadLetter!;

  // WHEN a body that is not a valid work item reaches the work queue
  await s.sendToQueue(malformed, { role: 'work' });
  const deadline = Date.now() + 40_000;
  while ((await moto.depth(workDlq)).visible === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));

  // THEN it is in the work dead-letter queue, logged on each receive, and it never looped
  expect(await moto.drain(workDlq)).toEqual([expect.objectContaining({ body: malformed })]);
  await s.drained(15_000);
  const lines = workLines(s);
  expect(lines).toHaveLength(LIMITS.WORK_MAX_RECEIVE_COUNT);
  for (const line of lines) {
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'invalid', error: { code: 'INVALID_WORK_ITEM', message: 'unknown field(s): broadcast' } });
  }
  expect(s.emulator.stats.requests.POST).toBe(0);
}, 60_000);
