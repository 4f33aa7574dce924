import { HOOK_ARN, memberDeps, messageEvent, PRESENCE_RULES, testConfig, testDeps } from './support';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import { MESSAGES } from '../../../lambda/channels/core/reply';
import { channelKey, shardOf } from '../../../src/shared/channels';

// The channels function with channel presence: subscribe joins, unsubscribe (or a revoke) leaves, `presence` answers
// the members; the members' logic runs on in-memory ports, the user's other connections read from the same table.

const frame = (action: string, channel: string, ref?: string) => ({ action, channel, ...(ref === undefined ? {} : { ref }) });
const event = (action: string, channel: string, options: { connectionId?: string; ref?: string; requestId?: string; principalId?: string } = {}) =>
  messageEvent(frame(action, channel, options.ref), {
    routeKey: action,
    connectionId: options.connectionId ?? 'conn-1',
    requestId: options.requestId,
    authorizer: { principalId: options.principalId ?? 'u1', tenant: 'acme' },
  });

function world() {
  const deps = testDeps({ config: testConfig({ rules: PRESENCE_RULES }) });
  const presence = memberDeps(deps.store);
  return { ...presence, deps: { ...deps, members: presence.deps }, store: deps.store, hook: deps.hook };
}
const rowOf = (w: ReturnType<typeof world>, channel: string, connectionId = 'conn-1') =>
  w.store.rows.get(`${channelKey(channel, shardOf(connectionId, 4))}|${connectionId}`);
const failing = () => Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });

