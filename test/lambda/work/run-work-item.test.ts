import type { WorkConfig, WorkDeps } from '../../../lambda/work/deps';
import { runWorkItem } from '../../../lambda/work/run-work-item';
import { SplitDecision } from '../../../lambda/work/split';
import { serializeWorkItem } from '../../../lambda/work/work-item';
import { fakeDeps, FakeQueue, FakeSender, FakeStore, RecordingLog, row } from '../support/fakes';
import { WORK_CONFIG as config } from '../support/work-config';

const STARTED = 1_000_000 - 5_000;

function setup(rows = Array.from({ length: 20 }, (_, i) => row(`u${i % 7}`, `c${String(i).padStart(2, '0')}`)), overrides: Partial<WorkConfig> = {}) {
  const store = new FakeStore(rows);
  const sender = new FakeSender();
  const queue = new FakeQueue();
  const deadLetters = new FakeQueue();
  const log = new RecordingLog();
  const workerDeps = fakeDeps(store, sender);
  const deps: WorkDeps = {
    config: { ...config, ...overrides },
    store,
    queue,
    deadLetters,
    workerDeps,
    userIdAttribute: 'user_id',
    connectionIdAttribute: 'connection_id',
    splitDecision: new SplitDecision(store, 0),
    log,
    now: () => 1_000_000,
  };
  return { store, sender, queue, deadLetters, log, deps, workerDeps };
}

const item = (fields: Partial<Parameters<typeof serializeWorkItem>[0]> = {}, data: unknown = { hi: 1 }) =>
  serializeWorkItem({ requestId: 'req-1', segment: 0, totalSegments: 2, attempt: 1, startedAt: STARTED, ...fields }, JSON.stringify(data));
const plenty = () => 60_000;

/** Runs work items from the fake queue until it is empty, like the event source; returns every report. */
async function drain(deps: WorkDeps, queue: FakeQueue, first: string[], remaining: () => number = plenty) {
  const pending = [...first];
  const reports = [];
  let n = 0;
  while (pending.length > 0) {
    const before = queue.sent.length;
    reports.push(await runWorkItem(`work-${++n}`, pending.shift()!, deps, remaining));
    pending.push(...queue.sent.slice(before).flat().map((m) => m.body));
    if (n > 500) throw new Error('work items loop');
  }
  return reports;
}

