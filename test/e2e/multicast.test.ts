import { expectedInboxes, inboxes, reports, rowsOf, useLocalSystem, wire } from './support';
import { snsEvent, sqsEvent } from '../../local/events';

// Multicast through the bundled handler: real WebSocket clients, dynalite, real SQS / SNS event shapes.

const local = useLocalSystem();

test('multicast reaches every connection of the listed users, once, and nobody else', async () => {
  // GIVEN alice, bob and carol connected, and a payload with nested and non-ASCII values
  const { alice, bob, carol } = await local.system.connectUsers({ alice: 3, bob: 2, carol: 2 });
  const data = { type: 'chat', text: 'héllo 👋', at: 1700000000, nested: { list: [1, null, true] } };

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data, users: ['alice', 'bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  const targeted = new Set([...alice, ...bob]);
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (targeted.has(c) ? [wire(data)] : [])));
  expect(carol.every((c) => c.messages.length === 0)).toBe(true);
  expect(local.system.clients.every((c) => c.binaryFrames === 0)).toBe(true);
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
  expect(reports(invocation)['msg-1']).toMatchObject({
    source: 'sqs', kind: 'multicast', outcome: 'delivered', targets: 5, delivered: 5, pruned: 0, failed: 0,
  });
});

test('a user listed several times receives the request once per connection', async () => {
  // GIVEN alice and bob with two connections each
  await local.system.connectUsers({ alice: 2, bob: 2 });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: 'ping', users: ['alice', 'bob', 'alice', 'alice', 'bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, () => [wire('ping')]));
  expect(local.system.emulator.stats.requests.POST).toBe(4);
});

test('exclude_users removes users from a multicast', async () => {
  // GIVEN alice, bob and carol connected
  const { bob } = await local.system.connectUsers({ alice: 2, bob: 2, carol: 1 });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: { presence: 'bob' }, users: ['alice', 'bob', 'carol'], exclude_users: ['bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (bob.includes(c) ? [] : [wire({ presence: 'bob' })])));
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 3, delivered: 3 });
});

test('connections and exclude_connections target and skip individual sockets', async () => {
  // GIVEN alice with three sockets, bob with two, carol with one
  const { alice, bob } = await local.system.connectUsers({ alice: 3, bob: 2, carol: 1 });
  const [a1, a2, a3] = alice;
  const [b1, b2] = bob;

  // WHEN the sender's own socket (a1) is excluded from a multicast to its user; b2 is targeted directly
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 'to-alice-but-sender', users: ['alice'], exclude_connections: [a1.connectionId] },
    { data: 'direct', connections: [b2.connectionId, a3.connectionId, b2.connectionId], exclude_connections: [a3.connectionId] },
    { data: 'direct-minus-user', connections: [a2.connectionId, b1.connectionId], exclude_users: ['alice'] },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  const expected = new Map([
    [a2, ['to-alice-but-sender']],
    [a3, ['to-alice-but-sender']],
    [b2, ['direct']],
    [b1, ['direct-minus-user']],
  ]);
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (expected.get(c) ?? []).map(wire)));
  expect(await local.system.keys()).toEqual(rowsOf(local.system.clients));
});

test('several requests of one batch reach a shared user, each once', async () => {
  // GIVEN alice and bob connected
  const { alice } = await local.system.connectUsers({ alice: 2, bob: 1 });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 1, users: ['alice'] },
    { data: 2, users: ['alice', 'bob'] },
    { data: 3, users: ['bob'] },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (alice.includes(c) ? ['1', '2'] : ['2', '3'])));
});

test('an SNS notification is delivered and the invocation resolves', async () => {
  // GIVEN alice and bob connected
  const { alice } = await local.system.connectUsers({ alice: 2, bob: 1 });

  // WHEN
  const invocation = await local.pusher.invoke(snsEvent({ data: { via: 'sns' }, users: ['alice'] }, { messageIds: ['sns-1'] }));
  await local.system.deliveries();

  // THEN
  expect(invocation.error).toBeUndefined();
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (alice.includes(c) ? [wire({ via: 'sns' })] : [])));
  expect(reports(invocation)['sns-1']).toMatchObject({ source: 'sns', outcome: 'delivered', delivered: 2 });
});

test('a direct invocation answers with its summary', async () => {
  // GIVEN alice with two connections
  await local.system.connectUsers({ alice: 2 });

  // WHEN
  const invocation = await local.pusher.invoke({ data: null, users: ['alice'] });
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toMatchObject({ status: 'delivered', targets: 2, delivered: 2, pruned: 0, retried: 0, failed: 0 });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, () => ['null']));
});

test('a row whose TTL has passed is skipped, not posted to', async () => {
  // GIVEN one of alice's rows expired a minute ago
  const [fresh, expired] = await local.system.connect('alice', 2);
  await local.system.table.put({ userId: 'alice', connectionId: expired.connectionId, expiresAt: Math.floor(Date.now() / 1000) - 60 });

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: 'fresh only', users: ['alice'] }]));
  await local.system.deliveries();

  // THEN
  expect(fresh.messages).toEqual([wire('fresh only')]);
  expect(expired.messages).toEqual([]);
  expect(local.system.emulator.stats.requests.POST).toBe(1);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 1, delivered: 1 });
});
