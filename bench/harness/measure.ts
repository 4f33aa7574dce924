/**
 * The measuring side of a benchmark subject: runs in the child process, so that its CPU time and memory are the
 * subject's alone (dynalite and the emulator run in the parent). One subject run per process.
 */
import type { SubjectMessage, SubjectResult } from './protocol';

/** Measures `run` once the bench says go; reports the figures and exits. */
export function measureWhenTold(setup: () => Promise<void>, run: () => Promise<Record<string, unknown>>): void {
  const channel = process.send?.bind(process);
  if (!channel) {
    throw new Error('a benchmark subject runs as a child process of bench/run.ts (it needs an IPC channel)');
  }
  const send = (message: SubjectMessage) => new Promise<void>((resolve) => channel(message, () => resolve()));
  process.once('message', () => {
    void measure(run).then(async (result) => {
      await send(result);
      process.disconnect?.();
      process.exit(0);
    });
  });
  setup().then(
    () => send({ type: 'ready' }),
    async (e: Error) => {
      await send({ type: 'setup-error', error: `${e.name}: ${e.message}` });
      process.exit(1);
    },
  );
}

/** The process's peak RSS and heap, sampled every 10 ms while it runs. */
class MemorySampler {
  readonly start = process.memoryUsage();
  peakRss = this.start.rss;
  peakHeap = this.start.heapUsed;
  private readonly timer = setInterval(() => this.sample(), 10);

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }
}

async function measure(run: () => Promise<Record<string, unknown>>): Promise<SubjectResult> {
  const memory = new MemorySampler();
  const phase = new Phase();
  let details: Record<string, unknown> = {};
  let error: string | undefined;
  try {
    details = await run();
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  const { wallMs, cpu } = phase.measure();
  memory.stop();
  return {
    type: 'result',
    wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakRssBytes: memory.peakRss,
    peakHeapUsedBytes: memory.peakHeap,
    startRssBytes: memory.start.rss,
    startHeapUsedBytes: memory.start.heapUsed,
    details,
    ...(error ? { error } : {}),
  };
}

/** Reads a required setting the bench passes to a subject through its environment. */
export function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: subjects are started by bench/run.ts`);
  }
  return value;
}

/** CPU time and wall time of one phase of a run. */
export class Phase {
  private readonly cpu0 = process.cpuUsage();
  private readonly t0 = process.hrtime.bigint();

  end(): { wallMs: number; cpuUs: number } {
    const { wallMs, cpu } = this.measure();
    return { wallMs, cpuUs: cpu.user + cpu.system };
  }

  measure(): { wallMs: number; cpu: NodeJS.CpuUsage } {
    const cpu = process.cpuUsage(this.cpu0);
    return { wallMs: Number(process.hrtime.bigint() - this.t0) / 1e6, cpu };
  }
}
