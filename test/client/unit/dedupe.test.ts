import { RecentIds } from '../../../client/src/dedupe';
import { SendBuffer } from '../../../client/src/send-buffer';

test('an id is new once; a repeat is a duplicate', () => {
  const recent = new RecentIds(10);
  expect(['a', 'b', 'a', 'c', 'b'].map((id) => recent.add(id))).toEqual([true, true, false, true, false]);
});

test('bounded: the oldest id is forgotten once capacity newer ones arrived', () => {
  const recent = new RecentIds(3);
  expect(['1', '2', '3', '4'].map((id) => recent.add(id))).toEqual([true, true, true, true]);
  // The last three are kept: each is a duplicate.
  expect(['2', '3', '4'].map((id) => recent.add(id))).toEqual([false, false, false]);
  // '1' fell out of the window: a duplicate that late gets through, and pushes out the oldest ('2').
  expect(recent.add('1')).toBe(true);
  expect(recent.add('2')).toBe(true);
  expect(['4', '1', '2'].map((id) => recent.add(id))).toEqual([false, false, false]);
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
