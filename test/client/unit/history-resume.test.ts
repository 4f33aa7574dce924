import { message, refOf, resumes, subscribedTo } from './history-support';
import { open, sentFrames, subscribes, track } from '../support/channels';
import { settle } from '../support/fakes';

// History channels across a reset, a reconnect and a stored position: resumed (not subscribed) from the position, a
// reset told to the app, a channel without history subscribed instead; on a fake clock with sockets the test plays the
// server of (support/fake-client: random 0.5, so the first reconnect comes 0.5 s after a drop).

describe('reset', () => {
  test('a reset event; the position set to its seq and epoch; held messages at or below it, or of another epoch, dropped', async () => {
    // GIVEN messages held on room/1 (epoch e1, seq 11 missing)
    const { client, socket, messages, duplicates, resets, advance } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('e1-12', { 'room/1': 12 }));
    socket.push(message('e1-13', { 'room/1': 13 }));
    await advance(1_000);
    expect(resumes(socket)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }]);
    socket.push(message('e2-6', { 'room/1': 6 }, 'e2'));
    socket.push(message('e2-8', { 'room/1': 8 }, 'e2'));

    // WHEN the API answers the resume with a reset: epoch e2, at seq 5
    socket.push({ type: 'reset', channel: 'room/1', seq: 5, epoch: 'e2', ref: 'wp2' });

    // THEN
    expect(resets).toEqual([{ channel: 'room/1', seq: 5, epoch: 'e2' }]);
    expect(duplicates).toEqual(['e1-12', 'e1-13']);
    expect(messages).toEqual(['e2-6']);
    socket.push(message('e2-7', { 'room/1': 7 }, 'e2'));
    expect(messages).toEqual(['e2-6', 'e2-7', 'e2-8']);
    expect(client.position('room/1')).toEqual({ since: 8, epoch: 'e2' });
  });

  test('in the same epoch (the position older than what is kept): held messages at or below its seq dropped, the next released', async () => {
    const { client, socket, messages, duplicates, resets, advance } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('b', { 'room/1': 12 }));
    socket.push(message('c', { 'room/1': 13 }));
    await advance(1_000);
    socket.push({ type: 'reset', channel: 'room/1', seq: 12, epoch: 'e1', ref: 'wp2' });
    expect(resets).toEqual([{ channel: 'room/1', seq: 12, epoch: 'e1' }]);
    expect([messages, duplicates]).toEqual([['c'], ['b']]);
    expect(client.position('room/1')).toEqual({ since: 13, epoch: 'e1' });
  });

  test('a reset answering a plain subscribe (not a resume) is not its answer: a frame event', async () => {
    const { client, socket } = await open();
    const frames: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));
    const subscribed = track(client.subscribe('room/1'));
    socket.push({ type: 'reset', channel: 'room/1', seq: 3, epoch: 'e8', ref: 'wp1' });
    await settle();
    expect(subscribed.result).toBe('pending');
    expect(frames).toHaveLength(1);
    expect(client.position('room/1')).toBeUndefined();
  });
});

