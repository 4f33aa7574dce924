import { deliverAll } from '../../../../lambda/core/delivery/deliver';
import type { DeliveryJob } from '../../../../lambda/core/delivery/deps';
import { FORBIDDEN_MESSAGE } from '../../../../lambda/core/errors';
import { parseRequestValue } from '../../../../lambda/core/request';
import { Semaphore } from '../../../../lambda/core/semaphore';
import { FakeSender, FakeStore, fakeDeps, row } from '../../support/fakes';

function job(body: Record<string, unknown>, messageId = 'm1'): DeliveryJob {
  const result = parseRequestValue({ data: { hello: 'world' }, ...body });
  if (!result.ok) throw new Error(result.error.message);
  return { messageId, request: result.request };
}

const NOW_S = 1_000; // fakeDeps' clock is 1,000,000 ms
const table = () => [
  row('u1', 'a1'), row('u1', 'a2'), row('u1', 'a3'),
  row('u2', 'b1'),
  row('u3', 'c1'), row('u3', 'c-expired', NOW_S - 1), row('u3', 'c-live', NOW_S + 60),
];

describe('multicast', () => {
  test('each connection of the listed users gets the same serialized bytes, once', async () => {
    // GIVEN users with several connections, a page each
    const store = new FakeStore(table(), 1);
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1', 'u2', 'u1'] })], fakeDeps(store, sender));

    // THEN
    expect(store.queries.sort()).toEqual(['u1', 'u2']);
    expect(store.scans).toEqual([]);
    expect(sender.delivered().sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(new Set(sender.posts.map((p) => p.payload)).size).toBe(1);
    expect(Buffer.from(sender.posts[0].payload).toString()).toBe('{"hello":"world"}');
    expect(outcome).toMatchObject({ status: 'delivered', kind: 'multicast', targets: 4, delivered: 4, failed: 0, pruned: 0, retried: 0 });
  });

  test('excluded users are subtracted from the users, not queried', async () => {
    // GIVEN
    const store = new FakeStore(table());
    const sender = new FakeSender();

    // WHEN
    await deliverAll([job({ users: ['u1', 'u2'], exclude_users: ['u1'] })], fakeDeps(store, sender));

    // THEN
    expect(store.queries).toEqual(['u2']);
    expect(sender.delivered()).toEqual(['b1']);
  });

  test('expired rows are skipped; rows without TTL or with a future TTL are kept', async () => {
    // GIVEN u3's rows: one without TTL, one expired, one expiring in a minute
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u3'] })], fakeDeps(new FakeStore(table()), sender));

    // THEN
    expect(sender.delivered().sort()).toEqual(['c-live', 'c1']);
    expect(outcome.targets).toBe(2);
  });

  test('overlapping users, connections and exclude_connections: no connection gets it twice', async () => {
    // GIVEN
    const sender = new FakeSender();

    // WHEN
    await deliverAll([job({ users: ['u1'], connections: ['a1', 'zz'], exclude_connections: ['a2'] })], fakeDeps(new FakeStore(table()), sender));

    // THEN
    expect(sender.delivered().sort()).toEqual(['a1', 'a3', 'zz']);
  });
});

describe('direct connections', () => {
  test('connections only: nothing is read from the table', async () => {
    // GIVEN
    const store = new FakeStore(table());
    const sender = new FakeSender();

    // WHEN connections are the only targets
    const [outcome] = await deliverAll([job({ connections: ['x', 'y', 'x'] })], fakeDeps(store, sender));

    // THEN
    expect(store.queries).toEqual([]);
    expect(store.scans).toEqual([]);
    expect(sender.delivered()).toEqual(['x', 'y']);
    expect(outcome.kind).toBe('direct');
  });

  test('connections and exclude_users: the excluded users\' rows are read and subtracted', async () => {
    // GIVEN
    const store = new FakeStore(table());
    const sender = new FakeSender();

    // WHEN
    await deliverAll([job({ connections: ['a1', 'b1', 'x'], exclude_users: ['u1'] })], fakeDeps(store, sender));

    // THEN
    expect(store.queries).toEqual(['u1']);
    expect(sender.delivered()).toEqual(['b1', 'x']);
  });

  test('a gone direct id with no known owner counts as gone; nothing is pruned', async () => {
    // GIVEN a direct id that answers Gone
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('ghost', { status: 'gone' });

    // WHEN
    const [outcome] = await deliverAll([job({ connections: ['ghost'] })], fakeDeps(store, sender));

    // THEN
    expect(store.pruneCalls).toEqual([]);
    expect(outcome).toMatchObject({ status: 'delivered', gone: 1, pruned: 0, failed: 0 });
  });

  test('a gone direct id that is also a listed user\'s row is pruned', async () => {
    // GIVEN b1 answers Gone, and it is u2's row
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('b1', { status: 'gone' });

    // WHEN
    const [outcome] = await deliverAll([job({ connections: ['b1'], users: ['u2'] })], fakeDeps(store, sender));

    // THEN
    expect(sender.delivered()).toEqual(['b1']);
    expect(store.pruneCalls).toEqual([[{ userId: 'u2', connectionId: 'b1' }]]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 1 });
  });
  test('a direct id gone before its owner\'s row is read is still pruned', async () => {
    // GIVEN u2's rows read only after b1, a direct id, answered Gone
    const store = new FakeStore(table());
    const query = store.queryUser.bind(store);
    store.queryUser = async function* (userId: string) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield* query(userId);
    };
    const sender = new FakeSender().answer('b1', { status: 'gone' });

    // WHEN
    const [outcome] = await deliverAll([job({ connections: ['b1'], users: ['u2'] })], fakeDeps(store, sender));

    // THEN
    expect(sender.delivered()).toEqual(['b1']);
    expect(store.pruneCalls).toEqual([[{ userId: 'u2', connectionId: 'b1' }]]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 1 });
  });
});