describe('runWorkItem: a Scan segment', () => {
  test('with time enough, the segment is sent page by page, each connection once; completed', async () => {
    // GIVEN a table of 20 rows, and time enough
    const { store, sender, queue, deps } = setup();

    // WHEN
    const report = await runWorkItem('work-1', item(), deps, plenty);

    // THEN every connection of segment 0 (rows 0, 2, 4, ... of the fake table) once, and the item completes
    expect(sender.delivered()).toEqual(Array.from({ length: 10 }, (_, i) => `c${String(i * 2).padStart(2, '0')}`));
    expect(store.pageCalls.map((c) => c.limit)).toEqual([3, 3, 3, 3]);
    expect(queue.sent).toEqual([]);
    expect(report).toMatchObject({
      requestId: 'req-1',
      messageId: 'work-1',
      kind: 'segment',
      segment: 0,
      totalSegments: 2,
      attempt: 1,
      outcome: 'completed',
      targets: 10,
      delivered: 10,
      failed: 0,
      carried: 0,
      pages: 4,
      continued: 0,
      wallTimeMs: 5_000,
    });
    expect(sender.posts[0].payload.toString()).toBe('{"hi":1}');
  });

  test('excluded users and connections of the targeting are skipped', async () => {
    // GIVEN
    const { sender, deps } = setup();

    // WHEN an item with exclusions runs
    await runWorkItem('w', item({ excludeUsers: new Set(['u0']), excludeConnections: new Set(['c02']) }), deps, plenty);

    // THEN segment 0 but c02, and c00 and c14 (u0 holds them: i % 7 === 0)
    expect(sender.delivered()).toEqual(['c04', 'c06', 'c08', 'c10', 'c12', 'c16', 'c18']);
  });

  test('below the time margin, a continuation from the last page\'s key is enqueued', async () => {
    // GIVEN time for two pages, then the remaining time below the margin
    const { sender, queue, deps } = setup();
    let checks = 0;
    const remaining = () => (++checks <= 1 ? 5_000 : 500);

    // WHEN
    const report = await runWorkItem('w', item({ excludeUsers: new Set(['u6']) }), deps, remaining);

    // THEN a continuation from the last page's key is enqueued
    expect(report).toMatchObject({ outcome: 'continued', continued: 1, pages: 2, targets: 5, delivered: 5 });
    const [continuation] = queue.bodies();
    expect(continuation).toEqual({
      v: 1,
      requestId: 'req-1',
      segment: 0,
      totalSegments: 2,
      attempt: 1,
      startedAt: STARTED,
      targeting: { exclude_users: ['u6'] },
      exclusiveStartKey: { user_id: { S: 'u3' }, connection_id: { S: 'c10' } },
      data: { hi: 1 },
    });

    // WHEN the continuation runs
    const next = await runWorkItem('w2', queue.sent[0][0].body, deps, plenty);

    // THEN the rest of the segment, once: nothing is sent twice
    expect(next).toMatchObject({ outcome: 'completed', targets: 4 });
    // u6 holds c06: excluded from both
    expect(sender.delivered()).toEqual(['c00', 'c02', 'c04', 'c08', 'c10', 'c12', 'c14', 'c16', 'c18']);
  });

  test('with no time at all, each item still sends a page; the chain covers every connection once', async () => {
    // GIVEN
    const { sender, queue, deps } = setup();

    // WHEN both segments run, with no time left in any invocation
    const reports = await drain(deps, queue, [item({ segment: 0 }), item({ segment: 1 })], () => 0);

    // THEN each invocation sent one page, and the chain covered every connection exactly once
    expect(sender.delivered().sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`));
    expect(reports.filter((r) => r.outcome === 'continued')).toHaveLength(reports.length - 2);
    expect(reports.every((r) => r.pages === 1)).toBe(true);
  });

  test('the worker prunes the rows of gone connections', async () => {
    // GIVEN two gone connections
    const { sender, store, deps } = setup();
    sender.answer('c02', { status: 'gone' }).answer('c04', { status: 'gone' });

    // WHEN
    const report = await runWorkItem('w', item(), deps, plenty);

    // THEN
    expect(report).toMatchObject({ gone: 2, pruned: 2, delivered: 8 });
    expect(store.rows.map((r) => r.connectionId)).not.toContain('c02');
  });
});

describe('runWorkItem: carry-forward', () => {
  test('connections still throttled after their retries are carried forward, then delivered', async () => {
    // GIVEN c02 throttled for 4 attempts (3 per item), c04 for 3
    const { sender, queue, deps } = setup();
    const throttled = { status: 'retryable', reason: 'LimitExceededException (429)' } as const;
    sender.answer('c02', throttled, throttled, throttled, throttled, { status: 'delivered' });
    sender.answer('c04', throttled, throttled, throttled, { status: 'delivered' });

    // WHEN
    const first = await runWorkItem('w1', item(), deps, plenty);

    // THEN both are carried forward, with a delay
    expect(first).toMatchObject({ outcome: 'completed', targets: 10, delivered: 8, carried: 2, failed: 0 });
    expect(queue.sent[0]).toHaveLength(1);
    expect(queue.sent[0][0].delaySeconds).toBe(1);
    expect(queue.bodies()[0]).toEqual({
      v: 1,
      requestId: 'req-1',
      segment: 0,
      totalSegments: 2,
      attempt: 2,
      startedAt: STARTED,
      connections: [{ userId: 'u2', connectionId: 'c02' }, { userId: 'u4', connectionId: 'c04' }],
      data: { hi: 1 },
    });

    // WHEN the follow-up runs
    const second = await runWorkItem('w2', queue.sent[0][0].body, deps, plenty);

    // THEN both are delivered
    expect(second).toMatchObject({ kind: 'carry-forward', outcome: 'completed', attempt: 2, targets: 0, retargeted: 2, delivered: 2, carried: 0 });
    expect(sender.delivered().filter((c) => c === 'c02')).toHaveLength(5);
  });

  test('with the envelope, a continuation and a carry-forward keep the request\'s id, and post it in the envelope', async () => {
    // GIVEN the envelope, c02 throttled past its retries, and time for one page
    const { sender, queue, deps } = setup();
    const envelope = { ...deps, messageFormat: 'envelope' as const };
    const throttled = { status: 'retryable', reason: 'LimitExceededException (429)' } as const;
    sender.answer('c02', throttled, throttled, throttled, { status: 'delivered' });
    let checks = 0;

    // WHEN an item with the request's id runs out of time after a page
    await runWorkItem('w1', item({ id: 'order-42' }), envelope, () => (++checks <= 1 ? 5_000 : 500));

    // THEN the continuation and the carry-forward both carry it
    expect(queue.bodies().map((body) => [body.id, body.exclusiveStartKey !== undefined, body.connections !== undefined]))
      .toEqual(expect.arrayContaining([['order-42', true, false], ['order-42', false, true]]));
    // and every post is the envelope with it
    expect(new Set(sender.posts.map((p) => JSON.parse(Buffer.from(p.payload).toString()).id))).toEqual(new Set(['order-42']));
  });

  test('a connection that never recovers is carried up to the bound, then failed and logged', async () => {
    // GIVEN a connection that answers 500 to every post
    const { sender, queue, deps, log } = setup();
    sender.answer('c02', { status: 'retryable', reason: '500' });

    // WHEN
    const reports = await drain(deps, queue, [item()]);

    // THEN attempts 1, 2, 3; the third gives up, counts it failed and logs it; no loop
    expect(reports.map((r) => [r.attempt, r.carried, r.failed])).toEqual([[1, 1, 0], [2, 1, 0], [3, 0, 1]]);
    expect(queue.sent.map((batch) => batch[0].delaySeconds)).toEqual([1, 2]);
    expect(sender.delivered().filter((c) => c === 'c02')).toHaveLength(9);
    expect(log.lines).toContainEqual(expect.objectContaining({
      level: 'error',
      message: 'connections not delivered: still failing after 3 work-item attempts',
      fields: expect.objectContaining({ requestId: 'req-1', count: 1, connections: ['c02'] }),
    }));
    const total = (key: 'targets' | 'delivered' | 'failed' | 'gone') => reports.reduce((n, r) => n + r[key], 0);
    expect(total('targets')).toBe(total('delivered') + total('gone') + total('failed'));
  });
});

describe('runWorkItem: failures', () => {
  test('a malformed body is invalid, with the reason; nothing is read or sent', async () => {
    // GIVEN
    const { store, sender, deps } = setup();

    // WHEN
    const report = await runWorkItem('w', '{"v":1,"requestId":"r"}', deps, plenty);

    // THEN
    expect(report).toMatchObject({ outcome: 'invalid', kind: 'invalid', error: { code: 'INVALID_WORK_ITEM', message: expect.stringMatching(/totalSegments/) } });
    expect(store.pageCalls).toEqual([]);
    expect(sender.posts).toEqual([]);
  });

  test('the item fails when its first page cannot be read (retried whole: nothing was sent)', async () => {
    // GIVEN a table whose first page cannot be read
    const { store, queue, deps } = setup();
    store.failPageFrom = 0;

    // WHEN
    const report = await runWorkItem('w', item(), deps, plenty);

    // THEN
    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'LOOKUP_FAILED' } });
    expect(queue.sent).toEqual([]);
  });

  test('when a later page cannot be read, the rest continues in a new item', async () => {
    // GIVEN a table whose third page cannot be read
    const { store, queue, deps, log } = setup();
    store.failPageFrom = 2;

    // WHEN
    const report = await runWorkItem('w', item(), deps, plenty);

    // THEN the pages sent are kept
    expect(report).toMatchObject({ outcome: 'continued', pages: 2, delivered: 6 });
    expect(queue.bodies()[0].exclusiveStartKey).toEqual({ user_id: { S: 'u3' }, connection_id: { S: 'c10' } });
    expect(log.lines.map((l) => l.message)).toContain('scan failed after some pages; continuing in a new work item');
  });

  test('the item fails when its continuation cannot be enqueued, so that SQS redelivers it', async () => {
    // GIVEN a work queue that refuses the next send
    const { queue, deps } = setup();
    queue.failNext = 1;

    // WHEN the item runs with no time left
    const report = await runWorkItem('w', item(), deps, () => 0);

    // THEN
    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'ENQUEUE_FAILED' } });
  });

  test('Forbidden fails the item (a configuration error, retried then dead-lettered)', async () => {
    // GIVEN
    const { sender, deps } = setup();
    sender.answer('c00', { status: 'forbidden', reason: '403' });

    // WHEN
    const report = await runWorkItem('w', item(), deps, plenty);

    // THEN
    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'FORBIDDEN' } });
  });

  test('a payload refused as too large completes the item with the error, never retried', async () => {
    // GIVEN
    const { sender, queue, deps } = setup();
    sender.answer('c00', { status: 'payload-too-large', reason: '413' });

    // WHEN
    const report = await runWorkItem('w', item(), deps, plenty);

    // THEN
    expect(report).toMatchObject({ outcome: 'completed', error: { code: 'PAYLOAD_TOO_LARGE' }, pages: 1 });
    expect(queue.sent).toEqual([]);
  });
});
