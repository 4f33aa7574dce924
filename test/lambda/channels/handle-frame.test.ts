import { CONNECTED_AT, HOOK_ARN, messageEvent, testConfig, testDeps } from './support';
import { FRAME_MESSAGES } from '../../../lambda/channels/core/frame';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import { MESSAGES } from '../../../lambda/channels/core/reply';
import { channelKey, shardOf } from '../../../src/shared/channels';

const subscribe = (channel: unknown, extra: object = {}) => ({ action: 'subscribe', channel, ref: 'r1', ...extra });
const unsubscribe = (channel: unknown) => ({ action: 'unsubscribe', channel, ref: 'r2' });
const rowKey = (channel: string, connectionId = 'conn-1') => `${channelKey(channel, shardOf(connectionId, 4))}|${connectionId}`;
const expiry = Math.floor(CONNECTED_AT / 1000) + 7_200;

describe('subscribe', () => {
  test('an allowed channel: the row is written and the client told', async () => {
    // GIVEN
    const deps = testDeps();

    // WHEN
    const { reply, report } = await handleFrame(messageEvent(subscribe('public/news')), deps);

    // THEN
    expect(reply).toEqual({ type: 'subscribed', channel: 'public/news', ref: 'r1' });
    expect(JSON.stringify(reply)).toBe('{"type":"subscribed","channel":"public/news","ref":"r1"}');
    expect([...deps.store.rows.entries()]).toEqual([[rowKey('public/news'), {
      channelKey: channelKey('public/news', shardOf('conn-1', 4)), connectionId: 'conn-1', channel: 'public/news', userId: 'u1', expiresAt: expiry,
    }]]);
    expect(deps.store.calls).toEqual(['exists', 'count', 'put']);
    expect(report).toEqual({
      connectionId: 'conn-1', routeKey: 'subscribe', action: 'subscribe', channel: 'public/news', ref: 'r1', userId: 'u1', outcome: 'subscribed', durationMs: 5,
    });
  });

  test('twice is one subscription: the repeat finds the row, is not counted, and writes it again', async () => {
    const deps = testDeps();
    await handleFrame(messageEvent(subscribe('public/news')), deps);

    const { reply, report } = await handleFrame(messageEvent(subscribe('public/news', { ref: 'again' })), deps);

    expect(reply).toEqual({ type: 'subscribed', channel: 'public/news', ref: 'again' });
    expect(report).toMatchObject({ outcome: 'subscribed', existing: true });
    expect(deps.store.rows.size).toBe(1);
    expect(deps.store.calls).toEqual(['exists', 'count', 'put', 'exists', 'put']);
  });

  test('a repeat subscribe racing an unsubscribe still leaves the subscription it answered', async () => {
    // GIVEN a subscription, and an unsubscribe whose delete lands between the repeat's check and its answer
    const deps = testDeps();
    await handleFrame(messageEvent(subscribe('public/news')), deps);
    const exists = deps.store.exists.bind(deps.store);
    deps.store.exists = async (key) => {
      const found = await exists(key);
      await handleFrame(messageEvent({ action: 'unsubscribe', channel: 'public/news' }), deps);
      return found;
    };

    // WHEN
    const { reply } = await handleFrame(messageEvent(subscribe('public/news')), deps);

    // THEN what the client was told is true
    expect(reply).toMatchObject({ type: 'subscribed', channel: 'public/news' });
    expect(deps.store.rows.size).toBe(1);
  });

  test('without a ref, none is echoed', async () => {
    const { reply } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'public/a' }), testDeps());
    expect(JSON.stringify(reply)).toBe('{"type":"subscribed","channel":"public/a"}');
  });

  test('the row expires with its connection; without connectedAt, from now', async () => {
    const deps = testDeps({ now: () => 1_800_000_000_999 });
    const event = messageEvent(subscribe('public/a'));
    const { connectedAt, ...withoutConnectedAt } = event.requestContext!;
    await handleFrame({ ...event, requestContext: withoutConnectedAt }, deps);
    expect(connectedAt).toBe(CONNECTED_AT);
    expect([...deps.store.rows.values()][0].expiresAt).toBe(1_800_000_000 + 7_200);
  });

  test('each shard count puts the row in the connection\'s shard, which unsubscribe finds', async () => {
    for (const shards of [1, 7, 100]) {
      const deps = testDeps({ config: testConfig({ shards }) });
      await handleFrame(messageEvent(subscribe('public/a'), { connectionId: 'Zx9=' }), deps);
      expect([...deps.store.rows.values()][0].channelKey).toBe(`public/a#${shardOf('Zx9=', shards)}`);
      await handleFrame(messageEvent(unsubscribe('public/a'), { connectionId: 'Zx9=' }), deps);
      expect(deps.store.rows.size).toBe(0);
    }
  });
});

