/** The clock and timers the client runs on: the platform's by default, a fake one in tests. */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Typed here rather than from DOM or Node.js typings: the package compiles against neither.
const host = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** The platform's clock and timers. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => host.setTimeout(callback, ms),
  clearTimeout: (handle) => host.clearTimeout(handle),
};

/** One restartable one-shot timer. */
export class Timer {
  private handle: unknown;
  private armed = false;

  constructor(private readonly timers: Timers) {}

  /** (Re)starts the timer: `callback` runs once after `ms`, unless stopped or restarted first. */
  start(ms: number, callback: () => void): void {
    this.stop();
    this.armed = true;
    this.handle = this.timers.setTimeout(() => {
      this.armed = false;
      callback();
    }, ms);
  }

  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.timers.clearTimeout(this.handle);
  }

  get active(): boolean {
    return this.armed;
  }
}
