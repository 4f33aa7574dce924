import { isChannelName, PusherClientError } from '../../../client/src';
import { lastFrame, open, sentFrames, subscribes, track } from '../support/channels';
import { setup } from '../support/fake-client';
import { settle } from '../support/fakes';

// subscribe, unsubscribe, their replies by ref, refusals, UNAVAILABLE and timeouts, close; on a fake clock with a socket
// the test plays the server of (support/fake-client: backoff 1 s × 2, random 0.5, so retries come after 0.5, 1, 2, 4 s).

describe('subscribe', () => {
  test('sends the frame with a fresh ref, and resolves on the subscribed reply with that ref (not on another)', async () => {
    // GIVEN
    const { client, socket, reports } = await open();
    const frames: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));

    // WHEN
    const subscribed = track(client.subscribe('room/42'));

    // THEN
    expect(sentFrames(socket)).toEqual([{ action: 'subscribe', channel: 'room/42', ref: 'wp1' }]);
    expect(client.subscriptions).toEqual(['room/42']);
    socket.push({ type: 'subscribed', channel: 'room/42', ref: 'other' });
    await settle();
    expect(subscribed.result).toBe('pending');
    expect(frames).toEqual([{ type: 'subscribed', channel: 'room/42', ref: 'other' }]);
    socket.push({ type: 'subscribed', channel: 'room/42', ref: 'wp1' });
    await settle();
    expect(subscribed.result).toBe('resolved');
    expect(reports).toEqual([['room/42', undefined]]);
    // The reply it waited for is no 'frame' event
    expect(frames).toHaveLength(1);

    // A channel already subscribed: resolved at once, nothing sent
    await expect(client.subscribe('room/42')).resolves.toBeUndefined();
    expect(socket.sent).toHaveLength(1);
  });

  test('two calls for one channel in flight: one frame, both resolved by its reply', async () => {
    const { client, socket } = await open();
    const [first, second] = [track(client.subscribe('a')), track(client.subscribe('a'))];
    expect(subscribes(socket)).toEqual([['a', 'wp1']]);
    socket.push({ type: 'subscribed', channel: 'a', ref: 'wp1' });
    await settle();
    expect([first.result, second.result]).toEqual(['resolved', 'resolved']);
  });

  test.each(['FORBIDDEN', 'INVALID_CHANNEL', 'TOO_MANY_SUBSCRIPTIONS', 'INVALID_FRAME'])(
    'an error reply %s rejects with its code; final: the channel is forgotten, not subscribed again', async (code) => {
      // GIVEN
      const { client, socket, ws, errors, reports, advance, retries } = await open();
      const subscribed = track(client.subscribe('room/7'));

      // WHEN
      socket.push({ type: 'error', action: 'subscribe', channel: 'room/7', code, message: 'no', ref: 'wp1' });
      await settle();

      // THEN
      const error = subscribed.result as PusherClientError;
      expect(error).toBeInstanceOf(PusherClientError);
      expect([error.kind, error.message, error.details.code, error.details.channel, error.details.ref]).toEqual(['subscription', `room/7: ${code}: no`, code, 'room/7', 'wp1']);
      expect(client.subscriptions).toEqual([]);
      expect(reports).toEqual([['room/7', code]]);
      // The caller has the rejection: no 'error' event besides
      expect(errors).toEqual([]);
      await advance(60_000);
      expect(subscribes(socket)).toHaveLength(1);
      socket.drop();
      await advance(retries[0].delayMs);
      ws.last().accept();
      expect(ws.last().sent).toEqual([]);
    },
  );

  test('a name that is not a channel name is rejected at once, and nothing is sent', async () => {
    const { client, socket } = await open();
    const names: unknown[] = ['', 'room 1', 'a//b', '/a', 'a/', 'é', 'room#1', 'a/b/c/d/e/f/g/h/i', 'x'.repeat(65), 42, undefined];
    for (const name of names) {
      await expect(client.subscribe(name as string)).rejects.toMatchObject({ kind: 'subscription', details: { code: 'INVALID_CHANNEL' } });
      await expect(client.unsubscribe(name as string)).rejects.toMatchObject({ details: { code: 'INVALID_CHANNEL' } });
    }
    await expect(client.subscribe('room 1')).rejects.toThrow('"room 1": INVALID_CHANNEL: not 1 to 8 segments joined by /, each 1 to 64 of A-Z a-z 0-9 _ - . = @ : + | ~');
    expect(socket.sent).toEqual([]);
    expect(client.subscriptions).toEqual([]);
    expect(['a', 'a/b/c/d/e/f/g/h', 'x'.repeat(64), 'A-z_0.9=@:+|~'].every(isChannelName)).toBe(true);
  });

  test("with the 'data' format (the API has no channels then), refused with NOT_ENVELOPE, nothing sent", async () => {
    const { client, socket } = await open({ messageFormat: 'data' });
    await expect(client.subscribe('room/1')).rejects.toMatchObject({ details: { code: 'NOT_ENVELOPE' } });
    expect(socket.sent).toEqual([]);
  });

  test('the channel a message came through is on the envelope the message listener gets', async () => {
    const { client, socket } = await open();
    const received: unknown[] = [];
    client.on('message', (data, envelope) => received.push([data, envelope?.channel]));
    socket.push({ type: 'message', id: 'm-1', channel: 'room/42', data: { text: 'hi' } });
    socket.push({ type: 'message', id: 'm-2', data: 'direct' });
    expect(received).toEqual([[{ text: 'hi' }, 'room/42'], ['direct', undefined]]);
  });
});

