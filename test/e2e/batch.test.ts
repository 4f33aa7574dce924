import { expectedInboxes, FAST_RETRIES, inboxes, metricLines, reports, rowsOf, useLocalSystem, wire } from './support';
import { snsEvent, sqsEvent } from '../../local/events';

// A batch mixing valid, invalid and oversize requests: valid ones delivered, invalid ones reported with a clear
// error and never retried, `batchItemFailures` exactly the transient failures.

const local = useLocalSystem({ handler: { ...FAST_RETRIES, MAX_ATTEMPTS: '3' } });

const OVERSIZE = { blob: 'x'.repeat(128 * 1024) };
// Exactly at the limit once serialized: `"` + 131070 characters + `"` is 131,072 bytes.
const AT_LIMIT = 'y'.repeat(128 * 1024 - 2);

test('valid requests are delivered, invalid ones reported and acknowledged, none retried', async () => {
  // GIVEN a batch of valid, invalid and oversize requests
  const { alice, bob } = await local.system.connectUsers({ alice: 2, bob: 1 });
  const batch = [
    { data: { ok: 1 }, users: ['alice'] }, // msg-1 valid multicast
    '{"data": "unterminated', // msg-2 invalid JSON
    { users: ['alice'] }, // msg-3 no data
    { data: OVERSIZE, users: ['bob'] }, // msg-4 over 128 KB once serialized
    { data: 'x', users: ['alice', ''] }, // msg-5 empty id
    { data: 'x', users: 'alice' }, // msg-6 not a list
    { data: 'x', exclude_connections: [null] }, // msg-7 null inside a list
    { data: null, users: ['bob'] }, // msg-8 valid: null is a value
    ['not', 'an', 'object'], // msg-9
    { data: AT_LIMIT, users: ['bob'] }, // msg-10 valid: exactly at the limit
    { data: 'to everyone' }, // msg-11 valid broadcast
  ];

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent(batch));
  await local.system.deliveries();

  // THEN nothing is retried (no transient failure), the valid requests arrived once each
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) =>
    (alice.includes(c) ? [wire({ ok: 1 }), wire('to everyone')] : [wire(null), wire(AT_LIMIT), wire('to everyone')])));
  expect(bob[0].messages.some((m) => m.length > 128 * 1024)).toBe(false);
  expect(local.system.emulator.stats.byStatus).toEqual({ 200: 7 });
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));

  // THEN each invalid request is logged with its message id and a clear reason
  const byId = reports(invocation);
  expect(Object.keys(byId).sort()).toEqual(batch.map((_, i) => `msg-${i + 1}`).sort());
  const invalid = { outcome: 'invalid', delivered: 0, targets: 0 };
  expect(byId['msg-2']).toMatchObject({ ...invalid, error: { code: 'INVALID_JSON', message: expect.stringMatching(/JSON/) } });
  expect(byId['msg-3']).toMatchObject({ ...invalid, error: { code: 'MISSING_DATA', message: expect.stringMatching(/data/) } });
  expect(byId['msg-4']).toMatchObject({ ...invalid, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/131072|128/) } });
  expect(byId['msg-5']).toMatchObject({ ...invalid, error: { code: 'INVALID_ID', message: expect.stringMatching(/users\[1\]/) } });
  expect(byId['msg-6']).toMatchObject({ ...invalid, error: { code: 'INVALID_FIELD', message: expect.stringMatching(/users/) } });
  expect(byId['msg-7']).toMatchObject({ ...invalid, error: { code: 'INVALID_ID', message: expect.stringMatching(/exclude_connections\[0\]/) } });
  expect(byId['msg-9']).toMatchObject({ ...invalid, error: { code: 'NOT_AN_OBJECT' } });
  for (const id of ['msg-1', 'msg-8', 'msg-10', 'msg-11']) {
    expect(byId[id]).toMatchObject({ outcome: 'delivered', failed: 0 });
  }

  // THEN one metric set per request, invalid ones counted
  const metrics = metricLines(invocation);
  expect(metrics).toHaveLength(batch.length);
  expect(metrics.filter((m) => m.InvalidRequests === 1)).toHaveLength(7);
});

test('batchItemFailures lists exactly the records that failed for a transient reason', async () => {
  // GIVEN one of alice's connections keeps answering 500; bob's are healthy
  const { alice } = await local.system.connectUsers({ alice: 2, bob: 2 });
  const [broken, healthy] = alice;
  local.system.setFaults({ failingConnections: [broken.connectionId] });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 'to alice', users: ['alice'] }, // msg-1 transient failure on one connection
    'garbage', // msg-2 invalid: not retried
    { data: 'to bob', users: ['bob'] }, // msg-3 delivered
    { data: OVERSIZE }, // msg-4 invalid: not retried
    { data: 'to all but alice', exclude_users: ['alice'] }, // msg-5 delivered
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(broken.messages).toEqual([]);
  expect(healthy.messages).toEqual([wire('to alice')]);
  expect(inboxes(local.system.clients.filter((c) => c.userId === 'bob')))
    .toEqual(expectedInboxes(local.system.clients.filter((c) => c.userId === 'bob'), () => [wire('to bob'), wire('to all but alice')]));
  const byId = reports(invocation);
  expect(byId['msg-1']).toMatchObject({
    outcome: 'failed', targets: 2, delivered: 1, failed: 1, retried: 2, error: { code: 'SEND_FAILED' },
  });
  // Three attempts, as MAX_ATTEMPTS says, and never more.
  expect(local.system.emulator.stats.byStatus[500]).toBe(3);
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
});

test('a transiently failed SNS notification fails the invocation, so that Lambda retries it', async () => {
  // GIVEN a connection that keeps answering 500
  const [broken] = await local.system.connect('alice');
  local.system.setFaults({ failingConnections: [broken.connectionId] });

  // WHEN
  const invocation = await local.pusher.invoke(snsEvent({ data: 'x', users: ['alice'] }, { messageIds: ['sns-1'] }));

  // THEN
  expect(invocation.error?.message).toMatch(/sns-1/);
  expect(reports(invocation)['sns-1']).toMatchObject({ outcome: 'failed', error: { code: 'SEND_FAILED' } });
});

test('an invalid SNS notification is reported and acknowledged (a retry could never help)', async () => {
  // GIVEN a connected client
  const [client] = await local.system.connect('alice');

  // WHEN
  const invocation = await local.pusher.invoke(snsEvent('{"users": ["alice"]}', { messageIds: ['sns-2'] }));

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(reports(invocation)['sns-2']).toMatchObject({ outcome: 'invalid', error: { code: 'MISSING_DATA' } });
  expect(client.messages).toEqual([]);
});
