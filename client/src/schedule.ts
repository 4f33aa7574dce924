/**
 * When to retry and when to re-dial: pure functions of the options and a random number in [0, 1), so that tests pin
 * them down without sockets or clocks.
 */

/** Reconnect delays: exponential backoff with full jitter, bounded. */
export interface BackoffOptions {
  /** The cap of the first retry's delay. @default 1000 */
  readonly initialDelayMs?: number;
  /** The largest cap, however many attempts failed. @default 30000 */
  readonly maxDelayMs?: number;
  /** How much the cap grows per failed attempt. @default 2 */
  readonly multiplier?: number;
  /**
   * The backoff starts over when a socket opens (a failed re-dial, or the next loss, retries from the first delay),
   * unless the socket is lost within this long of its open (accepted, then dropped at once): then it goes on backing off
   * from where it was. @default 10000
   */
  readonly resetAfterMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  multiplier: 2,
  resetAfterMs: 10_000,
};

/**
 * The delay before retry number `attempt` (0 for the first): uniformly drawn in [0, cap), the cap
 * `min(maxDelayMs, initialDelayMs × multiplier^attempt)` ("full jitter": clients dropped together, as on a deployment,
 * come back spread out, under API Gateway's 500 new connections per second).
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  return Math.floor(random() * backoffCap(attempt, options));
}

/** The cap of retry number `attempt`'s delay. */
export function backoffCap(attempt: number, options: Required<BackoffOptions>): number {
  const growth = Math.pow(options.multiplier, Math.min(Math.max(attempt, 0), 64));
  return Math.min(options.maxDelayMs, options.initialDelayMs * growth);
}

/** API Gateway closes every WebSocket connection after 2 hours. */
export const MAX_CONNECTION_MS = 2 * 60 * 60_000;

/** Re-dialing before API Gateway's 2-hour limit (make-before-break). */
export interface RedialOptions {
  /** Re-dial this long after a connection opened, at the latest; 0 turns re-dialing off. @default 6900000 (1 h 55 min) */
  readonly afterMs?: number;
  /**
   * Re-dial up to this much earlier (at most half of `afterMs`), drawn at random, so that clients connected together do
   * not re-dial together. @default 300000 (5 min)
   */
  readonly jitterMs?: number;
  /** How long the old socket stays open after the new one took over, receiving what was already on its way. @default 5000 */
  readonly graceMs?: number;
}

export const DEFAULT_REDIAL: Required<RedialOptions> = {
  afterMs: 115 * 60_000,
  jitterMs: 5 * 60_000,
  graceMs: 5_000,
};

/** How long after a connection opened it is re-dialed: in (afterMs − jitterMs, afterMs]. */
export function redialDelay(options: Required<RedialOptions>, random: () => number): number {
  return options.afterMs - Math.floor(random() * options.jitterMs);
}
