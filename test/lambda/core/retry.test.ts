import { Limiter } from '../../lambda/limiter';
import { backoffDelay, withRetries, type RetryPolicy } from '../../lambda/retry';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay (full jitter)', () => {
  test.each([
    [1, 100], [2, 200], [3, 400], [4, 800], [5, 1_000], [30, 1_000],
  ])('GIVEN retry %i THEN the delay ceiling is %i ms', (retry, ceiling) => {
    expect(backoffDelay(retry, policy, () => 0)).toBe(0);
    expect(backoffDelay(retry, policy, () => 0.5)).toBe(ceiling / 2);
    expect(backoffDelay(retry, policy, () => 0.999999)).toBe(ceiling - 1);
  });

  test('GIVEN real randomness THEN every delay lies in [0, ceiling)', () => {
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelay(3, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });
});

describe('withRetries', () => {
  test('GIVEN a call that always fails transiently WHEN retried THEN it stops at maxAttempts and sleeps in between', async () => {
    const attempt = jest.fn(async () => 'throttled');
    const sleeps: number[] = [];
    const { result, retries } = await withRetries(attempt, (r) => r === 'throttled', policy, async (ms) => { sleeps.push(ms); }, () => 0.5);
    expect(result).toBe('throttled');
    expect(attempt).toHaveBeenCalledTimes(5);
    expect(retries).toBe(4);
    expect(sleeps).toEqual([50, 100, 200, 400]);
  });

  test('GIVEN a call that succeeds on the third attempt THEN it is not called again', async () => {
    const answers = ['throttled', 'throttled', 'ok', 'throttled'];
    const attempt = jest.fn(async () => answers.shift()!);
    const { result, retries } = await withRetries(attempt, (r) => r === 'throttled', policy, async () => {});
    expect(result).toBe('ok');
    expect(retries).toBe(2);
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  test('GIVEN maxAttempts 1 THEN nothing is retried', async () => {
    const attempt = jest.fn(async () => 'throttled');
    await withRetries(attempt, () => true, { ...policy, maxAttempts: 1 }, async () => {});
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});

describe('Limiter', () => {
  test('GIVEN limit 3 WHEN 20 tasks run THEN at most 3 are in flight and all complete', async () => {
    const limiter = new Limiter(3);
    let inFlight = 0;
    let peak = 0;
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.run(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return i;
    })));
    expect(peak).toBe(3);
    expect(done).toHaveLength(20);
    expect(limiter.inFlight).toBe(0);
  });

  test('GIVEN a failing task THEN its slot is released', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  test.each([0, -1, 1.5])('GIVEN limit %p THEN construction fails', (limit) => {
    expect(() => new Limiter(limit)).toThrow('positive integer');
  });
});
