/**
 * `npm run bench:segmented`: the segmented broadcast of the bundled pusher to 50,000 connections with 1, 4 and 16
 * concurrent workers, on the local system built from the template (dynalite, the API Gateway emulator with a
 * per-request latency, the template's queues on moto's SQS server and its event sources); then a model of 1,000,000
 * connections on AWS from the measured per-worker throughput and the account throttle. See BENCHMARKS.md.
 *
 * Needs moto (local/aws/moto/install-moto.sh). `BENCH_MAX_IN_FLIGHT=N` deploys the pusher with `maxInFlight: N`.
 */
import * as path from 'path';
import { parseCommand, type OptionValues } from './harness/options';
import { machine } from './reports/machine';
import { modelMillion } from './reports/million-model';
import { RESULTS_DIR, writeResults } from './reports/results-file';
import type { RunResult, SegmentedOptions, SegmentedResults } from './reports/segmented-results';
import { runWorkers } from './scenarios/segmented/segmented-run';

const COMMAND = {
  usage: 'npm run bench:segmented -- [options]',
  options: {
    'connections': { kind: 'integer', arg: 'N', help: 'virtual connections (default 50000)' },
    'workers': {
      kind: 'integers',
      arg: '1,4,16',
      help: 'worker concurrencies to measure, a local system each (default 1,4,16); 1: the construct\'s\nleast workerConcurrency, 2, with the work queue\'s event source capped at one worker',
    },
    'segments': { kind: 'integer', arg: 'N', help: 'segmentedBroadcast.totalSegments (default 16)' },
    'latency': { kind: 'integer', arg: 'MS', min: 0, help: 'Management API latency added by the emulator (default 20)' },
    'timeout-ms': { kind: 'integer', arg: 'N', min: 1_000, help: 'the function\'s timeout in ms, whole seconds (default 15000)' },
    'margin-ms': { kind: 'integer', arg: 'N', min: 1_000, help: 'segmentedBroadcast.timeMargin (default 3000)' },
    'out': { kind: 'text', arg: 'FILE', help: 'results JSON (default bench/results/segmented-latest.json)' },
  },
} as const;

function segmentedOptions(v: OptionValues<typeof COMMAND.options>): SegmentedOptions {
  const timeoutMs = v['timeout-ms'] ?? 15_000;
  if (timeoutMs % 1_000 !== 0) throw new Error(`--timeout-ms: a Lambda timeout is whole seconds, got ${timeoutMs}`);
  return {
    connections: v.connections ?? 50_000,
    workers: v.workers ?? [1, 4, 16],
    segments: v.segments ?? 16,
    latencyMs: v.latency ?? 20,
    timeoutMs,
    marginMs: v['margin-ms'] ?? 3_000,
    out: v.out ?? path.join(RESULTS_DIR, 'segmented-latest.json'),
  };
}

async function main(): Promise<void> {
  const o = segmentedOptions(parseCommand(COMMAND).values);
  // The stack's own SDK clients run on whatever Node.js the bench runs on: their upgrade notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  console.log(`segmented broadcast: ${o.connections.toLocaleString('en-US')} connections, workers ${o.workers.join('/')}, ` +
    `${o.segments} segments, ${o.latencyMs} ms latency, ${o.timeoutMs} ms timeout, ${o.marginMs} ms margin`);
  const runs: RunResult[] = [];
  for (const workers of o.workers) {
    const run = await runWorkers(o, workers);
    runs.push(run);
    console.log(JSON.stringify(run));
  }
  const model = modelMillion(runs, o.timeoutMs, o.marginMs);
  const results: SegmentedResults = { when: new Date().toISOString(), machine: machine(), options: o, runs, model };
  writeResults(o.out, results);
  console.log(JSON.stringify(model, null, 2));
  console.log(`results: ${path.relative(process.cwd(), o.out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
