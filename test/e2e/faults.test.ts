import { createServer } from 'net';
import { expectedInboxes, FAST_RETRIES, inboxes, reports, rowsOf, wire } from './support';
import { snsEvent, sqsEvent } from '../../local/events';
import type { Invocation } from '../../local/handler-runner';
import { LocalStack } from '../../local/stack';

// Fault injection: throttling and 500s are retried until everything valid arrives, each connection receiving
// each request once; failures that outlast the retries, and an unreachable table, fail the records loudly.

let stack: LocalStack;

beforeEach(async () => {
  stack = await LocalStack.start({ seed: 7 });
});

afterEach(async () => {
  await stack.stop();
});

const totalRetried = (invocation: Invocation) =>
  Object.values(reports(invocation)).reduce((sum, report) => sum + report.retried, 0);

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('throttling (429 LimitExceededException) is retried until every connection has its messages, once', async () => {
  // GIVEN: 60 connections, a Management API that takes 20 requests at once then 100 per second (slow enough that the
  // 66 posts outrun the bucket even when every request's signature check spreads their arrival, e.g. under coverage)
  const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
  const { length } = await stack.connectMany([...users, ...users, ...users]);
  const pusher = await stack.loadHandler({ RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '200', MAX_ATTEMPTS: '15' });
  stack.setFaults({ rateLimitPerSecond: 100, burst: 20 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([
    { data: { n: 1 } },
    { data: { n: 2 }, users: ['user-1', 'user-2'] },
  ]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  const multicast = new Set(['user-1', 'user-2']);
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, (c) =>
    (multicast.has(c.userId) ? [wire({ n: 1 }), wire({ n: 2 })] : [wire({ n: 1 })])));
  const { byStatus } = stack.emulator.stats;
  expect(byStatus[429]).toBeGreaterThan(0);
  expect(byStatus[200]).toBe(length + 6);
  // Every throttled post was retried, and nothing else was.
  expect(totalRetried(invocation)).toBe(byStatus[429]);
  expect(await stack.rows()).toEqual(rowsOf(stack.clients));
});

test('a fraction of 500s is retried until everything arrives, once', async () => {
  // GIVEN
  const users = Array.from({ length: 15 }, (_, i) => `user-${i}`);
  await stack.connectMany([...users, ...users]);
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, MAX_ATTEMPTS: '12' });
  stack.setFaults({ errorRate: 0.25 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'one' }, { data: 'two', users: ['user-3'] }, { data: 'three' }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, (c) =>
    (c.userId === 'user-3' ? ['one', 'two', 'three'] : ['one', 'three']).map(wire)));
  const { byStatus } = stack.emulator.stats;
  expect(byStatus[500]).toBeGreaterThan(0);
  expect(totalRetried(invocation)).toBe(byStatus[500]);
});

test('each connection failing its first posts gets exactly MAX_ATTEMPTS-bounded retries and one delivery', async () => {
  // GIVEN
  const { alice, bob } = await stack.connectUsers({ alice: 3, bob: 2 });
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, MAX_ATTEMPTS: '3' });
  stack.setFaults({ failFirstN: 2 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'third time lucky', users: ['alice', 'bob'] }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes([...alice, ...bob])).toEqual(expectedInboxes([...alice, ...bob], () => [wire('third time lucky')]));
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 5, delivered: 5, retried: 10, failed: 0 });
  expect(stack.emulator.stats.byStatus).toEqual({ 500: 10, 200: 5 });
});

test('added latency: the handler keeps at most MAX_IN_FLIGHT posts in flight and still delivers everything', async () => {
  // GIVEN
  const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
  await stack.connectMany(users);
  const pusher = await stack.loadHandler({ MAX_IN_FLIGHT: '8' });
  stack.setFaults({ latencyMs: 20 });
  stack.emulator.resetStats();

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'slow' }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, () => [wire('slow')]));
  expect(stack.emulator.stats.maxInFlight).toBeLessThanOrEqual(8);
  expect(stack.emulator.stats.maxInFlight).toBeGreaterThan(1);
});