describe('subscribe and unsubscribe on a presence channel', () => {
  test('a subscribe writes the row with presence, and joins the user (a join frame named by the message id)', async () => {
    const w = world();
    const { reply, report } = await handleFrame(event('subscribe', 'lobby/a', { requestId: 'msg-1', ref: 'r1' }), w.deps);
    expect(reply).toEqual({ type: 'subscribed', channel: 'lobby/a', ref: 'r1' });
    expect(rowOf(w, 'lobby/a')).toMatchObject({ channel: 'lobby/a', userId: 'u1', presence: true });
    expect(report).toMatchObject({ outcome: 'subscribed', userId: 'u1', presence: 'joined' });
    expect(w.frames.sent).toEqual([{ channel: 'lobby/a', event: 'join', userId: 'u1', version: 1_700_000_000_000, id: 'msg-1' }]);
    // listed until the connection's expiry (connectedAt + the connection TTL)
    expect(w.members.row('lobby/a', 'u1')?.expiresAt).toBe(1_767_232_800);
    expect(w.members.row('lobby/a', 'u1')?.state).toBe('joined');
  });

  test('a repeat subscribe, or the user\'s second connection, does not join again', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    const again = await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    const second = await handleFrame(event('subscribe', 'lobby/a', { connectionId: 'conn-2' }), w.deps);
    expect(again.report).toMatchObject({ outcome: 'subscribed', existing: true, presence: 'none' });
    expect(second.report).toMatchObject({ outcome: 'subscribed', presence: 'none' });
    expect(w.frames.sent.map((f) => f.event)).toEqual(['join']);
    expect(rowOf(w, 'lobby/a')).toMatchObject({ presence: true });
  });

  test('a subscribe to a plain channel writes no presence and joins nobody', async () => {
    const w = world();
    const { report } = await handleFrame(event('subscribe', 'public/news'), w.deps);
    expect(report).toMatchObject({ outcome: 'subscribed' });
    expect(report).not.toHaveProperty('presence');
    expect(rowOf(w, 'public/news')).not.toHaveProperty('presence');
    expect(w.members.rows.size).toBe(0);
    expect(w.frames.sent).toEqual([]);
  });

  test('the unsubscribe of the user\'s last presence subscription leaves at once; with another connection subscribed, kept', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    await handleFrame(event('subscribe', 'lobby/a', { connectionId: 'conn-2' }), w.deps);

    const first = await handleFrame(event('unsubscribe', 'lobby/a', { requestId: 'msg-2' }), w.deps);
    expect(first.reply).toEqual({ type: 'unsubscribed', channel: 'lobby/a' });
    expect(first.report).toMatchObject({ outcome: 'unsubscribed', userId: 'u1', presence: 'kept' });
    expect(w.members.row('lobby/a', 'u1')?.state).toBe('joined');

    const last = await handleFrame(event('unsubscribe', 'lobby/a', { connectionId: 'conn-2', requestId: 'msg-3' }), w.deps);
    expect(last.report).toMatchObject({ outcome: 'unsubscribed', userId: 'u1', presence: 'left' });
    expect(w.frames.sent.map((f) => [f.event, f.id])).toEqual([['join', expect.any(String)], ['leave', 'msg-3']]);
    expect(w.members.row('lobby/a', 'u1')?.state).toBe('left');
  });

  test('the unsubscribe of a plain subscription, or of none, does not touch the members', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'public/news'), w.deps);
    w.members.set('public/news', 'u1', { state: 'joined', version: 1 });
    const plain = await handleFrame(event('unsubscribe', 'public/news'), w.deps);
    const none = await handleFrame(event('unsubscribe', 'lobby/a'), w.deps);
    expect(plain.report).toMatchObject({ outcome: 'unsubscribed', userId: 'u1' });
    expect(plain.report).not.toHaveProperty('presence');
    // lobby/a is a presence channel: an unsubscribe of nothing still looks (a retry after a failed leave), finds no member
    expect(none.report).toMatchObject({ presence: 'none' });
    expect(w.members.row('public/news', 'u1')).toEqual({ state: 'joined', version: 1 });
    expect(w.frames.sent).toEqual([]);
  });

  test('an unsubscribe retried after its leave failed (the row already gone) leaves then', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    w.members.set('lobby/a', 'u1', { state: 'joined', version: 1 });
    // the row went, the member stayed (as when leaveNow failed after the delete)
    const [row] = [...w.deps.store.rows.values()];
    await w.deps.store.delete({ channelKey: row.channelKey, connectionId: row.connectionId });
    expect(await w.deps.store.countForConnection('conn-1', 10)).toBe(0);
    const retried = await handleFrame(event('unsubscribe', 'lobby/a'), w.deps);
    expect(retried.report).toMatchObject({ outcome: 'unsubscribed', presence: 'left' });
    expect(w.members.row('lobby/a', 'u1')?.state).toBe('left');
  });

  test('a refused repeat subscribe that revokes a presence subscription leaves at once', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'vip/x'), w.deps);
    w.hook.answer = { verdict: 'deny', reason: 'not a vip' };
    const { reply, report } = await handleFrame(event('subscribe', 'vip/x', { requestId: 'msg-9' }), w.deps);
    expect(reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(report).toMatchObject({ outcome: 'refused', code: 'FORBIDDEN', revoked: true, presence: 'left' });
    expect(w.frames.sent.map((f) => [f.event, f.id])).toEqual([['join', expect.any(String)], ['leave', 'msg-9']]);
  });

  test('a failing member store: UNAVAILABLE, the reason "channel presence: …"; the retry joins (the row was written)', async () => {
    const w = world();
    w.members.fail = failing();
    const sub = await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    expect(sub.reply).toMatchObject({ type: 'error', action: 'subscribe', channel: 'lobby/a', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE });
    expect(sub.report.reason).toMatch(/^channel presence: ProvisionedThroughputExceededException: throttled/);
    expect(rowOf(w, 'lobby/a')).toMatchObject({ presence: true });
    w.members.fail = undefined;
    expect((await handleFrame(event('subscribe', 'lobby/a'), w.deps)).report).toMatchObject({ outcome: 'subscribed', presence: 'joined' });

    w.members.fail = failing();
    const unsub = await handleFrame(event('unsubscribe', 'lobby/a'), w.deps);
    expect(unsub.reply).toMatchObject({ type: 'error', action: 'unsubscribe', code: 'UNAVAILABLE' });
    expect(unsub.report.reason).toMatch(/^channel presence: /);
  });
});

