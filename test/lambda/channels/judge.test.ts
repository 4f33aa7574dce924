import { HOOK_ARN, messageEvent, testConfig, testDeps } from './support';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import { MESSAGES } from '../../../lambda/channels/core/reply';
import { frameLevel, frameMetrics } from '../../../lambda/channels/core/report';
import type { ChannelRuleSpec } from '../../../src/shared/channels';

/** Subscribes `channel` as the connection whose authorizer answered `authorizer`; the reply's type or error code. */
async function outcome(channel: string, authorizer: Record<string, unknown> = { principalId: 'u1', tenant: 'acme' }, rules?: ChannelRuleSpec[]) {
  const deps = testDeps(rules ? { config: testConfig({ rules }) } : {});
  const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel }, { authorizer }), deps);
  return { result: reply.type === 'error' ? reply.code : reply.type, report, deps };
}

describe('pattern rules', () => {
  test.each([
    ['public/news', 'subscribed'],
    ['public/a.b-c_d', 'subscribed'],
    ['public', 'FORBIDDEN'], // `*` is exactly one segment
    ['public/news/today', 'FORBIDDEN'],
    ['inbox/u1', 'subscribed'],
    ['inbox/u2', 'FORBIDDEN'],
    ['inbox/U1', 'FORBIDDEN'],
    ['tenant/acme/orders', 'subscribed'],
    ['tenant/globex/orders', 'FORBIDDEN'],
    ['tenant/acme', 'FORBIDDEN'],
    ['secret/x', 'FORBIDDEN'],
  ])('%s: %s', async (channel, expected) => {
    expect((await outcome(channel)).result).toBe(expected);
  });

  test('no rule matches: FORBIDDEN, the reason logged, nothing written (only the check for a subscription to revoke)', async () => {
    const { report, deps } = await outcome('secret/x');
    expect(report).toMatchObject({ code: 'FORBIDDEN', userId: 'u1', reason: 'no rule matches the channel' });
    expect(deps.store.calls).toEqual(['exists']);
  });

  test('the first matching rule decides', async () => {
    const rules: ChannelRuleSpec[] = [{ pattern: 'room/lobby', kind: 'allow' }, { pattern: 'room/*', kind: 'hook', hook: HOOK_ARN }];
    const lobby = await outcome('room/lobby', undefined, rules);
    expect(lobby.result).toBe('subscribed');
    expect(lobby.deps.hook.asked).toEqual([]);
    expect((await outcome('room/42', undefined, rules)).deps.hook.asked).toHaveLength(1);
  });

  test('a placeholder value holding a / never matches, even the channel it spells', async () => {
    const rules: ChannelRuleSpec[] = [{ pattern: 'inbox/{userId}', kind: 'allow' }, { pattern: 'inbox/{userId}/*', kind: 'allow' },
      { pattern: 't/{context.tenant}', kind: 'allow' }];
    expect((await outcome('inbox/a/b', { principalId: 'a/b' }, rules)).result).toBe('FORBIDDEN');
    expect((await outcome('t/ac/me', { principalId: 'u1', tenant: 'ac/me' }, rules)).result).toBe('FORBIDDEN');
    // …while the same user's valid segments still match
    expect((await outcome('inbox/a.b', { principalId: 'a.b' }, rules)).result).toBe('subscribed');
  });

  test.each([
    ['a value that is not a segment (a space)', { principalId: 'u1', tenant: 'ac me' }],
    ['a missing context key', { principalId: 'u1' }],
    ['a context value that is not a string', { principalId: 'u1', tenant: 7 }],
  ])('{context.tenant} with %s never matches', async (_, authorizer) => {
    expect((await outcome('tenant/acme/x', authorizer)).result).toBe('FORBIDDEN');
  });

  test('{context.constructor} binds nothing the authorizer did not set', async () => {
    const rules: ChannelRuleSpec[] = [{ pattern: 'x/{context.constructor}', kind: 'allow' }, { pattern: 'y/{context.__proto__}', kind: 'allow' }];
    expect((await outcome('x/function', undefined, rules)).result).toBe('FORBIDDEN');
    expect((await outcome('y/Object', undefined, rules)).result).toBe('FORBIDDEN');
    expect((await outcome('x/c1', { principalId: 'u1', constructor: 'c1' }, rules)).result).toBe('subscribed');
  });
});

