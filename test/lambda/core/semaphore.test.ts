import { Semaphore } from '../../../lambda/core/semaphore';

describe('Semaphore', () => {
  test('with limit 3, at most 3 of 20 tasks are in flight, and all complete', async () => {
    // GIVEN a semaphore of 3
    const semaphore = new Semaphore(3);
    let inFlight = 0;
    let peak = 0;

    // WHEN 20 tasks run
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => semaphore.run(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return i;
    })));

    // THEN
    expect(peak).toBe(3);
    expect(done).toHaveLength(20);
    expect(semaphore.inFlight).toBe(0);
  });

  test('a failing task releases its slot', async () => {
    // GIVEN a semaphore of 1
    const semaphore = new Semaphore(1);

    // WHEN / THEN a failing task, then the next one
    await expect(semaphore.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });

  test.each([0, -1, 1.5])('limit %p: construction fails', (limit) => {
    // WHEN / THEN
    expect(() => new Semaphore(limit)).toThrow('positive integer');
  });
});