describe('the per-connection limit', () => {
  test('at the limit, a new channel is refused; a repeat and another connection are not', async () => {
    // GIVEN a connection with 3 subscriptions, the limit
    const deps = testDeps();
    for (const c of ['public/a', 'public/b', 'public/c']) await handleFrame(messageEvent(subscribe(c)), deps);

    // WHEN a fourth, a repeat, and a fourth on another connection
    const fourth = await handleFrame(messageEvent(subscribe('public/d')), deps);
    const repeat = await handleFrame(messageEvent(subscribe('public/b')), deps);
    const other = await handleFrame(messageEvent(subscribe('public/d'), { connectionId: 'conn-2' }), deps);

    // THEN
    expect(fourth.reply).toEqual({ type: 'error', action: 'subscribe', channel: 'public/d', code: 'TOO_MANY_SUBSCRIPTIONS', message: MESSAGES.TOO_MANY_SUBSCRIPTIONS(3), ref: 'r1' });
    expect(fourth.reply).toMatchObject({ message: 'at most 3 subscriptions per connection: unsubscribe from one first' });
    expect(fourth.report).toMatchObject({ outcome: 'refused', code: 'TOO_MANY_SUBSCRIPTIONS', reason: '3 subscriptions' });
    expect(repeat.reply).toMatchObject({ type: 'subscribed' });
    expect(other.reply).toMatchObject({ type: 'subscribed' });
    expect([...deps.store.rows.values()].filter((r) => r.connectionId === 'conn-1').map((r) => r.channel)).toEqual(['public/a', 'public/b', 'public/c']);
  });

  test('an unsubscribe makes room', async () => {
    const deps = testDeps({ config: testConfig({ maxSubscriptions: 1 }) });
    await handleFrame(messageEvent(subscribe('public/a')), deps);
    expect((await handleFrame(messageEvent(subscribe('public/b')), deps)).reply).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS' });
    await handleFrame(messageEvent(unsubscribe('public/a')), deps);
    expect((await handleFrame(messageEvent(subscribe('public/b')), deps)).reply).toMatchObject({ type: 'subscribed' });
  });
});

describe('unsubscribe', () => {
  test('deletes the row', async () => {
    const deps = testDeps();
    await handleFrame(messageEvent(subscribe('public/a')), deps);
    const { reply, report } = await handleFrame(messageEvent(unsubscribe('public/a')), deps);
    expect(JSON.stringify(reply)).toBe('{"type":"unsubscribed","channel":"public/a","ref":"r2"}');
    expect(report).toEqual({
      connectionId: 'conn-1', routeKey: 'unsubscribe', action: 'unsubscribe', channel: 'public/a', ref: 'r2', outcome: 'unsubscribed', userId: 'u1', durationMs: 5,
    });
    expect(deps.store.rows.size).toBe(0);
  });

  test('a channel never subscribed, or one no rule allows: unsubscribed all the same, no identity needed', async () => {
    const deps = testDeps();
    for (const channel of ['public/never', 'secret/x']) {
      const { reply } = await handleFrame(messageEvent(unsubscribe(channel), { authorizer: null }), deps);
      expect(reply).toEqual({ type: 'unsubscribed', channel, ref: 'r2' });
    }
    expect(deps.store.calls).toEqual(['delete', 'delete']);
    expect(deps.hook.asked).toEqual([]);
  });

  test('only the asking connection\'s row goes', async () => {
    const deps = testDeps();
    await handleFrame(messageEvent(subscribe('public/a')), deps);
    await handleFrame(messageEvent(subscribe('public/a'), { connectionId: 'conn-2' }), deps);
    await handleFrame(messageEvent(unsubscribe('public/a'), { connectionId: 'conn-2' }), deps);
    expect([...deps.store.rows.keys()]).toEqual([rowKey('public/a')]);
  });
});

