import { RecentIds } from '../../../client/src/dedupe';
import { SendBuffer } from '../../../client/src/send-buffer';

test('an id is new once; a repeat is a duplicate', () => {
  const recent = new RecentIds(10);
  expect(['a', 'b', 'a', 'c', 'b'].map((id) => recent.add(id))).toEqual([true, true, false, true, false]);
});

test('bounded: the oldest id is forgotten once capacity newer ones arrived', () => {
  const recent = new RecentIds(3);
  for (const id of ['1', '2', '3', '4']) recent.add(id);
  expect(recent.size).toBe(3);
  expect(recent.has('1')).toBe(false);
  expect(recent.add('2')).toBe(false);
  // '1' fell out of the window: a duplicate that late gets through.
  expect(recent.add('1')).toBe(true);
  expect(recent.has('2')).toBe(false);
});

test('the send buffer keeps frames in order up to its capacity and refuses more', () => {
  const buffer = new SendBuffer(2);
  expect([buffer.push('a'), buffer.push('b'), buffer.push('c')]).toEqual([true, true, false]);
  const frames = buffer.drain();
  expect(frames).toEqual(['a', 'b']);
  buffer.push('d');
  buffer.restore(['b']);
  expect(buffer.drain()).toEqual(['b', 'd']);
  expect(buffer.size).toBe(0);
});
