import { Semaphore } from '../../../lambda/core/semaphore';

describe('Semaphore', () => {
  test('GIVEN limit 3 WHEN 20 tasks run THEN at most 3 are in flight and all complete', async () => {
    const semaphore = new Semaphore(3);
    let inFlight = 0;
    let peak = 0;
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => semaphore.run(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return i;
    })));
    expect(peak).toBe(3);
    expect(done).toHaveLength(20);
    expect(semaphore.inFlight).toBe(0);
  });

  test('GIVEN a failing task THEN its slot is released', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });

  test.each([0, -1, 1.5])('GIVEN limit %p THEN construction fails', (limit) => {
    expect(() => new Semaphore(limit)).toThrow('positive integer');
  });
});
