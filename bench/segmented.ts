/**
 * `npm run bench:segmented`: the segmented broadcast of the bundled pusher to 50,000 connections with 1, 4 and 16
 * concurrent workers, against the local stack (dynalite, the API Gateway emulator with a per-request latency) and
 * moto's SQS server, through the emulated Lambda SQS event source; then a model of 1,000,000 connections on AWS
 * from the measured per-worker throughput and the account throttle. See BENCHMARKS.md.
 *
 * Needs moto (local/install-moto.sh). Every worker is a Lambda execution environment of its own (a worker thread).
 */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { machine } from './report';
import { drained, SqsEventSource } from '../local/lambda-runtime/event-sources/sqs-event-source';
import { MotoServer } from '../local/aws/moto/moto-server';
import { LocalSystem } from '../local/system/local-system';
import { ENV, LIMITS } from '../src/shared/constants';

const HELP = `usage: npm run bench:segmented -- [options]
  --connections N     virtual connections (default 50000)
  --workers 1,4,16    worker concurrencies to measure (default 1,4,16)
  --segments N        FANOUT_SEGMENTS (default 16)
  --latency MS        Management API latency added by the emulator (default 20)
  --timeout-ms N      function timeout the workers' context reports (default 15000)
  --margin-ms N       TIME_MARGIN_MS (default 3000)
  --out FILE          results JSON (default bench/results/segmented-latest.json)`;

/** API Gateway's default account-level throttle per Region (shared by every API of the account). */
const ACCOUNT_THROTTLE = 10_000;
/** The construct's default budget. */
const DEFAULT_BUDGET = 3_000;

