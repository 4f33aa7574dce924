/**
 * The posts of one request that were started and have not settled yet, and whoever waits for all of them: the
 * run's `finish()` and, in a segmented-broadcast worker, the page loop (which settles each page before it looks at
 * the clock). Any number of callers may wait at once; all resolve when the count reaches zero. A counter, not a
 * promise per post: it sits on the hot path of every delivery.
 */
export class InFlight {
  private pending = 0;
  private waiters: Array<() => void> = [];

  /** One more post started. */
  begin(): void {
    this.pending += 1;
  }

  /** One post settled (every `begin()` is followed by exactly one `end()`). */
  end(): void {
    this.pending -= 1;
    if (this.pending > 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once every post begun so far has ended (at once if none is pending). */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
