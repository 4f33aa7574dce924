/**
 * The measuring side of a benchmark subject: runs in the child process, so that its CPU time and memory are the
 * subject's alone (dynalite and the emulator run in the parent). One subject run per process.
 */

/** What a subject reports back to the bench over IPC. */
export interface SubjectResult {
  readonly type: 'result';
  /** Wall-clock time of the measured run, milliseconds. */
  readonly wallMs: number;
  /** User + system CPU time of this process during the run, microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** `process.resourceUsage().maxRSS` at the end of the run (the process's lifetime peak), bytes. */
  readonly maxRssBytes: number;
  /** Highest `process.memoryUsage()` sample during the run (every 10 ms), bytes. */
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
  /** The same, just before the run started: what loading the subject cost. */
  readonly startRssBytes: number;
  readonly startHeapUsedBytes: number;
  /** Subject-specific figures (phases, counts); see each subject. */
  readonly details: Record<string, unknown>;
  readonly error?: string;
}

/** Measures `run` once the bench says go; reports the figures and exits. */
export function measureWhenTold(setup: () => Promise<void>, run: () => Promise<Record<string, unknown>>): void {
  const channel = process.send?.bind(process);
  if (!channel) {
    throw new Error('a benchmark subject runs as a child process of bench/run.ts (it needs an IPC channel)');
  }
  const send = (message: unknown) => new Promise<void>((resolve) => channel(message, () => resolve()));
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

async function measure(run: () => Promise<Record<string, unknown>>): Promise<SubjectResult> {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 10);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let details: Record<string, unknown> = {};
  let error: string | undefined;
  try {
    details = await run();
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  sample();
  return {
    type: 'result',
    wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakRssBytes: peakRss,
    peakHeapUsedBytes: peakHeap,
    startRssBytes: start.rss,
    startHeapUsedBytes: start.heapUsed,
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
    const cpu = process.cpuUsage(this.cpu0);
    return { wallMs: Number(process.hrtime.bigint() - this.t0) / 1e6, cpuUs: cpu.user + cpu.system };
  }
}