describe('after a reconnect', () => {
  test('a history channel is resumed from its position (not subscribed); a channel without history is subscribed', async () => {
    // GIVEN room/1 at seq 12 (epoch e1), and plain/1 without history
    const { client, socket, ws, retries, advance, messages, reports } = await subscribedTo({ 'room/1': 10 });
    const plain = client.subscribe('plain/1');
    socket.push({ type: 'subscribed', channel: 'plain/1', ref: 'wp2' });
    await plain;
    socket.push(message('a', { 'room/1': 11 }));
    socket.push(message('b', { 'room/1': 12 }));

    // WHEN the socket drops, and another opens
    socket.drop();
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();

    // THEN
    expect(sentFrames(fresh)).toEqual([
      { action: 'resume', channel: 'room/1', since: 12, epoch: 'e1', ref: 'wp3' },
      { action: 'subscribe', channel: 'plain/1', ref: 'wp4' },
    ]);
    // The missed messages replayed, a live one interleaved, then the answer: the channel subscribed again
    fresh.push(message('d', { 'room/1': 14 }));
    fresh.push(message('c', { 'room/1': 13 }));
    fresh.push({ type: 'resumed', channel: 'room/1', seq: 13, epoch: 'e1', ref: 'wp3' });
    fresh.push({ type: 'subscribed', channel: 'plain/1', ref: 'wp4' });
    expect(messages).toEqual(['a', 'b', 'c', 'd']);
    expect(reports).toEqual([['room/1', undefined], ['plain/1', undefined], ['room/1', undefined], ['plain/1', undefined]]);
    expect(client.position('room/1')).toEqual({ since: 14, epoch: 'e1' });
  });

  test('resumed with more: resumed again from the seq it answered; the channel counts as subscribed from the first answer', async () => {
    const { socket, ws, retries, advance, messages, reports } = await subscribedTo({ 'room/1': 10 });
    socket.drop();
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();
    fresh.push(message('a', { 'room/1': 11 }));
    fresh.push({ type: 'resumed', channel: 'room/1', seq: 11, epoch: 'e1', more: true, ref: 'wp2' });
    expect(reports).toEqual([['room/1', undefined], ['room/1', undefined]]);
    expect(resumes(fresh)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }, { channel: 'room/1', since: 11, epoch: 'e1' }]);
    fresh.push(message('b', { 'room/1': 12 }));
    fresh.push({ type: 'resumed', channel: 'room/1', seq: 12, epoch: 'e1', ref: 'wp3' });
    expect(messages).toEqual(['a', 'b']);
    expect(resumes(fresh)).toHaveLength(2);
    expect(reports).toHaveLength(2);
  });

  test('a resume answered NOT_ENABLED (the channel has no history now): the channel is subscribed instead', async () => {
    const { client, socket, ws, retries, advance, messages, reports } = await subscribedTo({ 'room/1': 10 });
    socket.drop();
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();
    fresh.push({ type: 'error', action: 'resume', channel: 'room/1', code: 'NOT_ENABLED', ref: 'wp2' });
    expect(sentFrames(fresh).pop()).toEqual({ action: 'subscribe', channel: 'room/1', ref: 'wp3' });
    fresh.push({ type: 'subscribed', channel: 'room/1', ref: 'wp3' });
    expect(client.position('room/1')).toBeUndefined();
    fresh.push({ type: 'message', id: 'x', channel: 'room/1', data: 'x' });
    expect(messages).toEqual(['x']);
    expect(reports).toEqual([['room/1', undefined], ['room/1', undefined]]);
  });

  test('a resume answered UNAVAILABLE is tried again with backoff, from the position', async () => {
    const { socket, ws, retries, advance, reports } = await subscribedTo({ 'room/1': 10 });
    socket.drop();
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();
    fresh.push({ type: 'error', action: 'resume', channel: 'room/1', code: 'UNAVAILABLE', ref: 'wp2' });
    await advance(500);
    expect(resumes(fresh)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }, { channel: 'room/1', since: 10, epoch: 'e1' }]);
    expect(subscribes(fresh)).toEqual([]);
    fresh.push({ type: 'resumed', channel: 'room/1', seq: 10, epoch: 'e1', ref: refOf(fresh, 'resume') });
    expect(reports).toEqual([['room/1', undefined], ['room/1', undefined]]);
  });
});

describe('a re-dial (make-before-break)', () => {
  test('the new socket resumes from the position; what the old one still delivers meanwhile counts, once', async () => {
    // GIVEN room/1 at seq 11, re-dialed an hour after the open
    const { client, socket: old, ws, advance, messages, duplicates } = await subscribedTo({ 'room/1': 10 }, { pingIntervalMs: 0 });
    old.push(message('a', { 'room/1': 11 }));
    await advance(3_600_000);
    const fresh = ws.last();
    fresh.accept();
    expect(sentFrames(fresh)).toEqual([{ action: 'resume', channel: 'room/1', since: 11, epoch: 'e1', ref: 'wp2' }]);

    // WHEN the old socket delivers seq 12 and 13, the new one replays 12 and 13 and delivers 14 live
    old.push(message('b', { 'room/1': 12 }));
    fresh.push(message('d', { 'room/1': 14 }));
    fresh.push(message('b', { 'room/1': 12 }));
    old.push(message('c', { 'room/1': 13 }));
    fresh.push(message('c', { 'room/1': 13 }));
    fresh.push({ type: 'resumed', channel: 'room/1', seq: 13, epoch: 'e1', ref: 'wp2' });
    await settle();

    // THEN each once, in order
    expect(messages).toEqual(['a', 'b', 'c', 'd']);
    expect(duplicates).toEqual(['b', 'c']);
    expect(client.position('room/1')?.since).toBe(14);
  });
});

