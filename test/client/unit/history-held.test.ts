import { message, refOf, resumes, subscribedTo } from './history-support';
import { MAX_HELD } from '../../../client/src/history';

// Held messages: a seq in another channel that a completed resume cannot fill (unverifiable: from that channel's epoch
// on the server, which the envelope does not give) stops holding its message; at most MAX_HELD held (a local reset
// beyond); a channel forgotten releases its held messages in its seq order. On a fake clock with a socket the test plays
// the server of.

describe('a seq in another channel that a resume cannot fill', () => {
  test('the message no longer waits on that channel once its resume is done: released, the position kept, no resume again', async () => {
    // GIVEN room/1 at 10 and room/2 at 20; a message through room/1 with a room/2 seq of another epoch (25)
    const { client, socket, messages, advance } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });
    socket.push(message('m', { 'room/1': 11, 'room/2': 25 }));
    socket.push(message('n', { 'room/1': 12 }));
    expect(messages).toEqual([]);

    // WHEN both holes are resumed, and the API, with nothing more in room/2 in the client's epoch, answers resumed at 20
    await advance(1_000);
    expect(resumes(socket)).toEqual([{ channel: 'room/2', since: 20, epoch: 'e1' }, { channel: 'room/1', since: 10, epoch: 'e1' }]);
    socket.push({ type: 'resumed', channel: 'room/2', seq: 20, epoch: 'e1', ref: 'wp3' });

    // THEN released, in room/1's order; room/2's position unchanged; room/2 not resumed again
    expect(messages).toEqual(['m', 'n']);
    expect([client.position('room/1')?.since, client.position('room/2')?.since]).toEqual([12, 20]);
    socket.push(message('m', { 'room/1': 11 }));
    socket.push(message('n', { 'room/1': 12 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 12, epoch: 'e1', ref: 'wp4' });
    await advance(60_000);
    expect(resumes(socket)).toHaveLength(2);
    // room/2 goes on from its position
    socket.push(message('o', { 'room/2': 21 }));
    expect(messages).toEqual(['m', 'n', 'o']);
  });

  test('it still waits on its other channels, and is released in order there', async () => {
    const { socket, messages, advance } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });
    socket.push(message('m', { 'room/1': 12, 'room/2': 25 }));
    await advance(1_000);
    expect(resumes(socket)).toEqual([{ channel: 'room/1', since: 10, epoch: 'e1' }, { channel: 'room/2', since: 20, epoch: 'e1' }]);
    socket.push({ type: 'resumed', channel: 'room/2', seq: 20, epoch: 'e1', ref: 'wp4' });
    expect(messages).toEqual([]);
    socket.push(message('a', { 'room/1': 11 }));
    socket.push({ type: 'resumed', channel: 'room/1', seq: 11, epoch: 'e1', ref: 'wp3' });
    expect(messages).toEqual(['a', 'm']);
  });

  test('a live message racing the replay (it came after the resume was sent) still waits: its hole is filled, in order', async () => {
    // GIVEN room/2 resumed from 20 for a hole (seq 21 missing)
    const { client, socket, messages, advance } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });
    socket.push(message('c', { 'room/2': 22 }));
    await advance(1_000);
    expect(resumes(socket)).toEqual([{ channel: 'room/2', since: 20, epoch: 'e1' }]);

    // WHEN a message through room/1 with room/2 seq 24 comes live before the answer, the replay ending at 22
    socket.push(message('m', { 'room/1': 11, 'room/2': 24 }));
    socket.push(message('b', { 'room/2': 21 }));
    socket.push(message('c', { 'room/2': 22 }));
    socket.push({ type: 'resumed', channel: 'room/2', seq: 22, epoch: 'e1', ref: 'wp3' });

    // THEN it still waits for room/2's seq 23, resumed after the gap timeout; the replay fills it
    expect(messages).toEqual(['b', 'c']);
    await advance(1_000);
    expect(resumes(socket)).toEqual([{ channel: 'room/2', since: 20, epoch: 'e1' }, { channel: 'room/2', since: 22, epoch: 'e1' }]);
    socket.push(message('d', { 'room/2': 23 }));
    socket.push(message('m', { 'room/2': 24 }));
    socket.push({ type: 'resumed', channel: 'room/2', seq: 24, epoch: 'e1', ref: 'wp4' });
    expect(messages).toEqual(['b', 'c', 'd', 'm']);
    expect([client.position('room/1')?.since, client.position('room/2')?.since]).toEqual([11, 24]);
  });

  test('a message of the resumed channel itself (its epoch known) still waits after a resume that did not fill its hole', async () => {
    const { socket, messages, advance } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('c', { 'room/1': 13 }));
    await advance(1_000);
    socket.push({ type: 'resumed', channel: 'room/1', seq: 10, epoch: 'e1', ref: 'wp2' });
    expect(messages).toEqual([]);
    await advance(1_000);
    expect(resumes(socket)).toHaveLength(2);
  });
});

