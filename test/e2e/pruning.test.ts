import { expectedInboxes, inboxes, reports, rowsOf, useLocalSystem, wire } from './support';
import { sqsEvent } from '../../local/events';

// Stale rows (connections that vanished without `$disconnect`) are pruned after 410 Gone, and only those.

const local = useLocalSystem();

test('a multicast prunes the targeted users\' stale rows, and only those', async () => {
  // GIVEN alice has 2 live connections and 2 stale rows (one whose socket vanished, one never seen);
  // carol, not targeted, has a stale row too
  const { alice, bob } = await local.system.connectUsers({ alice: 3, bob: 1 });
  const vanished = alice[2];
  await local.system.makeStale(vanished);
  const neverSeen = await local.system.putStaleRow('alice');
  const untargeted = await local.system.putStaleRow('carol');
  const live = [alice[0], alice[1], bob[0]];

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: 'hello', users: ['alice', 'bob'] }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(live)).toEqual(expectedInboxes(live, () => [wire('hello')]));
  expect(vanished.messages).toEqual([]);
  expect(await local.system.keys()).toEqual([...rowsOf(live), untargeted].sort((a, b) => a.userId.localeCompare(b.userId)));
  expect(await local.system.keys()).not.toContainEqual(neverSeen);
  expect(local.system.emulator.stats.byStatus).toEqual({ 200: 3, 410: 2 });
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'delivered', targets: 5, delivered: 3, gone: 2, pruned: 2, failed: 0 });
});

test('a broadcast prunes every stale row it meets and keeps every live one', async () => {
  // GIVEN two stale connections among six, and three rows never seen by API Gateway
  const { alice, bob, carol } = await local.system.connectUsers({ alice: 2, bob: 2, carol: 2 });
  await local.system.makeStale(alice[0]);
  await local.system.makeStale(carol[1]);
  const orphans = await Promise.all(['dave', 'erin', 'erin'].map((user) => local.system.putStaleRow(user)));
  const live = [alice[1], ...bob, carol[0]];

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: { tick: 1 } }]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(local.system.clients)).toEqual(expectedInboxes(local.system.clients, (c) => (live.includes(c) ? [wire({ tick: 1 })] : [])));
  expect(await local.system.keys()).toEqual(rowsOf(live));
  expect(orphans).toHaveLength(3);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 9, delivered: 4, gone: 5, pruned: 5 });
});

test('a row is pruned once even when several requests of a batch meet it', async () => {
  // GIVEN alice with one live connection and one stale row
  const [client] = await local.system.connect('alice');
  const stale = await local.system.putStaleRow('alice');

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([
    { data: 'first', users: ['alice'] },
    { data: 'second' },
  ]));
  await local.system.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect([...client.messages].sort()).toEqual([wire('first'), wire('second')]);
  expect(await local.system.keys()).toEqual(rowsOf([client]));
  expect(await local.system.keys()).not.toContainEqual(stale);
});

test('a client that left normally ($disconnect ran) is neither posted to nor pruned', async () => {
  // GIVEN one of alice's two clients has left
  const [leaving, staying] = await local.system.connect('alice', 2);
  await local.system.disconnect(leaving);

  // WHEN
  const invocation = await local.pusher.invoke(sqsEvent([{ data: 'after', users: ['alice'] }]));
  await local.system.deliveries();

  // THEN
  expect(staying.messages).toEqual([wire('after')]);
  expect(leaving.messages).toEqual([]);
  expect(local.system.emulator.stats.requests.POST).toBe(1);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 1, gone: 0, pruned: 0 });
});
