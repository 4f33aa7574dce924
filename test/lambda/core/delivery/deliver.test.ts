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
  test('GIVEN users with several paged connections WHEN delivered THEN each connection gets the same serialized bytes once', async () => {
    const store = new FakeStore(table(), 1);
    const sender = new FakeSender();
    const [outcome] = await deliverAll([job({ users: ['u1', 'u2', 'u1'] })], fakeDeps(store, sender));
    expect(store.queries.sort()).toEqual(['u1', 'u2']);
    expect(store.scans).toEqual([]);
    expect(sender.delivered().sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(new Set(sender.posts.map((p) => p.payload)).size).toBe(1);
    expect(Buffer.from(sender.posts[0].payload).toString()).toBe('{"hello":"world"}');
    expect(outcome).toMatchObject({ status: 'delivered', kind: 'multicast', targets: 4, delivered: 4, failed: 0, pruned: 0, retried: 0 });
  });

  test('GIVEN users and exclude_users WHEN delivered THEN excluded users are subtracted, not queried', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender();
    await deliverAll([job({ users: ['u1', 'u2'], exclude_users: ['u1'] })], fakeDeps(store, sender));
    expect(store.queries).toEqual(['u2']);
    expect(sender.delivered()).toEqual(['b1']);
  });

  test('GIVEN expired rows WHEN delivered THEN they are skipped; rows without TTL or a future TTL are kept', async () => {
    const sender = new FakeSender();
    const [outcome] = await deliverAll([job({ users: ['u3'] })], fakeDeps(new FakeStore(table()), sender));
    expect(sender.delivered().sort()).toEqual(['c-live', 'c1']);
    expect(outcome.targets).toBe(2);
  });

  test('GIVEN users, connections and exclude_connections overlapping WHEN delivered THEN no connection gets it twice', async () => {
    const sender = new FakeSender();
    await deliverAll([job({ users: ['u1'], connections: ['a1', 'zz'], exclude_connections: ['a2'] })], fakeDeps(new FakeStore(table()), sender));
    expect(sender.delivered().sort()).toEqual(['a1', 'a3', 'zz']);
  });
});

describe('direct connections', () => {
  test('GIVEN connections only WHEN delivered THEN nothing is read from the table', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender();
    const [outcome] = await deliverAll([job({ connections: ['x', 'y', 'x'] })], fakeDeps(store, sender));
    expect(store.queries).toEqual([]);
    expect(store.scans).toEqual([]);
    expect(sender.delivered()).toEqual(['x', 'y']);
    expect(outcome.kind).toBe('direct');
  });

  test('GIVEN connections and exclude_users WHEN delivered THEN the excluded users connections are read and subtracted', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender();
    await deliverAll([job({ connections: ['a1', 'b1', 'x'], exclude_users: ['u1'] })], fakeDeps(store, sender));
    expect(store.queries).toEqual(['u1']);
    expect(sender.delivered()).toEqual(['b1', 'x']);
  });

  test('GIVEN a gone direct id with no known owner WHEN delivered THEN it counts as gone and nothing is pruned', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('ghost', { status: 'gone' });
    const [outcome] = await deliverAll([job({ connections: ['ghost'] })], fakeDeps(store, sender));
    expect(store.pruneCalls).toEqual([]);
    expect(outcome).toMatchObject({ status: 'delivered', gone: 1, pruned: 0, failed: 0 });
  });

  test('GIVEN a gone direct id that is also a listed user\'s row WHEN delivered THEN its row is pruned', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('b1', { status: 'gone' });
    const [outcome] = await deliverAll([job({ connections: ['b1'], users: ['u2'] })], fakeDeps(store, sender));
    expect(sender.delivered()).toEqual(['b1']);
    expect(store.pruneCalls).toEqual([[{ userId: 'u2', connectionId: 'b1' }]]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 1 });
  });
  test('GIVEN a direct id that answers Gone before its owner\'s row is read WHEN delivered THEN the row is still pruned', async () => {
    const store = new FakeStore(table());
    const query = store.queryUser.bind(store);
    store.queryUser = async function* (userId: string) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield* query(userId);
    };
    const sender = new FakeSender().answer('b1', { status: 'gone' });
    const [outcome] = await deliverAll([job({ connections: ['b1'], users: ['u2'] })], fakeDeps(store, sender));
    expect(sender.delivered()).toEqual(['b1']);
    expect(store.pruneCalls).toEqual([[{ userId: 'u2', connectionId: 'b1' }]]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 1 });
  });
});