describe('DynamoDB failing', () => {
  test.each([
    ['subscribe', subscribe('public/a')],
    ['unsubscribe', unsubscribe('public/a')],
  ])('%s: UNAVAILABLE, the cause logged', async (action, frame) => {
    const deps = testDeps();
    deps.store.failing = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const { reply, report } = await handleFrame(messageEvent(frame), deps);
    expect(reply).toEqual({ type: 'error', action, channel: 'public/a', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE, ref: frame.ref });
    expect(report).toMatchObject({ outcome: 'refused', code: 'UNAVAILABLE', reason: 'DynamoDB: ProvisionedThroughputExceededException: Rate exceeded' });
  });

  test('a failing put after the checks: UNAVAILABLE', async () => {
    const deps = testDeps();
    const put = jest.spyOn(deps.store, 'put').mockRejectedValue('socket hang up');
    const { reply, report } = await handleFrame(messageEvent(subscribe('public/a')), deps);
    expect(put).toHaveBeenCalled();
    expect(reply).toMatchObject({ code: 'UNAVAILABLE' });
    expect(report.reason).toBe('DynamoDB: socket hang up');
  });
});

describe('invalid frames touch nothing', () => {
  test.each([
    ['not JSON', 'subscribe!', { type: 'error', code: 'INVALID_FRAME', message: FRAME_MESSAGES.NOT_JSON }],
    ['an unknown action ($default)', { action: 'publish', channel: 'room/42', ref: 'r9' },
      { type: 'error', channel: 'room/42', code: 'INVALID_FRAME', message: FRAME_MESSAGES.UNKNOWN_ACTION, ref: 'r9' }],
    ['a bad ref', { action: 'subscribe', channel: 'room/42', ref: 9 },
      { type: 'error', action: 'subscribe', channel: 'room/42', code: 'INVALID_FRAME', message: FRAME_MESSAGES.BAD_REF }],
    ['no channel', { action: 'unsubscribe', ref: 'r3' }, { type: 'error', action: 'unsubscribe', code: 'INVALID_FRAME', message: FRAME_MESSAGES.MISSING_CHANNEL, ref: 'r3' }],
    ['a channel name with a control character', { action: 'subscribe', channel: 'room/\u0007', ref: 'r4' },
      { type: 'error', action: 'subscribe', code: 'INVALID_CHANNEL', message: FRAME_MESSAGES.INVALID_CHANNEL, ref: 'r4' }],
  ])('%s', async (_, body, reply) => {
    const deps = testDeps();
    const result = await handleFrame(messageEvent(body), deps);
    expect(result.reply).toEqual(reply);
    expect(result.report).toMatchObject({ outcome: 'refused', code: reply.code, reason: reply.message });
    expect(deps.store.calls).toEqual([]);
    expect(deps.hook.asked).toEqual([]);
  });

  test('the error reply keeps the contract\'s key order', async () => {
    const { reply } = await handleFrame(messageEvent(subscribe('secret/x')), testDeps());
    expect(JSON.stringify(reply)).toBe(`{"type":"error","action":"subscribe","channel":"secret/x","code":"FORBIDDEN","message":"${MESSAGES.FORBIDDEN}","ref":"r1"}`);
  });

  test('an event without a connection id is not a WebSocket message: it throws', async () => {
    await expect(handleFrame({ body: '{}', requestContext: {} }, testDeps())).rejects.toThrow('requestContext.connectionId is missing');
    await expect(handleFrame({ body: '{}' }, testDeps())).rejects.toThrow('requestContext.connectionId is missing');
  });
});

test('the hook is asked with the subscribe event and its ARN', async () => {
  const deps = testDeps();
  await handleFrame(messageEvent(subscribe('room/42', { userId: 'forged' }), { connectionId: 'Ab=' }), deps);
  expect(deps.hook.asked).toEqual([{
    functionArn: HOOK_ARN,
    event: { type: 'subscribe', channel: 'room/42', userId: 'u1', connectionId: 'Ab=', context: { principalId: 'u1', tenant: 'acme' } },
  }]);
});
