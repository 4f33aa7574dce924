import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { FAST_RETRIES } from './support';
import type { VirtualConnection } from '../../local/emulator';
import type { HandlerRunner } from '../../local/handler-runner';
import { drained, SqsEventSource } from '../../local/sqs-event-source';
import { SqsServer, type LocalQueue } from '../../local/sqs-server';
import { LocalStack } from '../../local/stack';
import { ENV, LIMITS } from '../../src/shared/constants';

// Segmented broadcast end to end: the bundled pusher, dynalite, the WebSocket emulator, and moto's SQS server
// (a real SQS-compatible endpoint) driving the workers through an emulated Lambda SQS event source. moto must be
// installed (local/install-moto.sh): without it these tests fail, they never skip.

const WORKERS = 4;

let stack: LocalStack;
let sqs: SqsServer;
let requests: LocalQueue;
let work: LocalQueue;
let workDlq: LocalQueue;
const sources: SqsEventSource[] = [];

beforeEach(async () => {
  sqs = await SqsServer.start();
  stack = await LocalStack.start({ seed: 11 });
  const requestsDlq = await sqs.createQueue('notifications-dlq');
  requests = await sqs.createQueue('notifications', { deadLetter: { queue: requestsDlq, maxReceiveCount: 5 } });
  workDlq = await sqs.createQueue('work-dlq');
  work = await sqs.createQueue('work', { deadLetter: { queue: workDlq, maxReceiveCount: LIMITS.WORK_MAX_RECEIVE_COUNT } });
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await stack?.stop();
  await sqs?.stop();
});

/** The pusher as the construct configures it with `segmentedBroadcast`, pointed at moto, one runner per environment. */
async function pushers(count: number, overrides: Record<string, string>): Promise<HandlerRunner[]> {
  const env = {
    ...sqs.handlerEnv(),
    [ENV.FANOUT_THRESHOLD]: '0',
    [ENV.WORK_QUEUE_URL]: work.url,
    [ENV.WORK_QUEUE_ARN]: work.arn,
    [ENV.WORKER_CONCURRENCY]: String(WORKERS),
    ...overrides,
  };
  return Promise.all(Array.from({ length: count }, () => stack.loadHandler(env)));
}

/** The two event source mappings: requests in batches of 10, work items one at a time on WORKERS environments. */
async function startSources(overrides: Record<string, string>, functionTimeoutMs: number, visibilityTimeoutSeconds = 30) {
  const [requestRunner, ...workRunners] = await pushers(1 + WORKERS, overrides);
  const requestSource = new SqsEventSource({ client: sqs.client, queue: requests, runners: [requestRunner], batchSize: 10, functionTimeoutMs });
  const workSource = new SqsEventSource({
    client: sqs.client, queue: work, runners: workRunners, batchSize: 1, functionTimeoutMs, visibilityTimeoutSeconds,
  });
  sources.push(requestSource, workSource);
  requestSource.start();
  workSource.start();
  return { requestSource, workSource };
}