function options() {
  const { values } = parseArgs({
    options: {
      'connections': { type: 'string' },
      'workers': { type: 'string' },
      'segments': { type: 'string' },
      'latency': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'margin-ms': { type: 'string' },
      'out': { type: 'string' },
      'help': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const n = (raw: string | undefined, fallback: number) => (raw === undefined ? fallback : Number(raw.replace(/_/g, '')));
  return {
    connections: n(values.connections, 50_000),
    workers: (values.workers ?? '1,4,16').split(',').map(Number),
    segments: n(values.segments, 16),
    latencyMs: n(values.latency, 20),
    timeoutMs: n(values['timeout-ms'], 15_000),
    marginMs: n(values['margin-ms'], 3_000),
    out: values.out ?? path.join(__dirname, 'results', 'segmented-latest.json'),
  };
}

interface RunResult {
  readonly workers: number;
  readonly connections: number;
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly perWorkerPerSecond: number;
  /** Delivered / busy time of each invocation, median: what one invocation sustains while it runs. */
  readonly perInvocationPerSecondMedian: number;
  readonly workItems: number;
  readonly continuations: number;
  /** Worker-slot time not spent inside an invocation, per work item: receive, invoke and enqueue overhead. */
  readonly overheadPerItemMs: number;
  readonly maxInFlightPosts: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main() {
  const o = options();
  console.log(`segmented broadcast: ${o.connections.toLocaleString('en-US')} connections, workers ${o.workers.join('/')}, ` +
    `${o.segments} segments, ${o.latencyMs} ms latency, ${o.timeoutMs} ms timeout, ${o.marginMs} ms margin`);
  const sqs = await MotoServer.start();
  const stack = await LocalSystem.start({ seed: 3 });
  const runs: RunResult[] = [];
  try {
    const users = Array.from({ length: o.connections }, (_, i) => `user-${String(Math.floor(i / 2)).padStart(6, '0')}`);
    const seeded = Date.now();
    const live = await stack.connectVirtual(users);
    console.log(`seeded ${live.length.toLocaleString('en-US')} rows in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    stack.setFaults({ latencyMs: o.latencyMs });

    for (const [index, workers] of o.workers.entries()) {
      const requestsDlq = await sqs.createQueue(`requests-dlq-${index}`);
      const requests = await sqs.createQueue(`requests-${index}`, { deadLetter: { queue: requestsDlq, maxReceiveCount: 5 } });
      const workDlq = await sqs.createQueue(`work-dlq-${index}`);
      const work = await sqs.createQueue(`work-${index}`, { deadLetter: { queue: workDlq, maxReceiveCount: LIMITS.WORK_MAX_RECEIVE_COUNT } });
      const env = {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        [ENV.FANOUT_THRESHOLD]: '0',
        [ENV.WORK_QUEUE_URL]: work.url,
        [ENV.WORK_QUEUE_ARN]: work.arn,
        [ENV.FANOUT_SEGMENTS]: String(o.segments),
        [ENV.WORKER_CONCURRENCY]: String(workers),
        // Far above what the workers reach: the pace must not bind, so that the per-worker rate is measured.
        [ENV.RATE_LIMIT_PER_SECOND]: '1000000',
        [ENV.TIME_MARGIN_MS]: String(o.marginMs),
        ...(process.env.BENCH_MAX_IN_FLIGHT ? { [ENV.MAX_IN_FLIGHT]: process.env.BENCH_MAX_IN_FLIGHT } : {}),
      };
      const runners = await Promise.all(Array.from({ length: workers + 1 }, () => stack.loadPusher(env)));
      const requestSource = new SqsEventSource({ client: sqs.client, queue: requests, runners: runners.slice(0, 1), batchSize: 10 });
      const workSource = new SqsEventSource({
        client: sqs.client, queue: work, runners: runners.slice(1), batchSize: 1, functionTimeoutMs: o.timeoutMs, visibilityTimeoutSeconds: 120,
      });
      stack.emulator.resetStats();
      requestSource.start();
      workSource.start();

      const started = Date.now();
      await sqs.client.send(new SendMessageCommand({ QueueUrl: requests.url, MessageBody: JSON.stringify({ data: { bench: index, pad: 'x'.repeat(200) } }) }));
      await drained([requestSource, workSource], [requests, work, workDlq], (q) => sqs.depth(q), 900_000);
      const seconds = (Date.now() - started) / 1000;
      await Promise.all([requestSource.stop(), workSource.stop()]);
      await Promise.all(runners.map((r) => r.stop()));

      const wrong = live.filter((c) => c.received !== index + 1).length;
      const items = workSource.lines.filter((l) => l.message === 'work item processed');
      if (wrong > 0) {
        const byCount: Record<number, number> = {};
        for (const c of live) byCount[c.received - index] = (byCount[c.received - index] ?? 0) + 1;
        const outcomes: Record<string, number> = {};
        for (const l of items) outcomes[String(l.outcome)] = (outcomes[String(l.outcome)] ?? 0) + 1;
        // Where the extra posts come from: rows read twice (Σtargets over the table size) or posts retried (Σretried).
        const sum = (field: string) => items.reduce((n, l) => n + (Number(l[field]) || 0), 0);
        const handlerSums = { targets: sum('targets'), delivered: sum('delivered'), retried: sum('retried'), pages: sum('pages') };
        throw new Error(`${wrong} connections did not receive broadcast ${index} exactly once: handler totals ${JSON.stringify(handlerSums)}, connections by times received ` +
          `${JSON.stringify(byCount)}, work items by outcome ${JSON.stringify(outcomes)}, emulator ${JSON.stringify(stack.emulator.stats)}, ` +
          `errors: ${JSON.stringify(items.filter((l) => l.outcome !== 'completed' && l.outcome !== 'continued').slice(0, 3))}`);
      }
      const busyMs = items.reduce((n, l) => n + (l.durationMs as number), 0);
      const result: RunResult = {
        workers,
        connections: live.length,
        seconds: Math.round(seconds * 100) / 100,
        deliveriesPerSecond: Math.round(live.length / seconds),
        perWorkerPerSecond: Math.round(live.length / seconds / workers),
        perInvocationPerSecondMedian: Math.round(median(items.filter((l) => l.durationMs > 0).map((l) => l.delivered / (l.durationMs / 1000)))),
        workItems: items.length,
        continuations: items.filter((l) => l.outcome === 'continued').length,
        overheadPerItemMs: Math.round(Math.max(0, seconds * 1000 * workers - busyMs) / items.length),
        maxInFlightPosts: stack.emulator.stats.maxInFlight,
      };
      runs.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await stack.stop();
    await sqs.stop();
  }

  const model = modelMillion(runs, o.timeoutMs, o.marginMs);
  const results = { when: new Date().toISOString(), machine: machine(), options: o, runs, model };
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(model, null, 2));
  console.log(`results: ${path.relative(process.cwd(), o.out)}`);
}

/**
 * 1,000,000 connections on AWS: T ≈ max(N / (W × r), N / B) + (invocations per worker) × o, with r the per-worker
 * rate measured with one worker (the only run whose worker has the CPU to itself here), B the pace budget, and o the
 * measured overhead per work item, for a 1-minute function with a 10 s margin (a continuation every 50 s).
 */
function modelMillion(runs: RunResult[], timeoutMs: number, marginMs: number) {
  const N = 1_000_000;
  const single = runs.find((r) => r.workers === 1) ?? runs[0];
  const r = single.perInvocationPerSecondMedian || single.perWorkerPerSecond;
  const o = single.overheadPerItemMs / 1000;
  const awsTimeout = 60;
  const awsMargin = 10;
  const row = (workers: number, budget: number) => {
    const sending = Math.max(N / (workers * r), N / budget);
    const invocationsPerWorker = Math.ceil(sending / (awsTimeout - awsMargin));
    const seconds = sending + invocationsPerWorker * o;
    return { workers, budget, bound: N / (workers * r) >= N / budget ? 'workers' : 'budget', invocationsPerWorker, seconds: Math.round(seconds) };
  };
  return {
    connections: N,
    measuredPerWorkerPerSecond: r,
    measuredOverheadPerItemMs: single.overheadPerItemMs,
    benchTimeoutMs: timeoutMs,
    benchMarginMs: marginMs,
    scenarios: [
      row(4, DEFAULT_BUDGET), row(16, DEFAULT_BUDGET), row(4, ACCOUNT_THROTTLE * 0.8), row(16, ACCOUNT_THROTTLE * 0.8),
      row(64, 50_000),
    ],
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
