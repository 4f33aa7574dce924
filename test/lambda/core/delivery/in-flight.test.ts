import { InFlight } from '../../../../lambda/core/delivery/in-flight';

describe('InFlight', () => {
  test('resolves every concurrent waiter once the last post ends', async () => {
    // GIVEN two posts begun and two waiters
    const inFlight = new InFlight();
    inFlight.begin();
    inFlight.begin();
    const resolved: string[] = [];
    const first = inFlight.settled().then(() => resolved.push('first'));
    const second = inFlight.settled().then(() => resolved.push('second'));

    // WHEN one post ends, then the other
    inFlight.end();
    await new Promise((resolve) => setImmediate(resolve));
    const afterOne = [...resolved];
    inFlight.end();
    await Promise.all([first, second]);

    // THEN nobody resolved early, and both waiters resolved
    expect(afterOne).toEqual([]);
    expect(resolved.sort()).toEqual(['first', 'second']);
  });

  test('resolves at once when nothing is in flight, also after a drain', async () => {
    // GIVEN a tracker that drained one post
    const inFlight = new InFlight();
    inFlight.begin();
    inFlight.end();
    await inFlight.settled();

    // WHEN a waiter comes later
    const later = await Promise.race([inFlight.settled().then(() => 'settled'), new Promise((r) => setTimeout(() => r('hung'), 50))]);

    // THEN it does not wait
    expect(later).toBe('settled');
  });
});
