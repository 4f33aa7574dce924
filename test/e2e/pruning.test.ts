import { expectedInboxes, inboxes, reports, rowsOf, wire } from './support';
import { sqsEvent } from '../../local/events';
import type { HandlerRunner } from '../../local/handler-runner';
import { LocalStack } from '../../local/stack';

// Stale rows (connections that vanished without `$disconnect`) are pruned after 410 Gone, and only those.

let stack: LocalStack;
let pusher: HandlerRunner;

beforeEach(async () => {
  stack = await LocalStack.start();
  pusher = await stack.loadHandler();
});

afterEach(async () => {
  await stack.stop();
});

test('a multicast prunes the targeted users\' stale rows, and only those', async () => {
  // GIVEN: alice has 2 live connections and 2 stale rows (one whose socket vanished, one never seen);
  // carol, not targeted, has a stale row too
  const { alice, bob } = await stack.connectUsers({ alice: 3, bob: 1 });
  const vanished = alice[2];
  await stack.makeStale(vanished);
  const neverSeen = await stack.putStaleRow('alice');
  const untargeted = await stack.putStaleRow('carol');
  const live = [alice[0], alice[1], bob[0]];

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'hello', users: ['alice', 'bob'] }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(live)).toEqual(expectedInboxes(live, () => [wire('hello')]));
  expect(vanished.messages).toEqual([]);
  expect(await stack.rows()).toEqual([...rowsOf(live), untargeted].sort((a, b) => a.userId.localeCompare(b.userId)));
  expect(await stack.rows()).not.toContainEqual(neverSeen);
  expect(stack.emulator.stats.byStatus).toEqual({ 200: 3, 410: 2 });
  expect(reports(invocation)['msg-1']).toMatchObject({ outcome: 'delivered', targets: 5, delivered: 3, gone: 2, pruned: 2, failed: 0 });
});

test('a broadcast prunes every stale row it meets and keeps every live one', async () => {
  // GIVEN
  const { alice, bob, carol } = await stack.connectUsers({ alice: 2, bob: 2, carol: 2 });
  await stack.makeStale(alice[0]);
  await stack.makeStale(carol[1]);
  const orphans = await Promise.all(['dave', 'erin', 'erin'].map((user) => stack.putStaleRow(user)));
  const live = [alice[1], ...bob, carol[0]];

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: { tick: 1 } }]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(inboxes(stack.clients)).toEqual(expectedInboxes(stack.clients, (c) => (live.includes(c) ? [wire({ tick: 1 })] : [])));
  expect(await stack.rows()).toEqual(rowsOf(live));
  expect(orphans).toHaveLength(3);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 9, delivered: 4, gone: 5, pruned: 5 });
});

test('a row is pruned once even when several requests of a batch meet it', async () => {
  // GIVEN
  const [client] = await stack.connect('alice');
  const stale = await stack.putStaleRow('alice');

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([
    { data: 'first', users: ['alice'] },
    { data: 'second' },
  ]));
  await stack.deliveries();

  // THEN
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect([...client.messages].sort()).toEqual([wire('first'), wire('second')]);
  expect(await stack.rows()).toEqual(rowsOf([client]));
  expect(await stack.rows()).not.toContainEqual(stale);
});

test('a client that left normally ($disconnect ran) is neither posted to nor pruned', async () => {
  // GIVEN
  const [leaving, staying] = await stack.connect('alice', 2);
  await stack.disconnect(leaving);

  // WHEN
  const invocation = await pusher.invoke(sqsEvent([{ data: 'after', users: ['alice'] }]));
  await stack.deliveries();

  // THEN
  expect(staying.messages).toEqual([wire('after')]);
  expect(leaving.messages).toEqual([]);
  expect(stack.emulator.stats.requests.POST).toBe(1);
  expect(reports(invocation)['msg-1']).toMatchObject({ targets: 1, gone: 0, pruned: 0 });
});