describe('subscribe from a stored position', () => {
  test('sends a resume from it: the missed messages first, then resolved on resumed', async () => {
    const { client, socket, messages } = await open();
    const subscribed = track(client.subscribe('room/1', { since: 40, epoch: 'e7' }));
    expect(sentFrames(socket)).toEqual([{ action: 'resume', channel: 'room/1', since: 40, epoch: 'e7', ref: 'wp1' }]);
    socket.push(message('b', { 'room/1': 42 }, 'e7'));
    socket.push(message('a', { 'room/1': 41 }, 'e7'));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 41, epoch: 'e7', ref: 'wp1' });
    await settle();
    expect(subscribed.result).toBe('resolved');
    expect(messages).toEqual(['a', 'b']);
    expect(client.position('room/1')).toEqual({ since: 42, epoch: 'e7' });
  });

  test('answered reset: resolved, and a reset event', async () => {
    const { client, socket } = await open();
    const resets: unknown[] = [];
    client.on('reset', (reset) => resets.push(reset));
    const subscribed = client.subscribe('room/1', { since: 40, epoch: 'old' });
    socket.push({ type: 'reset', channel: 'room/1', seq: 3, epoch: 'e8', ref: 'wp1' });
    await expect(subscribed).resolves.toBeUndefined();
    expect(resets).toEqual([{ channel: 'room/1', seq: 3, epoch: 'e8' }]);
    expect(client.position('room/1')).toEqual({ since: 3, epoch: 'e8' });
  });

  test('answered NOT_ENABLED: subscribed instead, and resolved', async () => {
    const { client, socket } = await open();
    const subscribed = track(client.subscribe('plain/1', { since: 4, epoch: 'e1' }));
    socket.push({ type: 'error', action: 'resume', channel: 'plain/1', code: 'NOT_ENABLED', ref: 'wp1' });
    expect(sentFrames(socket).pop()).toEqual({ action: 'subscribe', channel: 'plain/1', ref: 'wp2' });
    socket.push({ type: 'subscribed', channel: 'plain/1', ref: 'wp2' });
    await settle();
    expect(subscribed.result).toBe('resolved');
    expect(client.position('plain/1')).toBeUndefined();
  });

  test('another final error rejects, as a subscribe does; an invalid position rejects, nothing sent', async () => {
    const { client, socket } = await open();
    const refused = client.subscribe('room/1', { since: 4, epoch: 'e1' });
    socket.push({ type: 'error', action: 'resume', channel: 'room/1', code: 'FORBIDDEN', ref: 'wp1' });
    await expect(refused).rejects.toMatchObject({ kind: 'subscription', details: { code: 'FORBIDDEN', channel: 'room/1' } });
    expect(client.position('room/1')).toBeUndefined();
    for (const from of [{ since: -1, epoch: 'e1' }, { since: 1.5, epoch: 'e1' }, { since: 1, epoch: 7 as unknown as string }]) {
      await expect(client.subscribe('room/2', from)).rejects.toMatchObject({ details: { code: 'INVALID_POSITION' } });
    }
    expect(socket.sent).toHaveLength(1);
  });
});

describe('forgetting a channel', () => {
  test('unsubscribe forgets its position; close forgets every position and held message', async () => {
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });
    const unsubscribed = client.unsubscribe('room/1');
    socket.push({ type: 'unsubscribed', channel: 'room/1', ref: 'wp3' });
    await unsubscribed;
    expect(client.position('room/1')).toBeUndefined();
    socket.push(message('late', { 'room/2': 22 }));
    client.close();
    expect(client.position('room/2')).toBeUndefined();
    expect(messages).toEqual([]);
  });
});
