/**
 * One run of the segmented broadcast: a local system from the template of a pusher with `segmentedBroadcast` for this
 * many workers (its request, work and dead-letter queues on moto, its event sources as the template maps them, each
 * worker a Lambda execution environment of its own), the table seeded, one broadcast sent to the request queue and
 * timed until the queues are drained.
 */
import { Duration } from 'aws-cdk-lib';
import { checkExactlyOnce } from './exactly-once';
import { LocalSystem } from '../../../local/system/local-system';
import type { WebsocketPusherProps } from '../../../src';
import type { RunResult, SegmentedOptions } from '../../reports/segmented-results';

/** The construct's least `workerConcurrency`: one worker is that, with its event source capped at one environment. */
const LEAST_WORKER_CONCURRENCY = 2;

/** The props of the pusher measured with `workers` workers. */
export function segmentedProps(o: SegmentedOptions, workers: number): Partial<WebsocketPusherProps> {
  const maxInFlight = process.env.BENCH_MAX_IN_FLIGHT;
  return {
    timeout: Duration.millis(o.timeoutMs),
    ...(maxInFlight ? { maxInFlight: Number(maxInFlight) } : {}),
    segmentedBroadcast: {
      threshold: 0,
      totalSegments: o.segments,
      workerConcurrency: Math.max(LEAST_WORKER_CONCURRENCY, workers),
      // Far above what the workers reach: the pace must not bind, so that the per-worker rate is measured.
      sendRatePerSecond: 1_000_000,
      timeMargin: Duration.millis(o.marginMs),
    },
  };
}

export async function runWorkers(o: SegmentedOptions, workers: number): Promise<RunResult> {
  const system = await LocalSystem.start({
    seed: 3, app: { props: segmentedProps(o, workers) }, queues: true, maxEventSourceConcurrency: workers,
  });
  try {
    const seeded = Date.now();
    const live = await system.connectVirtual(Array.from({ length: o.connections }, (_, i) => `user-${String(Math.floor(i / 2)).padStart(6, '0')}`));
    const seedingSeconds = (Date.now() - seeded) / 1000;
    console.log(`${workers} workers: seeded ${live.length.toLocaleString('en-US')} rows in ${seedingSeconds.toFixed(1)} s`);
    system.setFaults({ latencyMs: o.latencyMs });
    system.emulator.resetStats();

    const started = Date.now();
    await system.sendToQueue({ data: { bench: workers, pad: 'x'.repeat(200) } });
    await system.drained(900_000);
    const seconds = (Date.now() - started) / 1000;

    const items = system.invocationsFrom('work').flatMap((i) => i.json).filter((l) => l.message === 'work item processed');
    checkExactlyOnce(live, items, system.emulator.stats);
    const busyMs = items.reduce((n, l) => n + (l.durationMs as number), 0);
    return {
      workers,
      connections: live.length,
      seedingSeconds: Math.round(seedingSeconds * 100) / 100,
      seconds: Math.round(seconds * 100) / 100,
      deliveriesPerSecond: Math.round(live.length / seconds),
      perWorkerPerSecond: Math.round(live.length / seconds / workers),
      perInvocationPerSecondMedian: Math.round(upperMedian(items.filter((l) => l.durationMs > 0).map((l) => l.delivered / (l.durationMs / 1000)))),
      workItems: items.length,
      continuations: items.filter((l) => l.outcome === 'continued').length,
      overheadPerItemMs: Math.round(Math.max(0, seconds * 1000 * workers - busyMs) / items.length),
      maxInFlightPosts: system.emulator.stats.maxInFlight,
    };
  } finally {
    await system.stop();
  }
}

/** The middle value; of an even count, the higher of the two middle ones. */
function upperMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
