import { messageEvent, testConfig, testDeps } from './support';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import { MESSAGES } from '../../../lambda/channels/core/reply';
import { frameLevel } from '../../../lambda/channels/core/report';

// A forbidden subscribe leaves the connection without the channel: a repeat subscribe the hook now refuses (the app
// revoked access) deletes the subscription the connection had, so the access does not outlive the hook's "no".

const subscribe = (channel: string, ref = 'r1') => messageEvent({ action: 'subscribe', channel, ref });
const channelsOf = (deps: ReturnType<typeof testDeps>, connectionId = 'conn-1') =>
  [...deps.store.rows.values()].filter((r) => r.connectionId === connectionId).map((r) => r.channel);

describe('a repeat subscribe refused', () => {
  test('by the hook (allow: false): FORBIDDEN, and the existing subscription is deleted', async () => {
    // GIVEN a connection the hook let into room/42, and into another room
    const deps = testDeps();
    await handleFrame(subscribe('room/42'), deps);
    await handleFrame(subscribe('room/7'), deps);
    expect(channelsOf(deps)).toEqual(['room/42', 'room/7']);

    // WHEN the app revokes room/42, and the client subscribes to it again
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    deps.store.calls.splice(0);
    const { reply, report } = await handleFrame(subscribe('room/42', 'again'), deps);

    // THEN the client is told FORBIDDEN, and it is true: room/42's row is gone, room/7's stays
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'FORBIDDEN', message: MESSAGES.FORBIDDEN, ref: 'again' });
    expect(channelsOf(deps)).toEqual(['room/7']);
    expect(deps.store.calls).toEqual(['exists', 'delete']);
    expect(report).toMatchObject({ outcome: 'refused', code: 'FORBIDDEN', rule: 'room/*', reason: 'the hook answered allow: false', revoked: true });
    expect(frameLevel(report)).toBe('warn');
  });

  test('only the asking connection\'s subscription goes', async () => {
    const deps = testDeps();
    await handleFrame(subscribe('room/42'), deps);
    await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42' }, { connectionId: 'conn-2' }), deps);
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    await handleFrame(subscribe('room/42'), deps);
    expect(channelsOf(deps)).toEqual([]);
    expect(channelsOf(deps, 'conn-2')).toEqual(['room/42']);
  });

  test('by the rules (a deploy removed the rule that allowed it): FORBIDDEN, and the subscription is deleted', async () => {
    const deps = testDeps();
    await handleFrame(subscribe('public/news'), deps);
    const after = { ...deps, config: testConfig({ rules: [{ pattern: 'inbox/{userId}', kind: 'allow' }] }) };
    const { reply, report } = await handleFrame(subscribe('public/news'), after);
    expect(reply).toMatchObject({ code: 'FORBIDDEN' });
    expect(report).toMatchObject({ reason: 'no rule matches the channel', revoked: true });
    expect(deps.store.rows.size).toBe(0);
  });

  test('a first subscribe refused: FORBIDDEN, nothing to delete, nothing written', async () => {
    const deps = testDeps();
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    const { report } = await handleFrame(subscribe('room/42'), deps);
    expect(report).toMatchObject({ code: 'FORBIDDEN' });
    expect(report.revoked).toBeUndefined();
    expect(deps.store.calls).toEqual(['exists']);
  });

  test('a hook that fails on the repeat: UNAVAILABLE, and the subscription stays (no decision was made)', async () => {
    const deps = testDeps();
    await handleFrame(subscribe('room/42'), deps);
    deps.hook.answer = { verdict: 'failed', reason: 'the hook failed (Unhandled): boom' };
    const { reply } = await handleFrame(subscribe('room/42'), deps);
    expect(reply).toMatchObject({ code: 'UNAVAILABLE' });
    expect(channelsOf(deps)).toEqual(['room/42']);
  });

  test.each([
    ['the check', 'exists' as const],
    ['the delete', 'delete' as const],
  ])('DynamoDB failing in %s: UNAVAILABLE, not FORBIDDEN (the row may still be there: the retry deletes it)', async (_, method) => {
    // GIVEN a subscription the hook now refuses, and the table failing
    const deps = testDeps();
    await handleFrame(subscribe('room/42'), deps);
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    const failing = jest.spyOn(deps.store, method).mockRejectedValueOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    // WHEN
    const { reply, report } = await handleFrame(subscribe('room/42'), deps);

    // THEN
    expect(failing).toHaveBeenCalled();
    expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE, ref: 'r1' });
    expect(report).toMatchObject({
      code: 'UNAVAILABLE',
      userId: 'u1',
      rule: 'room/*',
      reason: 'forbidden (the hook answered allow: false), but a subscription it may have could not be deleted: DynamoDB: ThrottlingException: throttled',
    });
    expect(frameLevel(report)).toBe('error');

    // … and the client's retry, with the table back, revokes it
    expect((await handleFrame(subscribe('room/42'), deps)).reply).toMatchObject({ code: 'FORBIDDEN' });
    expect(deps.store.rows.size).toBe(0);
  });
});

describe('a resume refused', () => {
  test('by the hook, on a history channel: FORBIDDEN, and the existing subscription is deleted, as for a subscribe', async () => {
    // GIVEN room/* keeping history, and a connection the hook let into room/42
    const rules = testConfig().rules.map((rule) => (rule.pattern === 'room/*' ? { ...rule, history: 60 } : rule));
    const head = { epoch: 'e1', last: 0, updatedAt: 0 };
    const store = {
      head: async () => head,
      createHead: async () => head,
      claim: async () => true,
      tail: async () => 0,
      advanceHead: async () => true,
      after: async () => ({ messages: [], more: false }),
    };
    const deps = testDeps({
      config: testConfig({ rules }),
      history: { store, sender: { post: async () => ({ status: 'delivered' }), disconnect: async () => ({ status: 'delivered' }) }, postRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    });
    await expect(handleFrame(subscribe('room/42'), deps)).resolves.toMatchObject({ reply: { type: 'subscribed', seq: 0, epoch: 'e1' } });

    // WHEN the app revokes room/42, and the client (after a reconnect, say) resumes it
    deps.hook.answer = { verdict: 'deny', reason: 'the hook answered allow: false' };
    const { reply, report } = await handleFrame(messageEvent({ action: 'resume', channel: 'room/42', since: 0, epoch: 'e1' }), deps);

    // THEN FORBIDDEN, and the subscription is gone
    expect(reply).toMatchObject({ type: 'error', action: 'resume', code: 'FORBIDDEN' });
    expect(report).toMatchObject({ revoked: true });
    expect(channelsOf(deps)).toEqual([]);
  });
});
