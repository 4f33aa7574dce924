import { createServer } from 'net';
import { expectedInboxes, FAST_RETRIES, inboxes, reports, rowsOf, useLocalSystem, wire } from './support';
import { snsEvent, sqsEvent } from '../../local/events';
import type { Invocation } from '../../local/lambda-runtime/function-runner';

// Fault injection: throttling and 500s are retried until everything valid arrives, each connection receiving
// each request once; failures that outlast the retries, and an unreachable table, fail the records loudly.

// Each test loads the handler with the settings it is about.
const local = useLocalSystem({ seed: 7, handler: false });

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

test('throttling (429) is retried until every connection has its messages, once', async () => {
  // GIVEN 60 connections, a Management API that takes 20 requests at once then 100 per second (slow enough that the
  // 66 posts outrun the bucket even when every request's signature check spreads their arrival, e.g. under coverage)
  const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
  const { length } = await local.system.connectMany([...users, ...users, ...users]);
  const pusher = await local.system.loadPusher({ RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '200', MAX_ATTEMPTS: '15' });
  local.system.setFaults({ rateLimitPerSecond: 100, burst: 20 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([
    { data: { n: 1 } },
    { data: { n: 2 }, users: ['user-1', 'user-2'] },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  const multicast = new Set(['user-1', 'user-2']);
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) =>
    (multicast.has(c.userId) ? [wire({ n: 1 }), wire({ n: 2 })] : [wire({ n: 1 })])));
  const { byStatus } = local.system.emulator.stats;
  expect(byStatus[429]).toBeGreaterThan(0);
  expect(byStatus[200]).toBe(length + 6);
  // Every throttled post was retried, and nothing else was.
  expect(totalRetried(invocation)).toBe(byStatus[429]);
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
});

test('a fraction of 500s is retried until everything arrives, once', async () => {
  // GIVEN 30 connections and a Management API answering a quarter of the posts with 500
  const users = Array.from({ length: 15 }, (_, i) => `user-${i}`);
  await local.system.connectMany([...users, ...users]);
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, MAX_ATTEMPTS: '12' });
  local.system.setFaults({ errorRate: 0.25 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'one' }, { data: 'two', users: ['user-3'] }, { data: 'three' }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) =>
    (c.userId === 'user-3' ? ['one', 'two', 'three'] : ['one', 'three']).map(wire)));
  const { byStatus } = local.system.emulator.stats;
  expect(byStatus[500]).toBeGreaterThan(0);
  expect(totalRetried(invocation)).toBe(byStatus[500]);
});

test('connections failing their first posts are retried within MAX_ATTEMPTS, delivered once', async () => {
  // GIVEN each connection fails its first 2 posts, and MAX_ATTEMPTS is 3
  const { alice, bob } = await local.system.connectUsers({ alice: 3, bob: 2 });
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, MAX_ATTEMPTS: '3' });
  local.system.setFaults({ failFirstN: 2 });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'third time lucky', users: ['alice', 'bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes([...alice, ...bob])).toEqual(expectedInboxes([...alice, ...bob], () => [wire('third time lucky')]));
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 5, delivered: 5, retried: 10, failed: 0 });
  expect(local.system.emulator.stats.byStatus).toEqual({ 500: 10, 200: 5 });
});

test('under added latency, at most MAX_IN_FLIGHT posts are in flight, and all are delivered', async () => {
  // GIVEN 40 connections, MAX_IN_FLIGHT 8 and 20 ms added to every post
  const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
  await local.system.connectMany(users);
  const pusher = await local.system.loadPusher({ MAX_IN_FLIGHT: '8' });
  local.system.setFaults({ latencyMs: 20 });
  local.system.emulator.resetStats();

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'slow' }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, () => [wire('slow')]));
  expect(local.system.emulator.stats.maxInFlight).toBeLessThanOrEqual(8);
  expect(local.system.emulator.stats.maxInFlight).toBeGreaterThan(1);
});