describe('broadcast and exclusion', () => {
  test('a broadcast targets every live row, with one Scan per segment', async () => {
    // GIVEN
    const store = new FakeStore(table());
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({ users: null })], fakeDeps(store, sender));

    // THEN
    expect(store.scans.sort()).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect(sender.delivered().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'c-live', 'c1']);
    expect(outcome).toMatchObject({ kind: 'broadcast', targets: 6, delivered: 6 });
  });

  test('an exclusion subtracts the excluded users and connections in memory', async () => {
    // GIVEN an exclusion of u1, 500 users not in the table, and c1
    const sender = new FakeSender();
    const excluded = Array.from({ length: 500 }, (_, i) => `nobody-${i}`);

    // WHEN
    const [outcome] = await deliverAll([job({ exclude_users: ['u1', ...excluded], exclude_connections: ['c1'] })],
      fakeDeps(new FakeStore(table()), sender));

    // THEN
    expect(sender.delivered().sort()).toEqual(['b1', 'c-live']);
    expect(outcome.kind).toBe('exclusion');
  });

  test('two broadcasts and an exclusion of one batch: one Scan, each its own targets', async () => {
    // GIVEN
    const store = new FakeStore(table());
    const sender = new FakeSender();

    // WHEN two broadcasts and an exclusion are delivered in one batch
    const outcomes = await deliverAll([job({}, 'm1'), job({ exclude_users: ['u1'] }, 'm2'), job({ data: 'second' }, 'm3')],
      fakeDeps(store, sender));

    // THEN the table is scanned once (a Scan per segment), each request gets its targets
    expect(store.scans).toHaveLength(3);
    expect(outcomes.map((o) => o.delivered)).toEqual([6, 3, 6]);
    expect(sender.posts.filter((p) => Buffer.from(p.payload).toString() === '"second"')).toHaveLength(6);
  });

  test('a failed Scan fails every broadcast of the batch transiently, not the multicast', async () => {
    // GIVEN a Scan that fails
    const store = new FakeStore(table());
    store.failScan = true;

    // WHEN
    const outcomes = await deliverAll([job({}, 'm1'), job({ exclude_users: ['u1'] }, 'm2'), job({ users: ['u2'] }, 'm3')],
      fakeDeps(store, new FakeSender()));

    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'delivered']);
    expect(outcomes[0].error).toMatchObject({ code: 'LOOKUP_FAILED', message: expect.stringContaining('InternalServerError') });
  });
});

