import { message, refOf, resumes, subscribedTo } from './history-support';
import { open, sentFrames } from '../support/channels';

// History channels, on one socket: messages released in seq order per channel, held while an earlier seq is missing,
// dropped when already accounted for (by seq or by id), a hole resumed after gapTimeoutMs (1 s by default), a message of
// another epoch resumed at once; on a fake clock with a socket the test plays the server of.

describe('order', () => {
  test('messages in seq order are delivered at once, and move the position; nothing else is sent', async () => {
    const { client, socket, messages, duplicates, advance } = await subscribedTo({ 'room/1': 10 });
    expect(client.position('room/1')).toEqual({ since: 10, epoch: 'e1' });

    socket.push(message('a', { 'room/1': 11 }));
    socket.push(message('b', { 'room/1': 12 }));
    socket.push(message('c', { 'room/1': 13 }));
    await advance(60_000);

    expect(messages).toEqual(['a', 'b', 'c']);
    expect(duplicates).toEqual([]);
    expect(client.position('room/1')).toEqual({ since: 13, epoch: 'e1' });
    expect(resumes(socket)).toEqual([]);
  });

  test('messages arriving out of seq order are held, then released in seq order once the missing ones come', async () => {
    const { client, socket, messages, advance } = await subscribedTo({ 'room/1': 10 });

    socket.push(message('c', { 'room/1': 13 }));
    socket.push(message('b', { 'room/1': 12 }));
    expect(messages).toEqual([]);
    expect(client.position('room/1')?.since).toBe(10);

    await advance(999);
    socket.push(message('a', { 'room/1': 11 }));
    expect(messages).toEqual(['a', 'b', 'c']);
    expect(client.position('room/1')?.since).toBe(13);
    // The hole closed within the gap timeout: no resume
    await advance(60_000);
    expect(resumes(socket)).toEqual([]);
  });

  test('messages before the subscribe is answered wait for its position: at or below it dropped, the next released', async () => {
    const { client, socket, messages, duplicates } = await open();
    const subscribed = client.subscribe('room/1');
    socket.push(message('b', { 'room/1': 11 }));
    socket.push(message('a', { 'room/1': 10 }));
    socket.push(message('c', { 'room/1': 12 }));
    expect(messages).toEqual([]);
    socket.push({ type: 'subscribed', channel: 'room/1', seq: 10, epoch: 'e1', ref: 'wp1' });
    await subscribed;
    expect([messages, duplicates]).toEqual([['b', 'c'], ['a']]);
    expect(client.position('room/1')?.since).toBe(12);
  });

  test('messages held for a subscribe that is refused, or answered without seq, are delivered as without history', async () => {
    const { client, socket, messages } = await open();
    const subscribed = client.subscribe('room/1');
    socket.push(message('b', { 'room/1': 11 }));
    socket.push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'FORBIDDEN', ref: 'wp1' });
    await expect(subscribed).rejects.toMatchObject({ details: { code: 'FORBIDDEN' } });
    expect(messages).toEqual(['b']);

    const plain = client.subscribe('plain/1');
    socket.push(message('p', { 'plain/1': 7 }));
    expect(messages).toEqual(['b']);
    socket.push({ type: 'subscribed', channel: 'plain/1', ref: 'wp2' });
    await plain;
    expect(messages).toEqual(['b', 'p']);
    expect(client.position('plain/1')).toBeUndefined();
  });

  test('a channel without seq (no history) and a message to the user are delivered as they come', async () => {
    const { client, socket, messages } = await open();
    const subscribed = client.subscribe('plain/1');
    socket.push({ type: 'subscribed', channel: 'plain/1', ref: 'wp1' });
    await subscribed;
    socket.push({ type: 'message', id: 'p2', channel: 'plain/1', data: 'p2' });
    socket.push({ type: 'message', id: 'u1', data: 'u1' });
    socket.push({ type: 'message', id: 'p1', channel: 'plain/1', data: 'p1' });
    expect(messages).toEqual(['p2', 'u1', 'p1']);
    expect(client.position('plain/1')).toBeUndefined();
  });
});

describe('duplicates', () => {
  test('by id and by seq: dropped (a duplicate event), the position unchanged', async () => {
    const { client, socket, messages, duplicates } = await subscribedTo({ 'room/1': 10 });

    socket.push(message('a', { 'room/1': 11 }));
    socket.push(message('a', { 'room/1': 11 })); // redelivered
    socket.push(message('old', { 'room/1': 9 })); // before the subscribe's position
    socket.push(message('c', { 'room/1': 13 }));
    socket.push(message('c', { 'room/1': 13 })); // a held message's copy, held too
    socket.push(message('b', { 'room/1': 12 }));

    expect(messages).toEqual(['a', 'b', 'c']);
    expect(duplicates).toEqual(['a', 'old', 'c']);
    expect(client.position('room/1')?.since).toBe(13);
  });

  test('a message whose id was delivered still fills its seq in a channel: later ones there are released', async () => {
    const { client, socket, messages, duplicates } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });

    // Delivered through room/1 alone (as a resume of room/1 replays it), then live with its room/2 seq
    socket.push(message('x', { 'room/1': 11 }));
    socket.push(message('y', { 'room/2': 22 }));
    socket.push(message('x', { 'room/1': 11, 'room/2': 21 }));

    expect(messages).toEqual(['x', 'y']);
    expect(duplicates).toEqual(['x']);
    expect([client.position('room/1')?.since, client.position('room/2')?.since]).toEqual([11, 22]);
  });
});

