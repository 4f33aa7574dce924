/**
 * The posts of one request that were started and have not settled yet, and whoever waits for all of them: the
 * run's `finish()` and, in a segmented-broadcast worker, the page loop (which settles each page before it looks at
 * the clock). Any number of callers may wait at once; all resolve when the count reaches zero.
 */
export class InFlight {
  private pending = 0;
  private waiters: Array<() => void> = [];

  /** Counts `task` until it settles; `task` must not reject (the caller turns its errors into results). */
  track(task: Promise<void>): void {
    this.pending += 1;
    void task.finally(() => {
      this.pending -= 1;
      if (this.pending > 0) return;
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  /** Resolves once every task tracked so far has settled (at once if none is pending). */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