describe('UNAVAILABLE and no reply: retried with backoff, bounded', () => {
  test('UNAVAILABLE is tried again after the backoff, and resolves once subscribed', async () => {
    const { client, socket, advance } = await open();
    const subscribed = track(client.subscribe('room/1'));
    socket.push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'UNAVAILABLE', message: 'try again', ref: 'wp1' });
    await advance(499);
    expect(subscribes(socket)).toEqual([['room/1', 'wp1']]);
    await advance(1);
    expect(subscribes(socket)).toEqual([['room/1', 'wp1'], ['room/1', 'wp2']]);
    socket.push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'UNAVAILABLE', message: 'try again', ref: 'wp2' });
    await advance(1_000);
    expect(subscribes(socket)).toHaveLength(3);
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp3' });
    await settle();
    expect(subscribed.result).toBe('resolved');
    expect(client.subscriptions).toEqual(['room/1']);
  });

  test('UNAVAILABLE five times in all: rejected with UNAVAILABLE, the channel forgotten', async () => {
    const { client, socket, advance, reports } = await open();
    const subscribed = track(client.subscribe('room/1'));
    for (let attempt = 1; attempt <= 5; attempt++) {
      socket.push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'UNAVAILABLE', message: 'busy', ref: `wp${attempt}` });
      await advance(10_000);
    }
    expect(subscribes(socket).map(([, ref]) => ref)).toEqual(['wp1', 'wp2', 'wp3', 'wp4', 'wp5']);
    expect((subscribed.result as PusherClientError).details.code).toBe('UNAVAILABLE');
    expect(client.subscriptions).toEqual([]);
    expect(reports).toEqual([['room/1', 'UNAVAILABLE']]);
  });

  test('no reply within replyTimeoutMs is tried again; five times: rejected with TIMEOUT; a late reply is ignored', async () => {
    const { client, socket, advance } = await open({ replyTimeoutMs: 3_000 });
    const subscribed = track(client.subscribe('room/1'));
    await advance(2_999);
    expect(subscribes(socket)).toHaveLength(1);
    // Timed out at 3 s, tried again 0.5 s later
    await advance(501);
    expect(subscribes(socket)).toHaveLength(2);
    await advance(60_000);
    expect(subscribes(socket)).toHaveLength(5);
    expect(subscribed.result).toMatchObject({ kind: 'subscription', details: { code: 'TIMEOUT', channel: 'room/1' } });
    expect((subscribed.result as PusherClientError).message).toBe('room/1: TIMEOUT: no reply to subscribe within 3000 ms');
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp5' });
    await settle();
    expect(client.subscriptions).toEqual([]);
  });

  test('replyTimeoutMs 0 waits for the reply as long as it takes', async () => {
    const { client, socket, advance } = await open({ replyTimeoutMs: 0, pingIntervalMs: 0 });
    const subscribed = track(client.subscribe('room/1'));
    await advance(3_600_000 - 1);
    expect(subscribes(socket)).toHaveLength(1);
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await settle();
    expect(subscribed.result).toBe('resolved');
  });
});

