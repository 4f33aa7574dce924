import { PusherClientError, type PresenceEvent } from '../../../client/src';
import { lastFrame, open, sentFrames, track } from '../support/channels';
import { setup } from '../support/fake-client';
import { settle } from '../support/fakes';

// Presence: the `presence` event from the API's bare presence frames, and members() by ref (its refusals, UNAVAILABLE
// and timeouts retried as a subscribe is, the socket's loss, close), on a fake clock with a socket the test plays the
// server of (support/fake-client: backoff 1 s × 2, random 0.5, so retries come after 0.5, 1, 2, 4 s).

/** The presence frames asked for so far: `[channel, ref]`. */
const presenceAsks = (socket: Parameters<typeof sentFrames>[0]) =>
  sentFrames(socket).filter((frame) => frame.action === 'presence').map((frame) => [frame.channel, frame.ref]);

describe('the presence event', () => {
  test('join and leave frames are presence events with the channel, the event and the user; not messages, not frames', async () => {
    const { client, socket, messages, errors } = await open();
    const events: PresenceEvent[] = [];
    const frames: unknown[] = [];
    client.on('presence', (presence) => events.push(presence));
    client.on('frame', (frame) => frames.push(frame));

    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 10 });
    socket.push({ type: 'presence', channel: 'room/1', event: 'leave', user: 'bob', version: 11 });

    expect(events).toEqual([{ channel: 'room/1', event: 'join', user: 'bob', version: 10 }, { channel: 'room/1', event: 'leave', user: 'bob', version: 11 }]);
    expect([messages, frames, errors]).toEqual([[], [], []]);
  });

  test('in the order of the changes: a frame not newer than one emitted for its user and channel (overtaken, repeated) is dropped', async () => {
    const { client, socket } = await open();
    const events: PresenceEvent[] = [];
    client.on('presence', (presence) => events.push(presence));

    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 20 });
    socket.push({ type: 'presence', channel: 'room/1', event: 'leave', user: 'bob', version: 19 }); // overtaken by the join
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 20 }); // a repeat
    socket.push({ type: 'presence', channel: 'room/2', event: 'leave', user: 'bob', version: 19 }); // another channel
    socket.push({ type: 'presence', channel: 'room/1', event: 'leave', user: 'carol', version: 5 }); // another user
    socket.push({ type: 'presence', channel: 'room/1', event: 'leave', user: 'bob', version: 21 });

    expect(events.map((e) => `${e.channel} ${e.event} ${e.user} ${e.version}`)).toEqual([
      'room/1 join bob 20', 'room/2 leave bob 19', 'room/1 leave carol 5', 'room/1 leave bob 21',
    ]);
  });

  test('the versions outlive an unsubscribe: a frame delayed past it and a new subscribe is still dropped as older', async () => {
    const { client, socket } = await open();
    const events: PresenceEvent[] = [];
    client.on('presence', (presence) => events.push(presence));
    socket.push({ type: 'presence', channel: 'room/1', event: 'leave', user: 'bob', version: 21 });
    void client.unsubscribe('room/1').catch(() => undefined);
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 20 });
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 22 });
    expect(events.map((e) => `${e.event} ${e.version}`)).toEqual(['leave 21', 'join 22']);
  });

  test('a malformed presence frame is no presence event: a frame event, and the connection carries on', async () => {
    const { client, socket, errors, states } = await open();
    const events: PresenceEvent[] = [];
    const frames: unknown[] = [];
    client.on('presence', (presence) => events.push(presence));
    client.on('frame', (frame) => frames.push(frame));
    const malformed = [
      { type: 'presence', channel: 'room/1', event: 'arrived', user: 'bob', version: 1 },
      { type: 'presence', channel: 'room/1', event: 'join' },
      { type: 'presence', channel: 'room/1', event: 'join', user: '' },
      { type: 'presence', channel: 'room/1', event: 'join', user: 7 },
      { type: 'presence', channel: 'no//channel', event: 'join', user: 'bob' },
      { type: 'presence', event: 'leave', user: 'bob' },
      { type: 'presence', channel: 'room/1', event: 'join', user: 'bob' },
      { type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: '3' },
      { type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: 1.5 },
      { type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: -1 },
    ];

    for (const frame of malformed) socket.push(frame);
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'carol', version: 1 });

    expect(frames).toEqual(malformed);
    expect(events).toEqual([{ channel: 'room/1', event: 'join', user: 'carol', version: 1 }]);
    expect(errors).toEqual([]);
    expect(states[states.length - 1]).toBe('open');
  });

  test("with the 'data' format a presence-shaped frame is the pushed data, as every other typed frame is", async () => {
    const { client, socket, messages } = await open({ messageFormat: 'data' });
    const events: PresenceEvent[] = [];
    client.on('presence', (presence) => events.push(presence));
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob' });
    expect(events).toEqual([]);
    expect(messages).toEqual([{ type: 'presence', channel: 'room/1', event: 'join', user: 'bob' }]);
  });
});