const publish = (body: object) => sqs.client.send(new SendMessageCommand({ QueueUrl: requests.url, MessageBody: JSON.stringify(body) }));
const workLines = (source: SqsEventSource) => source.lines.filter((l) => l.message === 'work item processed');
const sum = (lines: Record<string, any>[], key: string) => lines.reduce((n, l) => n + (l[key] as number), 0);
const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${String(Math.floor(i / 2)).padStart(5, '0')}`);

test('a broadcast to 20,000 connections reaches each once, split, continued and throttled', async () => {
  // GIVEN 20,000 live connections (2 per user), 50 rows whose connections are gone, a throttled Management API
  const live = await stack.connectVirtual(users(20_000));
  const stale = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.putStaleRow(`gone-${i}`)));
  const { requestSource, workSource } = await startSources({
    ...FAST_RETRIES,
    [ENV.MAX_ATTEMPTS]: '3',
    [ENV.FANOUT_SEGMENTS]: '8',
    // The workers' pace stays under the API's rate (as the construct's users must keep it under API Gateway's):
    // above it, throttling would outlast every retry and carry-forward, and connections would fail at the bound.
    [ENV.RATE_LIMIT_PER_SECOND]: '1200',
    [ENV.TIME_MARGIN_MS]: '1500',
    [ENV.FANOUT_PAGE_SIZE]: '250',
  }, 2_500);
  // A burst of 20 against each worker's own burst of 30 (a tenth of a second of its 300/s) and 64 posts in flight:
  // every worker's first page is throttled, whatever the machine and however the workers' starts are spread.
  stack.setFaults({ rateLimitPerSecond: 1_500, burst: 20 });
  const data = { broadcast: 'segmented', at: 'now' };
  const started = Date.now();

  // WHEN
  await publish({ data });
  await drained([requestSource, workSource], [requests, work, workDlq], (q) => sqs.depth(q), 150_000);
  const elapsedMs = Date.now() - started;

  // THEN the request was split once, into 8 segment items
  const split = requestSource.lines.filter((l) => l.message === 'request processed');
  expect(split).toEqual([expect.objectContaining({ kind: 'broadcast', outcome: 'split', segments: 8 })]);
  const items = workLines(workSource);
  const requestId = split[0].messageId;
  expect(items.every((l) => l.requestId === requestId)).toBe(true);
  expect(new Set(items.filter((l) => l.kind === 'segment').map((l) => l.segment))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));

  // every live connection received the message exactly once; the stale rows were pruned; nothing else was written
  const wrong = live.filter((c: VirtualConnection) => c.received !== 1);
  expect(wrong.map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
  const { byStatus, delivered } = stack.emulator.stats;
  expect(delivered).toBe(20_000);
  expect(byStatus[410]).toBe(50);
  expect(byStatus[429]).toBeGreaterThan(0);
  const rows = await stack.rows();
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
  expect(workSource.invocations.every((i) => !i.invocation.error)).toBe(true);

  // the queues hold nothing, the DLQ included
  for (const queue of [requests, work, workDlq]) expect(await sqs.depth(queue)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

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
  const live = await stack.connectVirtual(users(300, 'carry'));
  const broken = live[7];
  const { requestSource, workSource } = await startSources({
    ...FAST_RETRIES, [ENV.MAX_ATTEMPTS]: '2', [ENV.FANOUT_SEGMENTS]: '3', [ENV.FANOUT_MAX_ATTEMPTS]: '3',
  }, 30_000);
  stack.setFaults({ failFirstN: 3, failingConnections: [broken.connectionId] });

  // WHEN
  await publish({ data: 'carried', exclude_users: [live[0].userId] });
  await drained([requestSource, workSource], [requests, work, workDlq], (q) => sqs.depth(q), 60_000);

  // THEN everyone but the excluded user and the broken connection received it once; the broken one failed at the bound
  const excluded = new Set(live.filter((c) => c.userId === live[0].userId));
  const expected = (c: VirtualConnection) => (excluded.has(c) || c === broken ? 0 : 1);
  expect(live.filter((c) => c.received !== expected(c)).map((c) => `${c.connectionId}: ${c.received}`)).toEqual([]);
  const items = workLines(workSource);
  // attempt 1 carries everyone (2 failures), attempt 2 delivers all but the broken one, attempt 3 gives it up
  expect(sum(items.filter((l) => l.attempt === 1), 'carried')).toBe(298);
  expect(sum(items.filter((l) => l.attempt === 2), 'delivered')).toBe(297);
  expect(items.filter((l) => l.attempt === 3)).toEqual([expect.objectContaining({ kind: 'carry-forward', retargeted: 1, failed: 1, carried: 0 })]);
  expect(items.some((l) => l.attempt > 3)).toBe(false);
  expect(workSource.lines).toContainEqual(expect.objectContaining({
    message: 'connections not delivered: still failing after 3 work-item attempts', connections: [broken.connectionId],
  }));
  expect(sum(items, 'targets')).toBe(sum(items, 'delivered') + sum(items, 'gone') + sum(items, 'failed'));
  expect(await sqs.depth(workDlq)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
}, 120_000);

test('a malformed work item is dead-lettered after 3 receives, logged with its reason', async () => {
  // GIVEN workers with a 1 s visibility timeout, so that redeliveries come quickly
  await stack.connectVirtual(users(10, 'quiet'));
  const { workSource } = await startSources({}, 5_000, 1);
  const malformed = JSON.stringify({ v: 1, requestId: 'forged', segment: 0, totalSegments: 1, attempt: 1, startedAt: 1, data: 'x', broadcast: true });

  // WHEN a body that is not a valid work item reaches the work queue
  await sqs.client.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: malformed }));
  const deadline = Date.now() + 30_000;
  while ((await sqs.depth(workDlq)).visible === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  await drained([workSource], [work], (q) => sqs.depth(q), 15_000);

  // THEN it is in the work dead-letter queue, logged on each receive, and it never looped
  expect(await sqs.drain(workDlq)).toEqual([expect.objectContaining({ body: malformed })]);
  const lines = workLines(workSource);
  expect(lines).toHaveLength(LIMITS.WORK_MAX_RECEIVE_COUNT);
  for (const line of lines) {
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'invalid', error: { code: 'INVALID_WORK_ITEM', message: 'unknown field(s): broadcast' } });
  }
  expect(stack.emulator.stats.requests.POST).toBe(0);
}, 60_000);