describe('broadcast and exclusion', () => {
  test('GIVEN a broadcast WHEN delivered THEN every live row is targeted with one Scan per segment', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender();
    const [outcome] = await deliverAll([job({ users: null })], fakeDeps(store, sender));
    expect(store.scans.sort()).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect(sender.delivered().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'c-live', 'c1']);
    expect(outcome).toMatchObject({ kind: 'broadcast', targets: 6, delivered: 6 });
  });

  test('GIVEN an exclusion WHEN delivered THEN excluded users and connections are subtracted in memory', async () => {
    const sender = new FakeSender();
    const excluded = Array.from({ length: 500 }, (_, i) => `nobody-${i}`);
    const [outcome] = await deliverAll([job({ exclude_users: ['u1', ...excluded], exclude_connections: ['c1'] })],
      fakeDeps(new FakeStore(table()), sender));
    expect(sender.delivered().sort()).toEqual(['b1', 'c-live']);
    expect(outcome.kind).toBe('exclusion');
  });

  test('GIVEN two broadcasts and an exclusion in one batch WHEN delivered THEN the table is scanned once, each gets its targets', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender();
    const outcomes = await deliverAll([job({}, 'm1'), job({ exclude_users: ['u1'] }, 'm2'), job({ data: 'second' }, 'm3')],
      fakeDeps(store, sender));
    expect(store.scans).toHaveLength(3);
    expect(outcomes.map((o) => o.delivered)).toEqual([6, 3, 6]);
    expect(sender.posts.filter((p) => Buffer.from(p.payload).toString() === '"second"')).toHaveLength(6);
  });

  test('GIVEN the Scan fails WHEN delivered THEN every broadcast of the batch fails transiently, the multicast does not', async () => {
    const store = new FakeStore(table());
    store.failScan = true;
    const outcomes = await deliverAll([job({}, 'm1'), job({ exclude_users: ['u1'] }, 'm2'), job({ users: ['u2'] }, 'm3')],
      fakeDeps(store, new FakeSender()));
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'delivered']);
    expect(outcomes[0].error).toMatchObject({ code: 'LOOKUP_FAILED', message: expect.stringContaining('InternalServerError') });
  });
});