describe('Management API answers', () => {
  test('gone connections met by two requests are pruned once, counted in both', async () => {
    // GIVEN two gone connections, each targeted by two requests
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('a2', { status: 'gone' }).answer('b1', { status: 'gone' });

    // WHEN
    const outcomes = await deliverAll([job({ users: ['u1', 'u2'] }, 'm1'), job({}, 'm2')], fakeDeps(store, sender));
    const prunedKeys = store.pruneCalls.flat().map((k) => `${k.userId}/${k.connectionId}`);

    // THEN
    expect(prunedKeys.sort()).toEqual(['u1/a2', 'u2/b1']);
    expect(outcomes.map((o) => [o.status, o.gone, o.pruned, o.failed])).toEqual([['delivered', 2, 2, 0], ['delivered', 2, 2, 0]]);
  });

  test('a failed prune is logged and not counted; the request is still delivered', async () => {
    // GIVEN a gone connection whose prune fails
    const store = new FakeStore(table());
    store.prune = async (keys) => ({ deleted: 0, failed: [...keys], error: 'ProvisionedThroughputExceededException: slow' });
    const sender = new FakeSender().answer('b1', { status: 'gone' });
    const deps = fakeDeps(store, sender);

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u2'] }, 'm9')], deps);

    // THEN
    expect(outcome).toMatchObject({ status: 'delivered', gone: 1, pruned: 0, failed: 0 });
    expect(deps.log.lines).toEqual([{
      level: 'warn',
      message: 'stale connections not pruned',
      fields: { messageId: 'm9', count: 1, error: 'ProvisionedThroughputExceededException: slow' },
    }]);
  });

  test('a throttled connection that recovers is retried and delivered', async () => {
    // GIVEN
    const sender = new FakeSender().answer('b1', { status: 'retryable', reason: 'LimitExceededException' }, { status: 'delivered' });

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u2'] })], fakeDeps(new FakeStore(table()), sender));

    // THEN
    expect(sender.delivered()).toEqual(['b1', 'b1']);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, retried: 1, failed: 0 });
  });

  test('a connection throttled past maxAttempts fails the request transiently; others delivered', async () => {
    // GIVEN a connection throttled on every attempt
    const sender = new FakeSender().answer('a2', { status: 'retryable', reason: 'LimitExceededException: slow down' });

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1'] })], fakeDeps(new FakeStore(table()), sender));

    // THEN
    expect(sender.delivered().filter((c) => c === 'a2')).toHaveLength(3);
    expect(outcome).toMatchObject({ status: 'failed', delivered: 2, failed: 1, retried: 2, error: { code: 'SEND_FAILED' } });
    expect(outcome.error?.message).toContain('a2 still failing after 3 attempts: LimitExceededException');
  });

  test('PayloadTooLarge makes the request invalid; no further post is started', async () => {
    // GIVEN the first post answers PayloadTooLarge, one post at a time
    const sender = new FakeSender().answer('a1', { status: 'payload-too-large', reason: 'PayloadTooLargeException' });
    const deps = fakeDeps(new FakeStore(table(), 10), sender, { sendSlots: new Semaphore(1) });

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1'] })], deps);

    // THEN
    expect(sender.delivered()).toEqual(['a1']);
    expect(outcome).toMatchObject({ status: 'invalid', failed: 1, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('Forbidden logs a configuration error once and fails the request transiently', async () => {
    // GIVEN every connection answers Forbidden
    const sender = new FakeSender();
    for (const c of ['a1', 'a2', 'a3']) sender.answer(c, { status: 'forbidden', reason: 'ForbiddenException (403)' });
    const deps = fakeDeps(new FakeStore(table(), 10), sender, { sendSlots: new Semaphore(2) });

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1'] }, 'msg-7')], deps);

    // THEN
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } });
    expect(sender.posts.length).toBeLessThan(3);
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', message: FORBIDDEN_MESSAGE, fields: expect.objectContaining({ messageId: 'msg-7' }) },
    ]);
  });

  test('a connection rejected with another 4xx is failed and logged, not retried', async () => {
    // GIVEN a connection answering 400
    const sender = new FakeSender().answer('x', { status: 'rejected', reason: 'BadRequestException (400): Invalid connectionId' });
    const deps = fakeDeps(new FakeStore([]), sender);

    // WHEN
    const [outcome] = await deliverAll([job({ connections: ['x', 'y'] })], deps);

    // THEN the request is delivered
    expect(sender.delivered()).toEqual(['x', 'y']);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, failed: 1, retried: 0 });
    expect(deps.log.lines[0]).toMatchObject({ level: 'warn', fields: { connectionId: 'x' } });
  });

  test('a sender that throws fails the request transiently instead of crashing', async () => {
    // GIVEN
    const sender = new FakeSender();
    sender.post = async () => { throw new Error('bug'); };

    // WHEN
    const [outcome] = await deliverAll([job({ connections: ['x'] })], fakeDeps(new FakeStore([]), sender));

    // THEN
    expect(outcome).toMatchObject({ status: 'failed', failed: 1, error: { code: 'SEND_FAILED' } });
  });
});

