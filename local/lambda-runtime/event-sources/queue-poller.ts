import type { LocalQueue } from '../../aws/moto/moto-server';
import type { FunctionRunner } from '../function-runner';

/**
 * A queue polled by one loop per execution environment, as Lambda's pollers do: started and stopped together, with
 * the invocations under way counted (so that a test can wait until the source is idle).
 */
export abstract class QueuePoller {
  private running = false;
  private busy = 0;
  private loops: Array<Promise<void>> = [];

  constructor(readonly queue: LocalQueue, private readonly runners: readonly FunctionRunner[]) {}

  /** Invocations currently running. */
  get inFlight(): number {
    return this.busy;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.runners.map(async (runner) => {
      while (this.running) await this.pollOnce(runner);
    });
  }

  /** Stops polling; resolves once the invocations in flight are over. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Whether the poller is still meant to run (a receive that fails while stopping is not an error). */
  protected get isRunning(): boolean {
    return this.running;
  }

  /** Counts an invocation as under way while `work` runs. */
  protected async invoking<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await work();
    } finally {
      this.busy -= 1;
    }
  }

  /** One receive, and the invocations for what it received. */
  protected abstract pollOnce(runner: FunctionRunner): Promise<void>;
}