describe('Management API answers', () => {
  test('GIVEN gone connections met by two requests WHEN delivered THEN each row is pruned once and counted in both', async () => {
    const store = new FakeStore(table());
    const sender = new FakeSender().answer('a2', { status: 'gone' }).answer('b1', { status: 'gone' });
    const outcomes = await deliverAll([job({ users: ['u1', 'u2'] }, 'm1'), job({}, 'm2')], fakeDeps(store, sender));
    const prunedKeys = store.pruneCalls.flat().map((k) => `${k.userId}/${k.connectionId}`);
    expect(prunedKeys.sort()).toEqual(['u1/a2', 'u2/b1']);
    expect(outcomes.map((o) => [o.status, o.gone, o.pruned, o.failed])).toEqual([['delivered', 2, 2, 0], ['delivered', 2, 2, 0]]);
  });

  test('GIVEN the prune fails WHEN delivered THEN it is logged and not counted, and the request is still delivered', async () => {
    const store = new FakeStore(table());
    store.prune = async (keys) => ({ deleted: 0, failed: [...keys], error: 'ProvisionedThroughputExceededException: slow' });
    const sender = new FakeSender().answer('b1', { status: 'gone' });
    const deps = fakeDeps(store, sender);
    const [outcome] = await deliverAll([job({ users: ['u2'] }, 'm9')], deps);
    expect(outcome).toMatchObject({ status: 'delivered', gone: 1, pruned: 0, failed: 0 });
    expect(deps.log.lines).toEqual([{
      level: 'warn',
      message: 'stale connections not pruned',
      fields: { messageId: 'm9', count: 1, error: 'ProvisionedThroughputExceededException: slow' },
    }]);
  });

  test('GIVEN a throttled connection that recovers WHEN delivered THEN it is retried and delivered', async () => {
    const sender = new FakeSender().answer('b1', { status: 'retryable', reason: 'LimitExceededException' }, { status: 'delivered' });
    const [outcome] = await deliverAll([job({ users: ['u2'] })], fakeDeps(new FakeStore(table()), sender));
    expect(sender.delivered()).toEqual(['b1', 'b1']);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, retried: 1, failed: 0 });
  });

  test('GIVEN a connection still throttled after maxAttempts WHEN delivered THEN the request fails transiently, others are delivered', async () => {
    const sender = new FakeSender().answer('a2', { status: 'retryable', reason: 'LimitExceededException: slow down' });
    const [outcome] = await deliverAll([job({ users: ['u1'] })], fakeDeps(new FakeStore(table()), sender));
    expect(sender.delivered().filter((c) => c === 'a2')).toHaveLength(3);
    expect(outcome).toMatchObject({ status: 'failed', delivered: 2, failed: 1, retried: 2, error: { code: 'SEND_FAILED' } });
    expect(outcome.error?.message).toContain('a2 still failing after 3 attempts: LimitExceededException');
  });

  test('GIVEN PayloadTooLarge WHEN delivered THEN the request is invalid and no further post is started', async () => {
    const sender = new FakeSender().answer('a1', { status: 'payload-too-large', reason: 'PayloadTooLargeException' });
    const deps = fakeDeps(new FakeStore(table(), 10), sender, { sendSlots: new Semaphore(1) });
    const [outcome] = await deliverAll([job({ users: ['u1'] })], deps);
    expect(sender.delivered()).toEqual(['a1']);
    expect(outcome).toMatchObject({ status: 'invalid', failed: 1, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('GIVEN Forbidden WHEN delivered THEN a configuration error is logged once and the request fails transiently', async () => {
    const sender = new FakeSender();
    for (const c of ['a1', 'a2', 'a3']) sender.answer(c, { status: 'forbidden', reason: 'ForbiddenException (403)' });
    const deps = fakeDeps(new FakeStore(table(), 10), sender, { sendSlots: new Semaphore(2) });
    const [outcome] = await deliverAll([job({ users: ['u1'] }, 'msg-7')], deps);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } });
    expect(sender.posts.length).toBeLessThan(3);
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', message: FORBIDDEN_MESSAGE, fields: expect.objectContaining({ messageId: 'msg-7' }) },
    ]);
  });

  test('GIVEN a connection rejected with another 4xx WHEN delivered THEN it is failed and logged, not retried, the request is delivered', async () => {
    const sender = new FakeSender().answer('x', { status: 'rejected', reason: 'BadRequestException (400): Invalid connectionId' });
    const deps = fakeDeps(new FakeStore([]), sender);
    const [outcome] = await deliverAll([job({ connections: ['x', 'y'] })], deps);
    expect(sender.delivered()).toEqual(['x', 'y']);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, failed: 1, retried: 0 });
    expect(deps.log.lines[0]).toMatchObject({ level: 'warn', fields: { connectionId: 'x' } });
  });

  test('GIVEN a sender that throws WHEN delivered THEN the request fails transiently instead of crashing', async () => {
    const sender = new FakeSender();
    sender.post = async () => { throw new Error('bug'); };
    const [outcome] = await deliverAll([job({ connections: ['x'] })], fakeDeps(new FakeStore([]), sender));
    expect(outcome).toMatchObject({ status: 'failed', failed: 1, error: { code: 'SEND_FAILED' } });
  });
});

describe('lookups and flow control', () => {
  test('GIVEN one user whose Query is throttled WHEN delivered THEN the request fails transiently with LOOKUP_FAILED', async () => {
    const store = new FakeStore(table());
    store.failingUsers.add('u2');
    const [outcome] = await deliverAll([job({ users: ['u2'] })], fakeDeps(store, new FakeSender()));
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'LOOKUP_FAILED', message: expect.stringContaining('ProvisionedThroughputExceededException') } });
  });

  test('GIVEN a send limit of 3 and a large table WHEN broadcast THEN never more than 3 posts are in flight', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(`u${i % 17}`, `c${i}`));
    const sender = new FakeSender();
    const [outcome] = await deliverAll([job({})], fakeDeps(new FakeStore(rows, 25), sender, { sendSlots: new Semaphore(3), scanSegments: 4 }));
    expect(outcome.delivered).toBe(200);
    expect(sender.peak).toBe(3);
  });

  test('GIVEN many users and a query limit of 2 WHEN delivered THEN at most 2 Queries run at once', async () => {
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
    const [outcome] = await deliverAll([job({ users })], fakeDeps(store, new FakeSender(), { querySlots: new Semaphore(2) }));
    expect(outcome.delivered).toBe(40);
    expect(peak).toBe(2);
  });
});
