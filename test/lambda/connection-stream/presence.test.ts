import { presenceWorld, START_MS } from './presence-fakes';

// User presence through the core with in-memory tables, bus and queue: the stream's INSERT / REMOVE records and the
// delayed checks, in the orders the stream and the queue can deliver them.

const online = (w: ReturnType<typeof presenceWorld>) => w.publisher.ofType('UserOnline');
const offline = (w: ReturnType<typeof presenceWorld>) => w.publisher.ofType('UserOffline');

test('a first connection: Connected then UserOnline (its eventId and version), the row online', async () => {
  const w = presenceWorld();
  const insert = w.connect('alice', 'a1');

  expect(await w.stream(insert)).toMatchObject({
    batchItemFailures: [], report: { events: { Connected: 1, UserOnline: 1 }, presence: { online: 1 } },
  });

  expect(w.publisher.events.map((e) => e.type)).toEqual(['Connected', 'UserOnline']);
  expect(w.publisher.events[0].detail).toEqual({
    eventId: insert.eventID, userId: 'alice', connectionId: 'a1', context: { tenant: 't1' }, time: new Date(START_MS).toISOString(),
  });
  expect(online(w)[0].detail).toEqual({ eventId: `${insert.eventID}:online`, userId: 'alice', version: START_MS, time: new Date(START_MS).toISOString() });
  expect(w.store.rows.get('alice')).toEqual({ state: 'online', version: START_MS });
});

test('two devices, one drops: Disconnected, no check scheduled, still online', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'phone'), w.connect('alice', 'laptop'));
  const outcome = await w.stream(w.drop('alice', 'phone'));

  expect(outcome.batchItemFailures).toEqual([]);
  expect(online(w)).toHaveLength(1);
  expect(w.publisher.ofType('Disconnected')).toHaveLength(1);
  expect(w.queue.sent).toEqual([]);
  expect(w.store.rows.get('alice')?.state).toBe('online');
});

test('both drop, one after the other: one check, for the last departure, delayed by the grace period', async () => {
  const w = presenceWorld({ graceSeconds: 45 });
  await w.stream(w.connect('alice', 'phone'), w.connect('alice', 'laptop'));
  await w.stream(w.drop('alice', 'phone'));
  const last = w.drop('alice', 'laptop');

  expect(await w.stream(last)).toMatchObject({ batchItemFailures: [], report: { presence: { leaving: 1 } } });

  expect(w.queue.sent).toEqual([{ check: { userId: 'alice', token: last.eventID }, delaySeconds: 45 }]);
  expect(w.store.rows.get('alice')).toEqual({ state: 'leaving', version: START_MS, token: last.eventID });
  expect(offline(w)).toEqual([]);
});

test('both drop before the stream catches up: the first REMOVE finds none live and schedules the one check', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'phone'), w.connect('alice', 'laptop'));
  const first = w.drop('alice', 'phone');
  const last = w.drop('alice', 'laptop');

  expect(await w.stream(first, last)).toMatchObject({ batchItemFailures: [], report: { events: { Disconnected: 2 }, presence: { leaving: 1 } } });

  expect(w.queue.sent.map((s) => s.check)).toEqual([{ userId: 'alice', token: first.eventID }]);
  w.advance(30);
  await w.checks(w.takeChecks());
  expect(offline(w)).toHaveLength(1);
});

test('a reconnect within the grace period: online again, and the check finds it so: no UserOffline, no second UserOnline', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  await w.stream(w.drop('alice', 'a1'));
  w.advance(10);
  expect(await w.stream(w.connect('alice', 'a2'))).toMatchObject({ report: { presence: { reconnected: 1 } } });
  w.advance(20);

  const checks = await w.checks(w.takeChecks());

  expect(checks).toMatchObject({ batchItemFailures: [], report: { checks: 1, outcomes: { stale: 1 } } });
  expect(online(w)).toHaveLength(1);
  expect(offline(w)).toEqual([]);
  expect(w.store.rows.get('alice')).toEqual({ state: 'online', version: START_MS });
});

