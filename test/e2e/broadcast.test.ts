import { expectedInboxes, inboxes, reports, rowsOf, useLocalSystem, wire } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import { snsEvent, sqsEvent } from '../../local/events';

// Broadcast through the bundled handler: every connection in the table, minus exclusions, exactly once.

const local = useLocalSystem();

test('a broadcast in the seed format ("users": null) reaches every connection once', async () => {
  // GIVEN 10 connections of 4 users
  await local.system.connectUsers({ alice: 3, bob: 2, carol: 1, dave: 4 });
  const data = { announcement: 'maintenance at 22:00', severity: 'info' };

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data, users: null }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, () => [wire(data)]));
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
  expect(reports(invocation)['msg-1']).toMatchObject({ kind: 'broadcast', outcome: 'delivered', targets: 10, delivered: 10 });
});

test('a broadcast with empty lists is a broadcast too, over SNS', async () => {
  // GIVEN 3 connections of 2 users
  await local.system.connectUsers({ alice: 2, bob: 1 });

  // WHEN
  const invocation = await local.pusher.invoke(snsEvent({ data: 'all', users: [], connections: [] }));
  await local.system.deliveries();

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, () => [wire('all')]));
});

test('a broadcast excluding more than 100 users skips all of them', async () => {
  // GIVEN 120 excluded users (past DynamoDB's 100-operand IN limit), one connection each, and 5 others
  const excluded = Array.from({ length: 120 }, (_, i) => `excluded-${String(i).padStart(3, '0')}`);
  const others = ['u1', 'u2', 'u3', 'u4', 'u5'];
  const excludedClients = await local.system.connectMany(excluded);
  const otherClients = await local.system.connectMany([...others, 'u1']);
  const notConnected = Array.from({ length: 30 }, (_, i) => `offline-${i}`);

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: { presence: 'update' }, exclude_users: [...excluded, ...notConnected] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  const receivers = new Set<RecordingClient>(otherClients);
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (receivers.has(c) ? [wire({ presence: 'update' })] : [])));
  expect(excludedClients.every((c) => c.messages.length === 0)).toBe(true);
  expect(local.system.emulator.stats.requests.POST).toBe(6);
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'delivered', targets: 6, delivered: 6 });
});

test('a broadcast with exclude_connections skips those sockets only', async () => {
  // GIVEN two of five sockets to skip
  const { alice, bob } = await local.system.connectUsers({ alice: 2, bob: 2, carol: 1 });
  const skipped = new Set([alice[0], bob[1]]);

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 'everyone but two sockets', exclude_connections: [...skipped].map((c) => c.connectionId) },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (skipped.has(c) ? [] : [wire('everyone but two sockets')])));
});

test('broadcast and multicast in one batch: each connection gets what is meant for it, once', async () => {
  // GIVEN alice, bob and carol connected
  const { alice } = await local.system.connectUsers({ alice: 2, bob: 2, carol: 1 });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 'b1' },
    { data: 'm1', users: ['alice'] },
    { data: 'b2', exclude_users: ['alice'] },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (alice.includes(c) ? ['b1', 'm1'] : ['b1', 'b2']).map(wire)));
});

test('a broadcast reaches 2,000 real WebSocket connections, each exactly once', async () => {
  // GIVEN 1,000 users with 2 connections each, and 10 rows whose connections are long gone
  const users = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(4, '0')}`);
  const clients = await local.system.connectMany([...users, ...users]);
  const stale = await Promise.all(Array.from({ length: 10 }, (_, i) => local.system.putStaleRow(`gone-${i}`)));
  const data = { broadcast: 'big', padding: 'x'.repeat(512) };

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data }]), { timeoutMs: 900_000 });
  await local.system.deliveries(60_000);

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(clients).toHaveLength(2000);
  const expected = wire(data);
  const wrong = clients.filter((c) => c.messages.length !== 1 || c.messages[0] !== expected);
  expect(wrong.map((c) => `${c.userId}/${c.connectionId}: ${c.messages.length} messages`)).toEqual([]);
  expect(local.system.emulator.stats.delivered).toBe(2000);
  expect(local.system.emulator.stats.byStatus).toEqual({ 200: 2000, 410: 10 });
  expect(await local.system.keys()).toEqual(rowsOf(clients));
  expect(stale).toHaveLength(10);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 2010, delivered: 2000, gone: 10, pruned: 10, failed: 0 });
}, 300_000); // 2,000 handshakes on a busy CI machine: room to finish, nothing asserted about speed
