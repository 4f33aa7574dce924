import { backoffDelay, withRetries, type RetryPolicy } from '../../../lambda/core/retry';

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

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
    await withRetries(attempt, () => true, { ...policy, attempts: 1 }, async () => {});
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