describe('lookups and flow control', () => {
  test('a throttled Query fails the request transiently with LOOKUP_FAILED', async () => {
    // GIVEN
    const store = new FakeStore(table());
    store.failingUsers.add('u2');

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u2'] })], fakeDeps(store, new FakeSender()));

    // THEN
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'LOOKUP_FAILED', message: expect.stringContaining('ProvisionedThroughputExceededException') } });
  });

  test('a broadcast with a send limit of 3 never has more than 3 posts in flight', async () => {
    // GIVEN a table of 200 rows
    const rows = Array.from({ length: 200 }, (_, i) => row(`u${i % 17}`, `c${i}`));
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({})], fakeDeps(new FakeStore(rows, 25), sender, { sendSlots: new Semaphore(3), scanSegments: 4 }));

    // THEN
    expect(outcome.delivered).toBe(200);
    expect(sender.peak).toBe(3);
  });

  test('with a query limit of 2, at most 2 Queries run at once', async () => {
    // GIVEN 40 users, and every Query counted while it runs
    const store = new FakeStore(Array.from({ length: 40 }, (_, i) => row(`u${i}`, `c${i}`)));
    let active = 0;
    let peak = 0;
    const query = store.queryUser.bind(store);
    store.queryUser = async function* (userId: string) {
      active += 1;
      peak = Math.max(peak, active);
      try {
        yield* query(userId);
      } finally {
        active -= 1;
      }
    };
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);

    // WHEN
    const [outcome] = await deliverAll([job({ users })], fakeDeps(store, new FakeSender(), { querySlots: new Semaphore(2) }));

    // THEN
    expect(outcome.delivered).toBe(40);
    expect(peak).toBe(2);
  });
});

describe('remainders (follow-ups on)', () => {
  test('a failed exclusion lookup stops the request before anything is sent', async () => {
    // GIVEN a request to a user and a direct id, excluding a user whose Query fails
    const store = new FakeStore(table(), 1);
    store.failingUsers.add('u2');
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1'], connections: ['b1', 'x9'], exclude_users: ['u2'] })], fakeDeps(store, sender), { followUps: true });

    // THEN nothing went out, so retrying the whole request duplicates nothing
    expect(sender.posts).toEqual([]);
    expect(outcome).toMatchObject({ status: 'failed', targets: 0, error: { code: 'LOOKUP_FAILED' } });
  });

  test('a user whose Query fails after a page is handed on, with what that page reached', async () => {
    // GIVEN u1's Query answers one page, then fails
    const store = new FakeStore(table(), 1);
    const inner = store.queryUser.bind(store);
    store.queryUser = async function* (userId: string) {
      let pages = 0;
      for await (const page of inner(userId)) {
        if (userId === 'u1' && pages++ === 1) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        yield page;
      }
    };
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({ users: ['u1', 'u2'] })], fakeDeps(store, sender), { followUps: true });

    // THEN u2 and u1's first page are delivered; u1 is left to a follow-up that skips a1
    expect(sender.delivered().sort()).toEqual(['a1', 'b1']);
    expect(outcome).toMatchObject({ status: 'delivered', remainder: { users: ['u1'], alreadyReached: ['a1'], connections: [], segments: [] } });
  });

  test('a Scan segment that fails after a page is handed on from the key after it', async () => {
    // GIVEN every segment fails after its first page
    const store = new FakeStore(table(), 1);
    store.failScanAfterPages = 1;
    const sender = new FakeSender();

    // WHEN
    const [outcome] = await deliverAll([job({})], fakeDeps(store, sender, { scanSegments: 1 }), { followUps: true });

    // THEN the first page was sent once, and the rest of the segment is named by its start key
    expect(sender.delivered()).toEqual(['a1']);
    expect(outcome.remainder?.segments).toEqual([{ segment: 0, totalSegments: 1, startKey: { user_id: { S: 'u1' }, connection_id: { S: 'a1' } } }]);
  });
});