describe('unsubscribe', () => {
  test('forgets the channel, sends the frame, resolves on the unsubscribed reply with its ref; not subscribed again', async () => {
    // GIVEN
    const { client, socket, ws, advance, retries } = await open();
    const subscribed = client.subscribe('room/1');
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await subscribed;

    // WHEN
    const unsubscribed = track(client.unsubscribe('room/1'));

    // THEN
    expect(client.subscriptions).toEqual([]);
    expect(lastFrame(socket)).toEqual({ action: 'unsubscribe', channel: 'room/1', ref: 'wp2' });
    socket.push({ type: 'unsubscribed', channel: 'room/1', ref: 'wp2' });
    await settle();
    expect(unsubscribed.result).toBe('resolved');
    socket.drop();
    await advance(retries[0].delayMs);
    ws.last().accept();
    expect(ws.last().sent).toEqual([]);
  });

  test('a subscribe still waiting is rejected with UNSUBSCRIBED; a channel never subscribed is unsubscribed all the same', async () => {
    const { client, socket } = await open();
    const subscribed = track(client.subscribe('room/1'));
    const unsubscribed = track(client.unsubscribe('room/1'));
    await settle();
    expect(subscribed.result).toMatchObject({ details: { code: 'UNSUBSCRIBED' } });
    // Its reply, should it come, is no longer waited for
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    socket.push({ type: 'unsubscribed', channel: 'room/1', ref: 'wp2' });
    await settle();
    expect(unsubscribed.result).toBe('resolved');
    expect(client.subscriptions).toEqual([]);
    void client.unsubscribe('never/subscribed');
    expect(lastFrame(socket)).toEqual({ action: 'unsubscribe', channel: 'never/subscribed', ref: 'wp3' });
  });

  test('when no socket is open it only forgets: resolved at once, nothing sent', async () => {
    const { client, ws } = await setup();
    const subscribed = track(client.subscribe('room/1'));
    await expect(client.unsubscribe('room/1')).resolves.toBeUndefined();
    await settle();
    expect(subscribed.result).toMatchObject({ details: { code: 'UNSUBSCRIBED' } });
    ws.last().accept();
    expect(ws.last().sent).toEqual([]);
  });

  test('a final error reply rejects with its code at once', async () => {
    const { client, socket } = await open();
    const refused = track(client.unsubscribe('room/1'));
    socket.push({ type: 'error', action: 'unsubscribe', channel: 'room/1', code: 'INVALID_CHANNEL', message: 'no', ref: 'wp1' });
    await settle();
    expect(refused.result).toMatchObject({ details: { code: 'INVALID_CHANNEL', ref: 'wp1' } });
  });

  test('UNAVAILABLE or no reply is asked again with backoff (a presence leave that failed is retried), 5 times in all, then rejects', async () => {
    const { client, socket, advance } = await open({ replyTimeoutMs: 3_000 });
    const retried = track(client.unsubscribe('room/1'));
    socket.push({ type: 'error', action: 'unsubscribe', channel: 'room/1', code: 'UNAVAILABLE', message: 'busy', ref: 'wp1' });
    const asked = () => socket.sent.map((f) => JSON.parse(f)).filter((f) => f.action === 'unsubscribe');
    for (let waited = 0; asked().length < 2 && waited < 30_000; waited += 50) await advance(50);
    expect(asked()).toHaveLength(2);
    socket.push({ type: 'unsubscribed', channel: 'room/1', ref: asked()[1].ref });
    await settle();
    expect(retried.result).toBe('resolved');

    const silent = track(client.unsubscribe('room/2'));
    await advance(600_000);
    expect(socket.sent.map((f) => JSON.parse(f)).filter((f) => f.action === 'unsubscribe' && f.channel === 'room/2')).toHaveLength(5);
    expect(silent.result).toMatchObject({ details: { code: 'TIMEOUT', channel: 'room/2' } });
  });
});

test('an unsubscribe waiting to ask again when the client closes is done (the subscription went with the socket), its timer stopped', async () => {
  const { client, socket, timers } = await open();
  const leaving = track(client.unsubscribe('room/1'));
  socket.push({ type: 'error', action: 'unsubscribe', channel: 'room/1', code: 'UNAVAILABLE', ref: 'wp1' });
  await settle();
  expect(leaving.result).toBe('pending');
  client.close();
  await settle();
  expect(leaving.result).toBe('resolved');
  expect(timers.count).toBe(0);
});

describe('close', () => {
  test('rejects a subscribe waiting (CLOSED), forgets every channel, stops every timer; a subscribe after is refused', async () => {
    const { client, socket, timers } = await open();
    const waiting = track(client.subscribe('room/1'));
    const retrying = track(client.subscribe('room/2'));
    socket.push({ type: 'error', action: 'subscribe', channel: 'room/2', code: 'UNAVAILABLE', ref: 'wp2' });
    const leaving = track(client.unsubscribe('room/3'));
    client.close();
    await settle();
    expect([waiting.result, retrying.result]).toEqual([expect.objectContaining({ details: expect.objectContaining({ code: 'CLOSED' }) }), expect.objectContaining({ details: expect.objectContaining({ code: 'CLOSED' }) })]);
    // An unsubscribe in flight is done: the connection, and its subscriptions, are gone
    expect(leaving.result).toBe('resolved');
    expect(client.subscriptions).toEqual([]);
    expect(timers.count).toBe(0);
    await expect(client.subscribe('room/4')).rejects.toMatchObject({ details: { code: 'CLOSED' } });
    await expect(client.unsubscribe('room/4')).resolves.toBeUndefined();
  });
});
