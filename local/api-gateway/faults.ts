import { createHash } from 'node:crypto';

/** Faults the Management API can be told to inject; all off by default, settable at any time. */
export interface Faults {
  /** Token bucket refill rate: POSTs beyond it are answered 429 `LimitExceededException`. */
  readonly rateLimitPerSecond?: number;
  /** Token bucket size. @default rateLimitPerSecond */
  readonly burst?: number;
  /**
   * The first N POSTs (to any connection) are answered 429 `LimitExceededException`: throttling that happens whatever
   * the machine's speed (a token bucket throttles only posts that come faster than its rate).
   */
  readonly throttleFirstN?: number;
  /** Fraction (0..1) of POSTs answered 500, sampled from the emulator's seeded generator. */
  readonly errorRate?: number;
  /** The first N POSTs to each connection id are answered 500 (deterministic transient failures). */
  readonly failFirstN?: number;
  /** POSTs to these connection ids are always answered 500 (a connection that keeps failing). */
  readonly failingConnections?: readonly string[];
  /**
   * POSTs to these connection ids are answered 429 `LimitExceededException`, as API Gateway answers when a client's
   * receive buffer is full (a slow client); clear the list and they recover.
   */
  readonly throttledConnections?: readonly string[];
  /** Added to every Management API request before it is answered. */
  readonly latencyMs?: number;
  /** A further random latency, uniform in [0, this) and drawn from the seeded generator, per request. */
  readonly latencyJitterMs?: number;
  /** Every Management API request is answered 403 `ForbiddenException` (a missing IAM permission). */
  readonly forbidden?: boolean;
}

/** The error a fault answers with: API Gateway's status and error type. */
export interface InjectedFault {
  readonly status: number;
  readonly type: string;
}

/** Decides, request by request, which faults apply: reproducible from the seed. */
export class FaultInjector {
  private faults: Faults = {};
  private tokens = 0;
  private lastRefill = 0;
  private readonly postsByConnection = new Map<string, number>();
  private posts = 0;
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** Replaces the faults (an empty object turns them all off) and restarts their counters. */
  set(faults: Faults): void {
    this.faults = { ...faults };
    this.tokens = faults.burst ?? faults.rateLimitPerSecond ?? 0;
    this.lastRefill = Date.now();
    this.postsByConnection.clear();
    this.posts = 0;
    // Each fault configuration samples the same sequence: a run is reproducible from the seed.
    this.random = seededRandom(this.seed);
  }

  /** How long to hold this request before answering it. */
  latencyMs(): number {
    return (this.faults.latencyMs ?? 0) + (this.faults.latencyJitterMs ? this.random() * this.faults.latencyJitterMs : 0);
  }

  /** The fault this request to `connectionId` meets, if any. */
  next(connectionId: string): InjectedFault | undefined {
    const faults = this.faults;
    if (faults.forbidden) return { status: 403, type: 'ForbiddenException' };
    if (faults.throttleFirstN && ++this.posts <= faults.throttleFirstN) return { status: 429, type: 'LimitExceededException' };
    if (faults.rateLimitPerSecond !== undefined && !this.takeToken(faults.rateLimitPerSecond, faults.burst)) {
      return { status: 429, type: 'LimitExceededException' };
    }
    if (faults.failFirstN) {
      const seen = (this.postsByConnection.get(connectionId) ?? 0) + 1;
      this.postsByConnection.set(connectionId, seen);
      if (seen <= faults.failFirstN) return { status: 500, type: 'InternalServerErrorException' };
    }
    if (faults.failingConnections?.includes(connectionId)) return { status: 500, type: 'InternalServerErrorException' };
    if (faults.throttledConnections?.includes(connectionId)) return { status: 429, type: 'LimitExceededException' };
    if (faults.errorRate && this.random() < faults.errorRate) return { status: 500, type: 'InternalServerErrorException' };
    return undefined;
  }

  private takeToken(ratePerSecond: number, burst = ratePerSecond): boolean {
    const now = Date.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * ratePerSecond) / 1000);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A seeded sequence of numbers in [0, 1), so that an `errorRate` picks the same requests on every run. */
function seededRandom(seed: number): () => number {
  let n = 0;
  return () => createHash('sha256').update(`fault:${seed}:${n++}`).digest().readUInt32BE(0) / 2 ** 32;
}