describe(`at most ${MAX_HELD} messages held`, () => {
  test('one more: the channel is reset locally past its hole (a reset event), and what is held released in order', async () => {
    // GIVEN room/1 at 10, seq 11 missing, MAX_HELD messages held (12 …)
    const { client, socket, messages, duplicates, resets } = await subscribedTo({ 'room/1': 10 });
    for (let seq = 12; seq < 12 + MAX_HELD; seq++) socket.push(message(`m${seq}`, { 'room/1': seq }));
    expect([messages, resets]).toEqual([[], []]);

    // WHEN one more is held
    socket.push(message(`m${12 + MAX_HELD}`, { 'room/1': 12 + MAX_HELD }));

    // THEN a reset at 11 (what is published up to it is not delivered), then every held message, in seq order
    expect(resets).toEqual([{ channel: 'room/1', seq: 11, epoch: 'e1' }]);
    expect(messages).toEqual(Array.from({ length: MAX_HELD + 1 }, (_, i) => `m${12 + i}`));
    expect(duplicates).toEqual([]);
    expect(client.position('room/1')).toEqual({ since: 12 + MAX_HELD, epoch: 'e1' });
    // seq 11 coming late is covered by the reset
    socket.push(message('m11', { 'room/1': 11 }));
    expect(duplicates).toEqual(['m11']);
  });

  test('the reset is to the seq before the first held beyond the position: a lower one held after it is covered by the reset', async () => {
    const { socket, messages, duplicates, resets } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('m13', { 'room/1': 13 }));
    for (let i = 1; i < MAX_HELD - 1; i++) socket.push(message(`x${i}`, { 'room/1': 13 + i }));
    socket.push(message('m12', { 'room/1': 12 }));
    expect(resets).toEqual([]);
    socket.push(message('last', { 'room/1': 13 + MAX_HELD }));
    expect(resets).toEqual([{ channel: 'room/1', seq: 12, epoch: 'e1' }]);
    expect(duplicates).toEqual(['m12']);
    expect(messages.slice(0, 2)).toEqual(['m13', 'x1']);
    // seq 12 + MAX_HELD is missing: the last one waits for it
    expect(messages).toHaveLength(MAX_HELD - 1);
  });

  test('messages waiting only for a subscribe answer are not reset', async () => {
    const { socket, client, messages, resets } = await subscribedTo({});
    const subscribed = client.subscribe('room/1');
    for (let seq = 12; seq < 12 + MAX_HELD + 5; seq++) socket.push(message(`m${seq}`, { 'room/1': seq }));
    expect([messages, resets]).toEqual([[], []]);
    socket.push({ type: 'subscribed', channel: 'room/1', seq: 11, epoch: 'e1', ref: refOf(socket, 'subscribe') });
    await subscribed;
    expect(messages).toHaveLength(MAX_HELD + 5);
    expect(resets).toEqual([]);
  });
});

describe('a channel forgotten', () => {
  test('its held messages are released in its seq order, not in the order they came', async () => {
    // GIVEN room/1 at 10 with seq 13 then 12 held (11 missing), and room/2 at 20
    const { client, socket, messages } = await subscribedTo({ 'room/1': 10, 'room/2': 20 });
    socket.push(message('d', { 'room/1': 14 }));
    socket.push(message('c', { 'room/1': 13 }));
    socket.push(message('two', { 'room/2': 22 }));
    socket.push(message('b', { 'room/1': 12 }));

    // WHEN room/1 is unsubscribed
    const unsubscribed = client.unsubscribe('room/1');
    socket.push({ type: 'unsubscribed', channel: 'room/1', ref: refOf(socket, 'unsubscribe') });
    await unsubscribed;

    // THEN b, c, d; room/2's still waits for its seq 21
    expect(messages).toEqual(['b', 'c', 'd']);
    socket.push(message('one', { 'room/2': 21 }));
    expect(messages).toEqual(['b', 'c', 'd', 'one', 'two']);
  });

  test('given up (a resume refused): the same', async () => {
    const { socket, messages, advance } = await subscribedTo({ 'room/1': 10 });
    socket.push(message('c', { 'room/1': 13 }));
    socket.push(message('b', { 'room/1': 12 }));
    await advance(1_000);
    socket.push({ type: 'error', action: 'resume', channel: 'room/1', code: 'FORBIDDEN', ref: 'wp2' });
    expect(messages).toEqual(['b', 'c']);
  });
});
