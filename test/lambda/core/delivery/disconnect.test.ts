import { ConnectionOrder } from '../../../../lambda/core/delivery/connection-order';
import type { DeliveryDeps } from '../../../../lambda/core/delivery/deps';
import { BatchPruner } from '../../../../lambda/core/delivery/pruner';
import { RequestRun } from '../../../../lambda/core/delivery/request-run';
import type { ConnectionKey, DisconnectMarks } from '../../../../lambda/core/ports/connection-store';
import { parseRequestValue } from '../../../../lambda/core/request';
import { planFollowUps } from '../../../../lambda/work/follow-ups';
import { parseWorkItem } from '../../../../lambda/work/parse-work-item';
import { fakeDeps, FakeSender, FakeStore, row } from '../../support/fakes';

const ENABLED = { disconnectEnabled: true };

function runFor(value: object, sender = new FakeSender(), followUps = true, overrides: Partial<DeliveryDeps> = {}) {
  const parsed = parseRequestValue(value, ENABLED);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const store = new FakeStore([]);
  const deps = fakeDeps(store, sender, overrides);
  const run = new RequestRun({ messageId: 'm-1', request: parsed.request }, deps, new BatchPruner(deps),
    new ConnectionOrder(deps.sendSlots), () => 1_000_000, { followUps });
  return { run, sender, store, deps };
}

describe('parsing a disconnect request', () => {
  test('data is optional, and the action is kept', () => {
    // WHEN
    const parsed = parseRequestValue({ action: 'disconnect', users: ['a'] }, ENABLED);

    // THEN
    expect(parsed.ok && parsed.request).toMatchObject({ action: 'disconnect', users: new Set(['a']) });
    expect(parsed.ok && parsed.request.payload).toBeUndefined();
  });

  test('refused where the deployment does not allow it', () => {
    // WHEN
    const parsed = parseRequestValue({ action: 'disconnect', users: ['a'] });

    // THEN
    expect(parsed).toEqual({ ok: false, error: { code: 'DISCONNECT_DISABLED', message: "a disconnect request needs the construct's `enableDisconnect: true` (the permission to close connections)" } });
  });

  test.each([['"close"', 'close'], ['a number', 3], ['an empty string', '']])('an action of %s is an invalid request', (_name, action) => {
    // WHEN
    const parsed = parseRequestValue({ action, data: 1 }, ENABLED);

    // THEN
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.code).toBe('INVALID_FIELD');
    expect(!parsed.ok && parsed.error.message).toMatch(/^`action` must be "send" or "disconnect", got /);
  });

  test('"send" is the default and needs data', () => {
    // WHEN / THEN
    expect(parseRequestValue({ action: 'send', data: 1 })).toMatchObject({ ok: true, request: { action: 'send' } });
    expect(parseRequestValue({ action: 'send' })).toMatchObject({ ok: false, error: { code: 'MISSING_DATA' } });
  });
});

