import { InFlight } from '../../../../lambda/core/delivery/in-flight';

describe('InFlight', () => {
  test('resolves every concurrent waiter once the last task settles', async () => {
    // GIVEN two tracked tasks and two waiters
    const inFlight = new InFlight();
    const release: Array<() => void> = [];
    for (let i = 0; i < 2; i++) inFlight.track(new Promise<void>((resolve) => release.push(resolve)));
    const resolved: string[] = [];
    const first = inFlight.settled().then(() => resolved.push('first'));
    const second = inFlight.settled().then(() => resolved.push('second'));

    // WHEN one task settles, then the other
    release[0]();
    await new Promise((resolve) => setImmediate(resolve));
    const afterOne = [...resolved];
    release[1]();
    await Promise.all([first, second]);

    // THEN nobody resolved early, and both waiters resolved
    expect(afterOne).toEqual([]);
    expect(resolved.sort()).toEqual(['first', 'second']);
  });

  test('resolves at once when nothing is in flight, also after a drain', async () => {
    // GIVEN a tracker that drained one task
    const inFlight = new InFlight();
    inFlight.track(Promise.resolve());
    await inFlight.settled();

    // WHEN a waiter comes later
    const later = await Promise.race([inFlight.settled().then(() => 'settled'), new Promise((r) => setTimeout(() => r('hung'), 50))]);

    // THEN it does not wait
    expect(later).toBe('settled');
  });
});
