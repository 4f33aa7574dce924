import { backoffCap, backoffDelay, DEFAULT_BACKOFF, DEFAULT_REDIAL, MAX_CONNECTION_MS, redialDelay } from '../../../client/src/schedule';

// Pure timing: the reconnect delays (full jitter, bounded) and the re-dial schedule (before API Gateway's 2 hours).

const options = { initialDelayMs: 100, maxDelayMs: 5_000, multiplier: 2, resetAfterMs: 1_000 };

test('the cap doubles per attempt from the initial delay, and stops at the maximum', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 7, 100, 10_000].map((attempt) => backoffCap(attempt, options)))
    .toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000]);
});

test('full jitter: a delay is drawn in [0, cap), its bounds reached by the extremes of random', () => {
  for (const attempt of [0, 3, 9]) {
    const cap = backoffCap(attempt, options);
    expect(backoffDelay(attempt, options, () => 0)).toBe(0);
    expect(backoffDelay(attempt, options, () => 0.999_999)).toBe(cap - 1);
    expect(backoffDelay(attempt, options, () => 0.5)).toBe(cap / 2);
  }
});

test('with Math.random, delays stay within their cap and spread over it (clients dropped together come back apart)', () => {
  const delays = Array.from({ length: 2_000 }, () => backoffDelay(4, options, Math.random));
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...delays)).toBeLessThan(1_600);
  // Every tenth of [0, 1600) is drawn from: the jitter is spread, not clustered.
  const deciles = new Set(delays.map((d) => Math.floor(d / 160)));
  expect(deciles.size).toBe(10);
});

test('the default backoff: first retry within 1 s, never more than 30 s apart', () => {
  expect(backoffCap(0, DEFAULT_BACKOFF)).toBe(1_000);
  expect(backoffCap(50, DEFAULT_BACKOFF)).toBe(30_000);
});

test('the re-dial falls in (afterMs - jitterMs, afterMs]', () => {
  const redial = { afterMs: 10_000, jitterMs: 2_000, graceMs: 500 };
  expect(redialDelay(redial, () => 0)).toBe(10_000);
  expect(redialDelay(redial, () => 0.999_999)).toBe(8_001);
  const delays = Array.from({ length: 1_000 }, () => redialDelay(redial, Math.random));
  expect(Math.min(...delays)).toBeGreaterThan(8_000);
  expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
});

test('by default the re-dial comes between 1 h 50 min and 1 h 55 min, and the old socket closes well before 2 hours', () => {
  expect(redialDelay(DEFAULT_REDIAL, () => 0)).toBe(115 * 60_000);
  expect(redialDelay(DEFAULT_REDIAL, () => 0.999_999)).toBeGreaterThan(110 * 60_000);
  expect(DEFAULT_REDIAL.afterMs + DEFAULT_REDIAL.graceMs).toBeLessThan(MAX_CONNECTION_MS);
});