describe('a message on two history channels (positions)', () => {
  test('is delivered once, and fills its seq in both', async () => {
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });

    socket.push(message('both', { 'room/1': 11, 'room/2': 21 }));
    socket.push(message('two', { 'room/2': 22 }));
    socket.push(message('one', { 'room/1': 12 }));

    expect(messages).toEqual(['both', 'two', 'one']);
    expect([client.position('room/1')?.since, client.position('room/2')?.since]).toEqual([12, 22]);
  });

  test('is held until it is the next in each: ahead in one channel holds it, whatever the other', async () => {
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });

    socket.push(message('both', { 'room/1': 11, 'room/2': 22 }));
    socket.push(message('one', { 'room/1': 12 }));
    expect(messages).toEqual([]);

    socket.push(message('two', { 'room/2': 21 }));
    expect(messages).toEqual(['two', 'both', 'one']);
    expect([client.position('room/1')?.since, client.position('room/2')?.since]).toEqual([12, 22]);
  });

  test('a channel it lists that the client does not track (not subscribed, or no history) is ignored', async () => {
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('a', { 'room/1': 11, 'other/1': 500 }));
    expect(messages).toEqual(['a']);
    expect(client.position('other/1')).toBeUndefined();
  });
});

describe('a hole', () => {
  test('open for gapTimeoutMs resumes the channel from its position; the replay fills it, nothing more is asked', async () => {
    // GIVEN seq 11 missing
    const { client, socket, messages, advance, reports } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('b', { 'room/1': 12 }));

    // WHEN the gap timeout passes
    await advance(999);
    expect(resumes(socket)).toEqual([]);
    await advance(1);

    // THEN one resume from the position, however long it waits for its answer
    expect(sentFrames(socket).pop()).toEqual({ action: 'resume', channel: 'room/1', since: 10, epoch: 'e1', ref: 'wp2' });
    socket.push(message('c', { 'room/1': 14 }));
    await advance(5_000);
    expect(resumes(socket)).toHaveLength(1);
    socket.push(message('a', { 'room/1': 11 }));
    socket.push(message('b', { 'room/1': 12 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 12, epoch: 'e1', ref: 'wp2' });
    expect(messages).toEqual(['a', 'b']);

    // seq 13 is still missing: resumed again after another gap timeout, from the new position
    await advance(999);
    expect(resumes(socket)).toHaveLength(1);
    await advance(1);
    expect(resumes(socket)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }, { channel: 'room/1', since: 12, epoch: 'e1' }]);
    socket.push(message('d', { 'room/1': 13 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 13, epoch: 'e1', ref: refOf(socket, 'resume') });
    expect(messages).toEqual(['a', 'b', 'd', 'c']);
    expect(client.position('room/1')?.since).toBe(14);
    await advance(60_000);
    expect(resumes(socket)).toHaveLength(2);
    // A resume of a subscribed channel is no new subscription
    expect(reports).toEqual([['room/1', undefined]]);
  });

  test('a resume of a subscribed channel refused (FORBIDDEN) gives the channel up, as a re-subscribe does', async () => {
    const { client, socket, advance, reports, errors } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('b', { 'room/1': 12 }));
    await advance(1_000);
    socket.push({ type: 'error', action: 'resume', channel: 'room/1', code: 'FORBIDDEN', ref: 'wp2' });
    expect(reports).toEqual([['room/1', undefined], ['room/1', 'FORBIDDEN']]);
    expect(errors.map((error) => error.details.code)).toEqual(['FORBIDDEN']);
    expect([client.subscriptions, client.position('room/1')]).toEqual([[], undefined]);
  });

  test('gapTimeoutMs is an option', async () => {
    const { socket, advance } = await subscribedTo({ 'room/1': 10 }, { gapTimeoutMs: 250 });
    socket.push(message('b', { 'room/1': 12 }));
    await advance(250);
    expect(resumes(socket)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }]);
    await expect(open({ gapTimeoutMs: -1 })).rejects.toThrow('gapTimeoutMs must be a number >= 0');
  });

  test('resumed with more: resumed again at once from the seq it answered, until the hole is filled', async () => {
    const { client, socket, messages, advance } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('d', { 'room/1': 14 }));
    await advance(1_000);
    socket.push(message('a', { 'room/1': 11 }));
    socket.push(message('b', { 'room/1': 12 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 12, epoch: 'e1', more: true, ref: 'wp2' });
    expect(sentFrames(socket).pop()).toEqual({ action: 'resume', channel: 'room/1', since: 12, epoch: 'e1', ref: 'wp3' });
    socket.push(message('c', { 'room/1': 13 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 13, epoch: 'e1', ref: 'wp3' });
    expect(messages).toEqual(['a', 'b', 'c', 'd']);
    expect(client.position('room/1')?.since).toBe(14);
    await advance(60_000);
    expect(resumes(socket)).toHaveLength(2);
  });

  test('a message of another epoch is held, and the channel resumed at once (no gap timeout)', async () => {
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('new', { 'room/1': 1 }, 'e2'));
    expect(messages).toEqual([]);
    expect(resumes(socket)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }]);

    // The API's answer: the channel's epoch is e2, from seq 0: the held message is next
    socket.push({ type: 'reset', channel: 'room/1', seq: 0, epoch: 'e2', ref: 'wp2' });
    expect(messages).toEqual(['new']);
    expect(client.position('room/1')).toEqual({ since: 1, epoch: 'e2' });
  });

  test('a message of a stale epoch (the API resumed on the current one) is dropped', async () => {
    const { socket, messages, duplicates } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('stale', { 'room/1': 11 }, 'e0'));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 10, epoch: 'e1', ref: 'wp2' });
    socket.push(message('a', { 'room/1': 11 }));
    expect(messages).toEqual(['a']);
    expect(duplicates).toEqual(['stale']);
  });
});