describe('the presence action', () => {
  test('a subscribed connection gets the members (sorted), their count and its ref', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    await handleFrame(event('subscribe', 'lobby/a', { connectionId: 'conn-z', principalId: 'zoe' }), w.deps);
    await handleFrame(event('subscribe', 'lobby/a', { connectionId: 'conn-b', principalId: 'bob' }), w.deps);
    const { reply, report } = await handleFrame(event('presence', 'lobby/a', { ref: 'r3' }), w.deps);
    expect(JSON.stringify(reply)).toBe('{"type":"members","channel":"lobby/a","users":["bob","u1","zoe"],"count":3,"ref":"r3"}');
    expect(report).toMatchObject({ action: 'presence', outcome: 'members', members: 3, userId: 'u1' });
  });

  test('a channel whose rule does not turn presence on: NOT_ENABLED', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'public/news'), w.deps);
    const { reply, report } = await handleFrame(event('presence', 'public/news', { ref: 'r4' }), w.deps);
    expect(reply).toEqual({ type: 'error', action: 'presence', channel: 'public/news', code: 'NOT_ENABLED', message: MESSAGES.NOT_ENABLED, ref: 'r4' });
    expect(report).toMatchObject({ outcome: 'refused', code: 'NOT_ENABLED', rule: 'public/*' });
  });

  test('no rule: FORBIDDEN; not subscribed: FORBIDDEN (subscribe first), and nothing is revoked or read', async () => {
    const w = world();
    const none = await handleFrame(event('presence', 'nowhere/x'), w.deps);
    expect(none.reply).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: MESSAGES.FORBIDDEN });
    const unsubscribed = await handleFrame(event('presence', 'lobby/a'), w.deps);
    expect(unsubscribed.reply).toMatchObject({ type: 'error', action: 'presence', code: 'FORBIDDEN', message: MESSAGES.NOT_SUBSCRIBED });
    expect(unsubscribed.report).toMatchObject({ outcome: 'refused', code: 'FORBIDDEN', reason: 'not subscribed' });
    expect(w.store.calls).toEqual(['exists']);
  });

  test('a hook rule is asked with type presence; its refusal is FORBIDDEN and revokes nothing', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'vip/x'), w.deps);
    const allowed = await handleFrame(event('presence', 'vip/x'), w.deps);
    expect(allowed.reply).toMatchObject({ type: 'members', users: ['u1'], count: 1 });
    expect(w.hook.asked.map((a) => [a.functionArn, a.event.type, a.event.channel, a.event.userId])).toEqual([
      [HOOK_ARN, 'subscribe', 'vip/x', 'u1'], [HOOK_ARN, 'presence', 'vip/x', 'u1'],
    ]);
    w.hook.answer = { verdict: 'deny', reason: 'not a vip' };
    const denied = await handleFrame(event('presence', 'vip/x'), w.deps);
    expect(denied.reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(denied.report).not.toHaveProperty('revoked');
    expect(rowOf(w, 'vip/x')).toBeDefined();
    expect(w.members.row('vip/x', 'u1')?.state).toBe('joined');
  });

  test('a failing member store: UNAVAILABLE, the reason "channel presence: …"', async () => {
    const w = world();
    await handleFrame(event('subscribe', 'lobby/a'), w.deps);
    w.members.fail = failing();
    const { reply, report } = await handleFrame(event('presence', 'lobby/a'), w.deps);
    expect(reply).toMatchObject({ type: 'error', action: 'presence', code: 'UNAVAILABLE' });
    expect(report.reason).toMatch(/^channel presence: ProvisionedThroughputExceededException: throttled/);
  });
});
