/** Bounds of the exponential backoff with full jitter used for every retried call. */
export interface RetryPolicy {
  /** Total calls, the first included (1 = no retry). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export type Random = () => number;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delay before retry number `retry` (1 for the first retry): uniformly random in [0, min(max, base × 2^(retry-1))),
 * the "full jitter" of the AWS Architecture Blog, which spreads throttled callers apart best.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: Random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export interface Retried<T> {
  readonly result: T;
  /** Attempts made after the first. */
  readonly retries: number;
}

/**
 * Calls `attempt` until its result is not retryable or `policy.attempts` calls were made, sleeping a full-jitter
 * backoff in between. Returns the last result: the caller decides what an exhausted retryable result means.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  isRetryable: (result: T) => boolean,
  policy: RetryPolicy,
  sleep: Sleep = realSleep,
  random: Random = Math.random,
): Promise<Retried<T>> {
  let result = await attempt();
  let retries = 0;
  while (isRetryable(result) && retries + 1 < policy.attempts) {
    retries += 1;
    await sleep(backoffDelay(retries, policy, random));
    result = await attempt();
  }
  return { result, retries };
}