test('a connection failing beyond MAX_ATTEMPTS fails its record (retried by SQS); the rest is delivered', async () => {
  // GIVEN
  const { alice } = await stack.connectUsers({ alice: 2, bob: 1 });
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, MAX_ATTEMPTS: '4' });
  stack.setFaults({ failingConnections: [alice[0].connectionId] });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'everyone' }, { data: 'bob only', users: ['bob'] }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, (c) =>
    (c === alice[0] ? [] : c.userId === 'bob' ? ['everyone', 'bob only'] : ['everyone']).map(wire)));
  expect(stack.emulator.stats.byStatus[500]).toBe(4);
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'failed', failed: 1, delivered: 2, error: { code: 'SEND_FAILED' } });
});

test('403 ForbiddenException fails the records loudly (a configuration error, fixed then retried)', async () => {
  // GIVEN
  await stack.connectUsers({ alice: 2 });
  const pusher = await stack.loadHandler(FAST_RETRIES);
  stack.setFaults({ forbidden: true });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, 'not json']));

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'failed', delivered: 0, error: { code: 'FORBIDDEN' } });
  expect(invocation.json.some((line) => line.level === 'ERROR' && /execute-api:ManageConnections/.test(line.message))).toBe(true);
  expect(stack.clients.every((c) => c.messages.length === 0)).toBe(true);
});

test('a handler signing with the wrong secret is refused 403 by the emulator: its records fail as Forbidden, nothing is delivered', async () => {
  // GIVEN: the bundled handler with the right access key id but the wrong secret (the emulator checks every signature)
  await stack.connectUsers({ alice: 2, bob: 1 });
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, { data: 'y', users: ['bob'] }]));

  // THEN: every post was answered 403, each record failed as Forbidden (kept for retry), loudly, and no client got a message
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }] });
  const byId = reports(invocation);
  for (const id of ['msg-1', 'msg-2']) {
    expect(byId[id]).toMatchObject({
      outcome: 'failed', delivered: 0, error: { code: 'FORBIDDEN', message: expect.stringContaining('The request signature we calculated does not match') },
    });
  }
  const { byStatus, requests } = stack.emulator.stats;
  expect(requests.POST).toBeGreaterThanOrEqual(2);
  expect(byStatus).toEqual({ 403: requests.POST });
  expect(invocation.json.some((line) => line.level === 'ERROR' && /execute-api:ManageConnections/.test(line.message))).toBe(true);
  expect(stack.clients.every((c) => c.messages.length === 0)).toBe(true);

  // AND the same handler with the right secret delivers (the refusal was the signature, nothing else)
  const fixed = await stack.loadHandler(FAST_RETRIES);
  const retried = await fixed.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, { data: 'y', users: ['bob'] }]));
  expect(retried.result).toEqual({ batchItemFailures: [] });
  await stack.deliveries();
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, (c) => [c.userId === 'alice' ? wire('x') : wire('y')]));
});

test('an unreachable table fails every valid record of an SQS batch, reported, and posts nothing', async () => {
  // GIVEN
  await stack.connectUsers({ alice: 2 });
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await closedPort()}` });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'multicast', users: ['alice'] }, { data: 'broadcast' }, '{bad json']));

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }] });
  const byId = reports(invocation);
  expect(byId['msg-1']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  expect(byId['msg-2']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  expect(byId['msg-3']).toMatchObject({ outcome: 'invalid', error: { code: 'INVALID_JSON' } });
  expect(stack.emulator.stats.requests.POST).toBe(0);
  expect(await stack.rows()).toEqual(rowsOf(stack.clients));
});

test('a missing table fails the records too, and an SNS invocation throws', async () => {
  // GIVEN
  await stack.connectUsers({ alice: 1 });
  const pusher = await stack.loadHandler({ ...FAST_RETRIES, CONNECTIONS_TABLE_NAME: 'no-such-table' });

  // WHEN
  const sqs = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }]));
  const sns = await pusher.invoke(snsEvent({ data: 'x' }, { messageIds: ['sns-1'] }));

  // THEN
  expect(sqs.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(reports(sqs)['msg-1']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED', message: expect.stringMatching(/ResourceNotFound/) } });
  expect(sns.error?.message).toMatch(/sns-1/);
  expect(stack.emulator.stats.requests.POST).toBe(0);
});
