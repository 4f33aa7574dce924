import { backoffDelay, withRetries, type RetryPolicy } from '../../../lambda/core/retry';

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay (full jitter)', () => {
  test.each([
    [1, 100], [2, 200], [3, 400], [4, 800], [5, 1_000], [30, 1_000],
  ])('retry %i: the delay ceiling is %i ms', (retry, ceiling) => {
    // WHEN / THEN
    expect(backoffDelay(retry, policy, () => 0)).toBe(0);
    expect(backoffDelay(retry, policy, () => 0.5)).toBe(ceiling / 2);
    expect(backoffDelay(retry, policy, () => 0.999999)).toBe(ceiling - 1);
  });

  test('with real randomness, every delay lies in [0, ceiling)', () => {
    // WHEN / THEN
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelay(3, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });
});

describe('withRetries', () => {
  test('a call that always fails transiently stops at maxAttempts, sleeping in between', async () => {
    // GIVEN
    const attempt = jest.fn(async () => 'throttled');
    const sleeps: number[] = [];

    // WHEN
    const { result, retries } = await withRetries(attempt, (r) => r === 'throttled', policy, async (ms) => { sleeps.push(ms); }, () => 0.5);

    // THEN
    expect(result).toBe('throttled');
    expect(attempt).toHaveBeenCalledTimes(5);
    expect(retries).toBe(4);
    expect(sleeps).toEqual([50, 100, 200, 400]);
  });

  test('a call that succeeds on the third attempt is not called again', async () => {
    // GIVEN
    const answers = ['throttled', 'throttled', 'ok', 'throttled'];
    const attempt = jest.fn(async () => answers.shift()!);

    // WHEN
    const { result, retries } = await withRetries(attempt, (r) => r === 'throttled', policy, async () => {});

    // THEN
    expect(result).toBe('ok');
    expect(retries).toBe(2);
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  test('maxAttempts 1: nothing is retried', async () => {
    // GIVEN
    const attempt = jest.fn(async () => 'throttled');

    // WHEN
    await withRetries(attempt, () => true, { ...policy, attempts: 1 }, async () => {});

    // THEN
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