test('a connection failing beyond MAX_ATTEMPTS fails its record; the rest is delivered', async () => {
  // GIVEN one of alice's connections answers 500 to every post (the failed record is retried by SQS)
  const { alice } = await local.system.connectUsers({ alice: 2, bob: 1 });
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, MAX_ATTEMPTS: '4' });
  local.system.setFaults({ failingConnections: [alice[0].connectionId] });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'everyone' }, { data: 'bob only', users: ['bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) =>
    (c === alice[0] ? [] : c.userId === 'bob' ? ['everyone', 'bob only'] : ['everyone']).map(wire)));
  expect(local.system.emulator.stats.byStatus[500]).toBe(4);
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'failed', failed: 1, delivered: 2, error: { code: 'SEND_FAILED' } });
});

test('403 ForbiddenException fails the records loudly (a configuration error)', async () => {
  // GIVEN a Management API refusing every post, as when the function lacks the permission (fixed, then retried)
  await local.system.connectUsers({ alice: 2 });
  const pusher = await local.system.loadPusher(FAST_RETRIES);
  local.system.setFaults({ forbidden: true });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, 'not json']));

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'failed', delivered: 0, error: { code: 'FORBIDDEN' } });
  expect(invocation.json.some((line) => line.level === 'ERROR' && /execute-api:ManageConnections/.test(line.message))).toBe(true);
  expect(local.system.clients.every((c) => c.messages.length === 0)).toBe(true);
});

test('a handler signing with the wrong secret is refused 403: records fail, nothing delivered', async () => {
  // GIVEN the bundled handler with the right access key id but the wrong secret (the emulator checks every signature)
  await local.system.connectUsers({ alice: 2, bob: 1 });
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, { data: 'y', users: ['bob'] }]));

  // THEN every post was answered 403, each record failed as Forbidden (kept for retry), loudly, and no client got a message
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }] });
  const byId = reports(invocation);
  for (const id of ['msg-1', 'msg-2']) {
    expect(byId[id]).toMatchObject({
      outcome: 'failed', delivered: 0, error: { code: 'FORBIDDEN', message: expect.stringContaining('The request signature we calculated does not match') },
    });
  }
  const { byStatus, requests } = local.system.emulator.stats;
  expect(requests.POST).toBeGreaterThanOrEqual(2);
  expect(byStatus).toEqual({ 403: requests.POST });
  expect(invocation.json.some((line) => line.level === 'ERROR' && /execute-api:ManageConnections/.test(line.message))).toBe(true);
  expect(local.system.clients.every((c) => c.messages.length === 0)).toBe(true);

  // WHEN the same handler runs with the right secret
  const fixed = await local.system.loadPusher(FAST_RETRIES);
  const retried = await fixed.invoke(sqsEvent([{ data: 'x', users: ['alice'] }, { data: 'y', users: ['bob'] }]));

  // THEN it delivers (the refusal was the signature, nothing else)
  expect(retried.result).toEqual({ batchItemFailures: [] });
  await local.system.deliveries();
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => [c.userId === 'alice' ? wire('x') : wire('y')]));
});

test('an unreachable table fails every valid record of an SQS batch, and nothing is posted', async () => {
  // GIVEN a handler whose DynamoDB endpoint is a closed port
  await local.system.connectUsers({ alice: 2 });
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await closedPort()}` });

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'multicast', users: ['alice'] }, { data: 'broadcast' }, '{bad json']));

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }] });
  const byId = reports(invocation);
  expect(byId['msg-1']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  expect(byId['msg-2']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
  expect(byId['msg-3']).toMatchObject({ outcome: 'invalid', error: { code: 'INVALID_JSON' } });
  expect(local.system.emulator.stats.requests.POST).toBe(0);
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
});

test('a missing table fails the records too, and an SNS invocation throws', async () => {
  // GIVEN a handler configured with a table that does not exist
  await local.system.connectUsers({ alice: 1 });
  const pusher = await local.system.loadPusher({ ...FAST_RETRIES, CONNECTIONS_TABLE_NAME: 'no-such-table' });

  // WHEN
  const sqs = await pusher.invoke(sqsEvent([{ data: 'x', users: ['alice'] }]));
  const sns = await pusher.invoke(snsEvent({ data: 'x' }, { messageIds: ['sns-1'] }));

  // THEN
  expect(sqs.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(reports(sqs)['msg-1']).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED', message: expect.stringMatching(/ResourceNotFound/) } });
  expect(sns.error?.message).toMatch(/sns-1/);
  expect(local.system.emulator.stats.requests.POST).toBe(0);
});
