import type { PostResult, Sender } from './ports/sender';
import { realSleep, type Sleep } from './retry';

/**
 * A token bucket, as the generic cell rate algorithm: each `take()` reserves the next slot synchronously, so
 * concurrent callers are served in order and the long-run rate never exceeds `ratePerSecond`, with at most `burst`
 * requests at once after an idle period.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** The theoretical arrival time of the next request. */
  private tat = -Infinity;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`ratePerSecond must be positive, got ${ratePerSecond}`);
    if (!Number.isInteger(burst) || burst < 1) throw new Error(`burst must be a positive integer, got ${burst}`);
    this.intervalMs = 1_000 / ratePerSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /** Resolves when the caller may send one request. */
  async take(): Promise<void> {
    const t = this.now();
    const allowedAt = Math.max(t, this.tat - this.toleranceMs);
    this.tat = Math.max(this.tat, t) + this.intervalMs;
    if (allowedAt > t) await this.sleep(allowedAt - t);
  }
}

/** A worker's share of the budget: the global rate over the workers that may run at once; a tenth of a second of burst. */
export function workerBucket(sendRatePerSecond: number, workerConcurrency: number, now?: () => number, sleep?: Sleep): TokenBucket {
  const share = sendRatePerSecond / workerConcurrency;
  return new TokenBucket(share, Math.max(1, Math.floor(share / 10)), now, sleep);
}

/** Paces every PostToConnection and DeleteConnection attempt (retries included: API Gateway counts them too). */
export class PacedSender implements Sender {
  constructor(private readonly inner: Sender, private readonly bucket: TokenBucket) {}

  async post(connectionId: string, payload: Uint8Array): Promise<PostResult> {
    await this.bucket.take();
    return this.inner.post(connectionId, payload);
  }

  async disconnect(connectionId: string): Promise<PostResult> {
    await this.bucket.take();
    return this.inner.disconnect(connectionId);
  }
}