describe('identity only from the authorizer', () => {
  test('a userId in the frame is ignored: the rule binds the authorizer\'s, the row carries it', async () => {
    // GIVEN u1's connection sending a frame that claims to be u2
    const deps = testDeps();

    // WHEN it subscribes to u2's inbox, then to its own
    const forged = await handleFrame(messageEvent({ action: 'subscribe', channel: 'inbox/u2', userId: 'u2', context: { tenant: 'globex' } }), deps);
    const own = await handleFrame(messageEvent({ action: 'subscribe', channel: 'inbox/u1', userId: 'u2' }), deps);

    // THEN
    expect(forged.reply).toMatchObject({ code: 'FORBIDDEN' });
    expect(own.reply).toMatchObject({ type: 'subscribed' });
    expect([...deps.store.rows.values()].map((r) => [r.channel, r.userId])).toEqual([['inbox/u1', 'u1']]);
  });

  test('a connection without a user id is refused, and the log says where it was looked for', async () => {
    const deps = testDeps();
    const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'public/a' }, { authorizer: { sub: 'x' } }), deps);
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'public/a', code: 'FORBIDDEN', message: MESSAGES.FORBIDDEN });
    expect(report.reason).toBe('the connection has no user id in requestContext.authorizer.principalId');
    expect(deps.store.calls).toEqual(['exists']);
  });

  test.each([
    ['iam', { kind: 'iam' } as const, 'arn:aws:iam::123456789012:user/ann'],
    ['connection', { kind: 'connection' } as const, 'conn-1'],
    ['authorizer:sub', { kind: 'authorizer', key: 'sub' } as const, 's-9'],
  ])('USER_ID_SOURCE=%s', async (_, userIdSource, userId) => {
    const deps = testDeps({ config: testConfig({ userIdSource, rules: [{ pattern: 'all', kind: 'allow' }] }) });
    await handleFrame(messageEvent({ action: 'subscribe', channel: 'all', userId: 'forged' }, {
      authorizer: { principalId: 'u1', sub: 's-9' }, userArn: 'arn:aws:iam::123456789012:user/ann',
    }), deps);
    expect([...deps.store.rows.values()][0].userId).toBe(userId);
  });
});

describe('hook rules', () => {
  test('allowed: subscribed, after the hook and before the table', async () => {
    const deps = testDeps();
    const { reply } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42', ref: 'h' }), deps);
    expect(reply).toEqual({ type: 'subscribed', channel: 'room/42', ref: 'h' });
    expect(deps.hook.asked).toHaveLength(1);
    expect(deps.store.calls).toEqual(['exists', 'count', 'put']);
  });

  test('a repeat subscribe asks the hook again', async () => {
    const deps = testDeps();
    await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42' }), deps);
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    expect((await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42' }), deps)).reply).toMatchObject({ code: 'FORBIDDEN' });
    expect(deps.hook.asked).toHaveLength(2);
  });

  test('denied (allow: false): FORBIDDEN, logged at WARN with the reason; only the check for a subscription to revoke', async () => {
    const deps = testDeps();
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42', ref: 'h' }), deps);
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'FORBIDDEN', message: MESSAGES.FORBIDDEN, ref: 'h' });
    expect(report).toEqual({
      connectionId: 'conn-1',
      routeKey: 'subscribe',
      action: 'subscribe',
      channel: 'room/42',
      ref: 'h',
      userId: 'u1',
      rule: 'room/*',
      outcome: 'refused',
      code: 'FORBIDDEN',
      reason: 'the hook answered allow: false',
      durationMs: 5,
    });
    expect(frameLevel(report)).toBe('warn');
    expect(frameMetrics(report).filter(([, v]) => v === 1)).toEqual([['RefusedForbidden', 1]]);
    expect(deps.store.calls).toEqual(['exists']);
  });

  // What the adapter makes of a function that threw, one that ran out of its own timeout, and an answer that is no
  // decision: none of them is the application saying no, so none may tell the client to give up (FORBIDDEN is final).
  test.each([
    ['throws (FunctionError)', 'the hook failed (Unhandled): {"errorType":"Error","errorMessage":"db down"}'],
    ['times out (its own timeout: FunctionError)', 'the hook failed (Unhandled): {"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 3.00 seconds"}'],
    ['answers no decision (allow: "true")', 'the hook\'s answer has no boolean allow: {"allow":"true"}'],
    ['answers nothing (null)', 'the hook\'s answer has no boolean allow: null'],
    ['answers what is not JSON', 'the hook\'s answer is not JSON: yes'],
  ])('a hook that %s: UNAVAILABLE, logged at ERROR with the reason, counted as RefusedUnavailable; nothing read or written', async (_, reason) => {
    const deps = testDeps();
    deps.hook.answer = { verdict: 'failed', reason };
    const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42', ref: 'h' }), deps);
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE, ref: 'h' });
    expect(report).toEqual({
      connectionId: 'conn-1',
      routeKey: 'subscribe',
      action: 'subscribe',
      channel: 'room/42',
      ref: 'h',
      userId: 'u1',
      rule: 'room/*',
      outcome: 'refused',
      code: 'UNAVAILABLE',
      hookFailed: true,
      reason,
      durationMs: 5,
    });
    expect(frameLevel(report)).toBe('error');
    expect(frameMetrics(report).filter(([, v]) => v === 1)).toEqual([['RefusedUnavailable', 1]]);
    expect(deps.store.calls).toEqual([]);
  });

  test.each([
    ['throttled', Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }), 'TooManyRequestsException: Rate exceeded'],
    ['no answer within the client\'s timeout', Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }),
      'TimeoutError: Connection timed out after 10000 ms'],
  ])('the invocation failing (%s): UNAVAILABLE, nothing read or written', async (_, error, cause) => {
    const deps = testDeps();
    deps.hook.answer = error;
    const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42' }), deps);
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE });
    expect(report).toMatchObject({ code: 'UNAVAILABLE', rule: 'room/*', hookFailed: true, reason: `the hook could not be invoked: ${cause}` });
    expect(frameLevel(report)).toBe('error');
    expect(deps.store.calls).toEqual([]);
  });

  test('allow rules never ask the hook', async () => {
    const deps = testDeps();
    await handleFrame(messageEvent({ action: 'subscribe', channel: 'public/a' }), deps);
    expect(deps.hook.asked).toEqual([]);
  });
});