describe('RequestRun of a disconnect', () => {
  test('posts the data, then closes, and the rows are deleted (counted as closed, not as pruned)', async () => {
    // GIVEN
    const { run, sender, store } = runFor({ action: 'disconnect', users: ['a'], data: 'bye' });
    store.rows.push(row('a', 'c1'), row('a', 'c2'));

    // WHEN
    await run.offerRows([row('a', 'c1'), row('a', 'c2')]);
    const outcome = await run.finish();

    // THEN
    expect(sender.delivered()).toEqual(['c1', 'c2']);
    expect(sender.closes).toEqual(['c1', 'c2']);
    expect(outcome).toMatchObject({ status: 'delivered', targets: 2, delivered: 2, closed: 2, pruned: 0, failed: 0 });
    expect(store.rows).toEqual([]);
  });

  test('without data it only closes; a connection gone already counts as closed', async () => {
    // GIVEN
    const sender = new FakeSender().answerClose('c2', { status: 'gone' });
    const { run } = runFor({ action: 'disconnect', connections: ['c1', 'c2'] }, sender);

    // WHEN
    await run.offerDirect('c1', new Set());
    await run.offerDirect('c2', new Set());
    const outcome = await run.finish();

    // THEN
    expect(sender.posts).toEqual([]);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 0, closed: 2, gone: 0 });
  });

  test('a connection gone when the data is posted is not closed again, and counts as closed', async () => {
    // GIVEN
    const sender = new FakeSender().answer('c1', { status: 'gone' });
    const { run } = runFor({ action: 'disconnect', users: ['a'], data: 'bye' }, sender);

    // WHEN
    await run.offerRows([row('a', 'c1')]);
    const outcome = await run.finish();

    // THEN
    expect(sender.closes).toEqual([]);
    expect(outcome).toMatchObject({ gone: 1, pruned: 1, closed: 1 });
  });

  test('a close still failing after the data was delivered is left to close only', async () => {
    // GIVEN
    const sender = new FakeSender().answerClose('c1', { status: 'retryable', reason: '500' });
    const { run } = runFor({ action: 'disconnect', users: ['a'], data: 'bye' }, sender);

    // WHEN
    await run.offerRows([row('a', 'c1')]);
    const outcome = await run.finish();

    // THEN the data went once, the close three times, and the follow-up is only the close
    expect(sender.delivered()).toEqual(['c1']);
    expect(sender.closes).toEqual(['c1', 'c1', 'c1']);
    expect(outcome.remainder).toMatchObject({ connections: [], closing: [{ userId: 'a', connectionId: 'c1' }] });
  });

  test('data still failing: the connection is carried with its data, not closed', async () => {
    // GIVEN
    const sender = new FakeSender().answer('c1', { status: 'retryable', reason: '429' });
    const { run } = runFor({ action: 'disconnect', users: ['a'], data: 'bye' }, sender);

    // WHEN
    await run.offerRows([row('a', 'c1')]);
    const outcome = await run.finish();

    // THEN
    expect(sender.closes).toEqual([]);
    expect(outcome.remainder).toMatchObject({ connections: [{ userId: 'a', connectionId: 'c1' }] });
    expect(outcome.remainder?.closing).toBeUndefined();
  });

  test('without follow-ups (FIFO), a close still failing fails the request', async () => {
    // GIVEN
    const sender = new FakeSender().answerClose('c1', { status: 'retryable', reason: '500' });
    const { run } = runFor({ action: 'disconnect', connections: ['c1'] }, sender, false);

    // WHEN
    await run.offerDirect('c1', new Set());
    const outcome = await run.finish();

    // THEN
    expect(outcome).toMatchObject({ status: 'failed', failed: 1, error: { code: 'SEND_FAILED' } });
  });
});

describe('follow-ups of a disconnect', () => {
  const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };
  const origin = {
    requestId: 'm-1',
    startedAt: 1_700_000_000_000,
    attempt: 1,
    segment: 0,
    totalSegments: 1,
    action: 'disconnect' as const,
    dataText: '"bye"',
    excludeUsers: new Set<string>(),
    excludeConnections: new Set<string>(),
  };

  test('connections that had the data are only closed; the others get the data and the close', () => {
    // WHEN
    const plan = planFollowUps(origin, {
      connections: [{ userId: 'a', connectionId: 'c1' }],
      closing: [{ userId: 'b', connectionId: 'c2' }],
      users: [],
      segments: [],
      alreadyReached: [],
    }, 3);

    // THEN
    const items = plan.messages.map((m) => parseWorkItem(m.body, rules)).map((p) => (p.ok ? p.item : p.reason));
    expect(items).toEqual([
      expect.objectContaining({ action: 'disconnect', connections: [{ userId: 'a', connectionId: 'c1' }], payload: Buffer.from('"bye"') }),
      expect.not.objectContaining({ payload: expect.anything() }),
    ]);
    expect(items[1]).toMatchObject({ action: 'disconnect', connections: [{ userId: 'b', connectionId: 'c2' }] });
    expect(plan.requeued).toBe(2);
  });

  test('at the attempt bound, both are given up and dead-lettered', () => {
    // WHEN
    const plan = planFollowUps({ ...origin, attempt: 3 }, {
      connections: [], closing: [{ userId: 'b', connectionId: 'c2' }], users: [], segments: [], alreadyReached: [],
    }, 3);

    // THEN
    expect(plan.messages).toEqual([]);
    expect(plan.deadLetters).toHaveLength(1);
    expect(plan.givenUp[0].connections).toEqual([{ userId: 'b', connectionId: 'c2' }]);
  });

  test('a work item with any other action is invalid', () => {
    // WHEN
    const parsed = parseWorkItem(JSON.stringify({ v: 1, requestId: 'r', action: 'send', segment: 0, totalSegments: 1, attempt: 1, startedAt: 1, data: 1 }), rules);

    // THEN
    expect(parsed).toEqual({ ok: false, reason: '`action` must be "disconnect" when given' });
  });
});