describe('members', () => {
  test('sends the presence frame with a fresh ref, resolves on the members reply with that ref (not on another)', async () => {
    const { client, socket } = await open();
    const frames: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));

    const asked = client.members('room/1');
    const tracked = track(asked);

    expect(lastFrame(socket)).toEqual({ action: 'presence', channel: 'room/1', ref: 'wp1' });
    socket.push({ type: 'members', channel: 'room/1', users: ['x'], count: 1, ref: 'other' });
    // A presence event in between is an event, not the answer
    socket.push({ type: 'presence', channel: 'room/1', event: 'join', user: 'carol', version: 1 });
    await settle();
    expect(tracked.result).toBe('pending');
    socket.push({ type: 'members', channel: 'room/1', users: ['alice', 'bob'], count: 150, ref: 'wp1' });
    await expect(asked).resolves.toEqual({ users: ['alice', 'bob'], count: 150 });
    expect(frames).toEqual([{ type: 'members', channel: 'room/1', users: ['x'], count: 1, ref: 'other' }]);
  });

  test.each(['FORBIDDEN', 'NOT_ENABLED', 'INVALID_CHANNEL', 'INVALID_FRAME'])('an error reply %s rejects at once with its code, kind presence', async (code) => {
    const { client, socket, errors, advance, reports } = await open();
    const asked = track(client.members('room/1'));
    socket.push({ type: 'error', action: 'presence', channel: 'room/1', code, message: 'no', ref: 'wp1' });
    await settle();
    const error = asked.result as PusherClientError;
    expect(error).toBeInstanceOf(PusherClientError);
    expect([error.kind, error.message, error.details.code, error.details.channel, error.details.ref]).toEqual(['presence', `room/1: ${code}: no`, code, 'room/1', 'wp1']);
    // The caller has the rejection: no error event, no subscription event, nothing asked again
    expect([errors, reports]).toEqual([[], []]);
    await advance(60_000);
    expect(presenceAsks(socket)).toHaveLength(1);
  });

  test('UNAVAILABLE and no reply are asked again after the backoff; resolved by a later answer', async () => {
    const { client, socket, advance } = await open({ replyTimeoutMs: 3_000 });
    const asked = track(client.members('room/1'));
    socket.push({ type: 'error', action: 'presence', channel: 'room/1', code: 'UNAVAILABLE', message: 'busy', ref: 'wp1' });
    await advance(499);
    expect(presenceAsks(socket)).toEqual([['room/1', 'wp1']]);
    await advance(1);
    expect(presenceAsks(socket)).toEqual([['room/1', 'wp1'], ['room/1', 'wp2']]);
    // No reply within 3 s, asked again 1 s later
    await advance(3_999);
    expect(presenceAsks(socket)).toHaveLength(2);
    await advance(1);
    expect(presenceAsks(socket)).toEqual([['room/1', 'wp1'], ['room/1', 'wp2'], ['room/1', 'wp3']]);
    // A late answer to an attempt given up is not the answer
    socket.push({ type: 'members', channel: 'room/1', users: [], count: 0, ref: 'wp2' });
    await settle();
    expect(asked.result).toBe('pending');
    socket.push({ type: 'members', channel: 'room/1', users: ['alice'], count: 1, ref: 'wp3' });
    await settle();
    expect(asked.result).toBe('resolved');
  });

  test('UNAVAILABLE five times in all rejects with UNAVAILABLE; no reply five times with TIMEOUT', async () => {
    const { client, socket, advance } = await open();
    const busy = track(client.members('room/1'));
    for (let attempt = 1; attempt <= 5; attempt++) {
      socket.push({ type: 'error', action: 'presence', channel: 'room/1', code: 'UNAVAILABLE', message: 'busy', ref: `wp${attempt}` });
      await advance(10_000);
    }
    expect(presenceAsks(socket).map(([, ref]) => ref)).toEqual(['wp1', 'wp2', 'wp3', 'wp4', 'wp5']);
    expect(busy.result).toMatchObject({ kind: 'presence', details: { code: 'UNAVAILABLE', channel: 'room/1' } });

    const quiet = await open({ replyTimeoutMs: 3_000 });
    const silent = track(quiet.client.members('room/2'));
    await quiet.advance(120_000);
    expect(presenceAsks(quiet.socket)).toHaveLength(5);
    expect(silent.result).toMatchObject({ kind: 'presence', details: { code: 'TIMEOUT' } });
    expect((silent.result as PusherClientError).message).toBe('room/2: TIMEOUT: no reply to presence within 3000 ms');
  });

  test('a members reply without its users and count rejects with INVALID_REPLY', async () => {
    const { client, socket } = await open();
    const replies = [{ users: 'alice', count: 1 }, { users: ['alice'] }, { users: ['alice', 2], count: 2 }, { users: ['a', 'b'], count: 1 }, { users: [], count: 1.5 }];
    for (const [i, reply] of replies.entries()) {
      const asked = client.members('room/1');
      socket.push({ type: 'members', channel: 'room/1', ...reply, ref: `wp${i + 1}` });
      await expect(asked).rejects.toMatchObject({ kind: 'presence', details: { code: 'INVALID_REPLY', ref: `wp${i + 1}` } });
    }
  });

  test('refused at once, nothing sent: a name that is not a channel, the data format, a closed client', async () => {
    const { client, socket } = await open();
    await expect(client.members('a//b')).rejects.toMatchObject({ kind: 'presence', details: { code: 'INVALID_CHANNEL' } });
    expect(socket.sent).toEqual([]);
    const data = await open({ messageFormat: 'data' });
    await expect(data.client.members('room/1')).rejects.toMatchObject({ kind: 'presence', details: { code: 'NOT_ENVELOPE' } });
    expect(data.socket.sent).toEqual([]);
    client.close();
    await expect(client.members('room/1')).rejects.toMatchObject({ kind: 'presence', details: { code: 'CLOSED' } });
  });

  test('no socket open rejects with DISCONNECTED; so does the socket closing before the answer, or during the backoff', async () => {
    const idle = await setup({}, false);
    await expect(idle.client.members('room/1')).rejects.toMatchObject({ kind: 'presence', details: { code: 'DISCONNECTED' } });

    const { client, socket, ws, advance, retries } = await open({ pingIntervalMs: 0 });
    const inFlight = track(client.members('room/1'));
    const backingOff = track(client.members('room/2'));
    socket.push({ type: 'error', action: 'presence', channel: 'room/2', code: 'UNAVAILABLE', ref: 'wp2' });
    await settle();
    socket.drop();
    await settle();
    expect([inFlight.result, backingOff.result]).toEqual([
      expect.objectContaining({ kind: 'presence', details: expect.objectContaining({ code: 'DISCONNECTED', channel: 'room/1' }) }),
      expect.objectContaining({ kind: 'presence', details: expect.objectContaining({ code: 'DISCONNECTED', channel: 'room/2' }) }),
    ]);
    // Nothing is asked on the next socket
    await advance(retries[0].delayMs);
    ws.last().accept();
    await advance(60_000);
    expect(ws.last().sent).toEqual([]);
  });

  test('close rejects a members() waiting with CLOSED and stops its timers', async () => {
    const { client, timers } = await open();
    const asked = track(client.members('room/1'));
    client.close();
    await settle();
    expect(asked.result).toMatchObject({ kind: 'presence', details: { code: 'CLOSED' } });
    expect(timers.count).toBe(0);
  });
});