test('a reconnect whose INSERT comes after the check: the check finds the live row, the INSERT then nothing to do', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  await w.stream(w.drop('alice', 'a1'));
  const insert = w.connect('alice', 'a2'); // the row is written; its record is still on the stream
  w.advance(30);

  expect(await w.checks(w.takeChecks())).toMatchObject({ report: { outcomes: { reconnected: 1 }, presence: { reconnected: 1 } } });
  expect(await w.stream(insert)).toMatchObject({ batchItemFailures: [], report: { events: { Connected: 1 }, presence: {} } });

  expect(online(w)).toHaveLength(1);
  expect(offline(w)).toEqual([]);
});

test('after the grace period with no live row: UserOffline (the token, a new version), then a return is UserOnline with a later one', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  const remove = w.drop('alice', 'a1');
  await w.stream(remove);
  w.advance(30);

  expect(await w.checks(w.takeChecks())).toMatchObject({
    batchItemFailures: [], report: { outcomes: { offline: 1 }, events: { UserOffline: 1 }, presence: { offline: 1 } },
  });

  const offlineAt = START_MS + 30_000;
  expect(offline(w).map((e) => e.detail)).toEqual([{ eventId: `${remove.eventID}:offline`, userId: 'alice', version: offlineAt, time: new Date(offlineAt).toISOString() }]);
  // the row is kept a day without its token (emitted), for its version
  expect(w.store.rows.get('alice')).toEqual({ state: 'offline', version: offlineAt, expiresAt: offlineAt / 1000 + 86_400 });

  w.advance(60);
  await w.stream(w.connect('alice', 'a2'));
  expect(offline(w)).toHaveLength(1); // not repeated: it was emitted
  expect(online(w).map((e) => e.detail.version)).toEqual([START_MS, offlineAt + 60_000]);
});

test('versions increase even when the clock says otherwise (a change within the same millisecond, a clock behind)', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  await w.stream(w.drop('alice', 'a1'));
  await w.checks(w.takeChecks()); // the clock has not moved: offline at START_MS + 1
  w.advance(-5);
  await w.stream(w.connect('alice', 'a2'));

  expect([...online(w), ...offline(w)].map((e) => e.detail.version)).toEqual([START_MS, START_MS + 2, START_MS + 1]);
});

test('a row whose TTL has passed but is still in the table does not count as live', async () => {
  const w = presenceWorld();
  const nowSeconds = START_MS / 1000;
  await w.stream(w.connect('alice', 'stale', nowSeconds - 1), w.connect('alice', 'a1'));
  await w.stream(w.drop('alice', 'a1'));

  expect(w.queue.sent).toHaveLength(1);
  w.advance(30);
  await w.checks(w.takeChecks());
  expect(offline(w)).toHaveLength(1);
});

test('a row with no TTL, or one not yet passed, is live: no check', async () => {
  const w = presenceWorld();
  w.connections.add('alice', 'forever');
  w.connections.add('alice', 'later', START_MS / 1000 + 1);
  await w.stream(w.connect('alice', 'a1'));
  await w.stream(w.drop('alice', 'a1'));
  expect(w.queue.sent).toEqual([]);
  w.connections.remove('alice', 'forever');
  w.advance(1); // 'later' expires
  await w.stream(w.drop('alice', 'gone'));
  expect(w.queue.sent).toHaveLength(1);
});

test('a REMOVE of a user never seen online (no row), or already leaving for another departure, does nothing', async () => {
  const w = presenceWorld();
  w.connections.add('bob', 'b1');
  expect(await w.stream(w.drop('bob', 'b1'))).toMatchObject({ batchItemFailures: [], report: { events: { Disconnected: 1 }, presence: {} } });
  w.store.rows.set('carol', { state: 'leaving', version: 5, token: 'another' });
  await w.stream(w.drop('carol', 'c1'));
  expect(w.queue.sent).toEqual([]);
  expect(w.store.rows.get('carol')).toEqual({ state: 'leaving', version: 5, token: 'another' });
});