describe('RequestRun of a disconnect, with channel presence (disconnectMarks)', () => {
  /** Marks in order, each with what the sender had closed by then; `fail` rejects them. */
  function marks(sender: FakeSender, fail?: Error) {
    const made: Array<{ key: ConnectionKey; requestId: string; closedBefore: string[]; postedBefore: string[] }> = [];
    const disconnectMarks: DisconnectMarks = {
      mark: async (key, requestId) => {
        if (fail) throw fail;
        made.push({ key, requestId, closedBefore: [...sender.closes], postedBefore: sender.posts.map((p) => p.connectionId) });
      },
    };
    return { made, disconnectMarks };
  }

  test('each row is marked with the request id before its connection is closed, after the data', async () => {
    const sender = new FakeSender();
    const { made, disconnectMarks } = marks(sender);
    const { run } = runFor({ action: 'disconnect', users: ['a'], data: 'bye' }, sender, true, { disconnectMarks });
    await run.offerRows([row('a', 'c1'), row('a', 'c2')]);
    const outcome = await run.finish();
    expect(made.map((m) => [m.key, m.requestId])).toEqual([[{ userId: 'a', connectionId: 'c1' }, 'm-1'], [{ userId: 'a', connectionId: 'c2' }, 'm-1']]);
    expect(made[0].closedBefore).not.toContain('c1');
    expect(made[1].closedBefore).not.toContain('c2');
    expect(made[0].postedBefore).toContain('c1');
    expect(made[1].postedBefore).toContain('c2');
    expect(outcome).toMatchObject({ closed: 2 });
  });

  test('a direct id whose owner is unknown is closed unmarked (it leaves after the grace period)', async () => {
    const sender = new FakeSender();
    const { made, disconnectMarks } = marks(sender);
    const { run } = runFor({ action: 'disconnect', connections: ['c9'] }, sender, true, { disconnectMarks });
    await run.offerDirect('c9', new Set());
    expect(await run.finish()).toMatchObject({ closed: 1 });
    expect(made).toEqual([]);
  });

  test('a mark that fails is logged and the connection is closed anyway', async () => {
    const sender = new FakeSender();
    const { disconnectMarks } = marks(sender, Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const { run, deps } = runFor({ action: 'disconnect', users: ['a'] }, sender, true, { disconnectMarks });
    await run.offerRows([row('a', 'c1')]);
    expect(await run.finish()).toMatchObject({ status: 'delivered', closed: 1 });
    expect(sender.closes).toEqual(['c1']);
    expect(deps.log.lines).toEqual([expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ connectionId: 'c1', error: expect.stringContaining('throttled') }) })]);
  });

  test('a send request marks nothing', async () => {
    const sender = new FakeSender();
    const { made, disconnectMarks } = marks(sender);
    const { run } = runFor({ users: ['a'], data: 'hi' }, sender, true, { disconnectMarks });
    await run.offerRows([row('a', 'c1')]);
    await run.finish();
    expect(made).toEqual([]);
  });
});
