/**
 * A counting semaphore bounding work in flight. Hand-written because p-limit is ESM-only (ts-jest runs CommonJS)
 * and the producer needs `acquire()` on its own, to stop reading pages while every slot is busy.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Number of slots currently held. */
  get inFlight(): number {
    return this.active;
  }

  /** Resolves once a slot is held; the caller must `release()` it. */
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    // The releasing caller hands its slot over, so `active` is unchanged.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
