/**
 * `npm run bench`: fan-out throughput, CPU time and memory of the bundled pusher against the local stack
 * (dynalite + the API Gateway emulator with a per-request latency), side by side with the AWS samples' baseline
 * and the ceiling (a bare load generator), on the same data and emulator; and the senders' comparison (issue 8):
 * the pusher, the SDK client alone, signed and unsigned raw HTTP at 0 and 20 ms; and the channel fan-out (issue 24): a
 * publish to one channel's subscribers beside the bare client. See BENCHMARKS.md.
 *
 * The stack runs in this process; every measured subject runs in a child process of its own.
 */
import * as path from 'path';
import { parseCommand, type OptionValues } from './harness/options';
import { buildSubjects } from './harness/subject-process';
import { machine } from './reports/machine';
import { printReport } from './reports/print-report';
import type { BenchOptions, Results } from './reports/results';
import { RESULTS_DIR, writeResults } from './reports/results-file';
import { evaluateTargets } from './reports/target-check';
import { VirtualTable } from './scenarios/fan-out/fan-out';
import { runScenarios } from './scenarios/fan-out/plan';
import { ScenarioRunner } from './scenarios/fan-out/scenario-runner';
import { SUBJECT_PROGRAMS } from './subjects/line-up';
import { LocalSystem } from '../local/system/local-system';
import { loopbackTls } from '../local/tls/loopback-tls';
import { DEFAULTS } from '../src/shared/constants';

const COMMAND = {
  usage: 'npm run bench -- [options]',
  options: {
    'quick': { kind: 'flag', help: 'broadcasts to 2,000 and 10,000 only, a shorter sweep, the channel fan-out with 1 shard only' },
    'sizes': { kind: 'integers', arg: '1000,10000,...', help: 'broadcast sizes (default 1000,2000,10000,50000)' },
    'tls': { kind: 'flag', help: 'the emulator behind TLS (local/tls/ certificate, trusted by the subjects), as API Gateway is' },
    'warm': {
      kind: 'flag',
      help: 'the pusher and the raw HTTP subjects run once in setup first: the measured run is a warm\nLambda\'s (code compiled, sockets open), not a fresh process\'s first',
    },
    'latency': { kind: 'integer', arg: 'MS', min: 0, help: 'Management API latency added by the emulator (default 20)' },
    'in-flight': { kind: 'integer', arg: 'N', help: `MAX_IN_FLIGHT of the pusher and in-flight count of the ceiling (default ${DEFAULTS.MAX_IN_FLIGHT})` },
    'segments': { kind: 'integer', arg: 'N', help: `SCAN_SEGMENTS of the pusher (default ${DEFAULTS.SCAN_SEGMENTS})` },
    'sweep': { kind: 'integers', arg: '8,16,...', help: 'MAX_IN_FLIGHT values to sweep (default 16,32,64,128,256,512; \'none\' to skip)' },
    'sweep-size': { kind: 'integer', arg: 'N', help: 'broadcast size of the sweep (default 10000)' },
    'multicast-users': { kind: 'integer', arg: 'N', min: 0, help: 'users of the multicast scenario, 3 connections each (default 1000)' },
    'multicast-one': {
      kind: 'integer', arg: 'N', min: 0, help: 'users of the one-connection multicast (issue 28), each its own Query (default 10000; 0 to skip)',
    },
    'small-multicast': {
      kind: 'integer', arg: 'N', min: 0, help: 'invocations of the small multicast (1 user × 3, one after the other; issue 28) (default 200; 0 to skip)',
    },
    'sequential-sample': { kind: 'integer', arg: 'N', help: 'posts measured for the sequential baseline (default 200)' },
    'payload-bytes': { kind: 'integer', arg: 'N', help: 'approximate size of the pushed data (default 256)' },
    'subjects': {
      kind: 'names',
      arg: 'a,b,...',
      help: 'pusher,ceiling,ceiling-pusher,unsigned,baseline-all,baseline-seq (default all); pusher-before: the\nbuild at PUSHER_BEFORE_BUNDLE, in the same run',
    },
    'senders': {
      kind: 'integers',
      arg: '0,20',
      min: 0,
      help: 'latencies of the senders\' comparison: pusher, sdk, ceiling (signed raw HTTP), unsigned\n(default 0,20; \'none\' to skip)',
    },
    'senders-size': { kind: 'integer', arg: 'N', help: 'connections of the senders\' comparison (default 10000)' },
    'senders-subjects': { kind: 'names', arg: 'a,b', help: 'subjects of the senders\' comparison (default pusher,sdk,ceiling,unsigned)' },
    'senders-payload-bytes': { kind: 'integer', arg: 'N', help: 'payload of the senders\' comparison (default 60)' },
    'channels': {
      kind: 'integers',
      arg: '10000,...',
      help: 'subscribers of the channel fan-out (issue 24): a publish to one channel, the pusher beside the\nunsigned client (default 10000; \'none\' to skip)',
    },
    'channel-shards': { kind: 'integers', arg: '1,4', help: 'CHANNEL_SHARDS of each channel fan-out (default 1,4; --quick: 1)' },
    'repeat': { kind: 'integer', arg: 'N', help: 'run each subject N times, interleaved, and keep the median run (default 1)' },
    'pusher-heap-mb': { kind: 'integer', arg: 'N', help: 'run the pusher with --max-old-space-size=N (shows the memory it really needs)' },
    'profile': { kind: 'flag', help: 'write V8 CPU profiles of the stack and of each subject to .bench/profiles/' },
    'out': { kind: 'text', arg: 'FILE', help: 'results JSON (default bench/results/latest.json)' },
  },
} as const;

/** The command line with every default filled in. */
function benchOptions(v: OptionValues<typeof COMMAND.options>): BenchOptions {
  const quick = v.quick ?? false;
  return {
    quick,
    sizes: [...v.sizes ?? (quick ? [2_000, 10_000] : [1_000, 2_000, 10_000, 50_000])].sort((a, b) => a - b),
    tls: v.tls ?? false,
    warm: v.warm ?? false,
    latencyMs: v.latency ?? 20,
    inFlight: v['in-flight'] ?? DEFAULTS.MAX_IN_FLIGHT,
    scanSegments: v.segments ?? DEFAULTS.SCAN_SEGMENTS,
    sweep: v.sweep ?? (quick ? [16, 64, 256] : [16, 32, 64, 128, 256, 512]),
    sweepSize: v['sweep-size'] ?? 10_000,
    multicastUsers: v['multicast-users'] ?? 1_000,
    multicastOnePerUser: v['multicast-one'] ?? 10_000,
    smallMulticast: v['small-multicast'] ?? 200,
    sequentialSample: v['sequential-sample'] ?? 200,
    payloadBytes: v['payload-bytes'] ?? 256,
    subjects: v.subjects ?? ['pusher', 'ceiling', 'ceiling-pusher', 'unsigned', 'baseline-all', 'baseline-seq'],
    senders: v.senders ?? [0, 20],
    sendersSubjects: v['senders-subjects'] ?? ['pusher', 'sdk', 'ceiling', 'unsigned'],
    sendersSize: v['senders-size'] ?? 10_000,
    sendersPayloadBytes: v['senders-payload-bytes'] ?? 60,
    channels: v.channels ?? [10_000],
    channelShards: v['channel-shards'] ?? (quick ? [1] : [1, 4]),
    profile: v.profile ?? false,
    repeat: v.repeat ?? 1,
    pusherHeapMb: v['pusher-heap-mb'],
    out: v.out ?? path.join(RESULTS_DIR, 'latest.json'),
  };
}

async function main(): Promise<void> {
  const options = benchOptions(parseCommand(COMMAND).values);
  // The stack's own SDK client (seeding) runs on whatever Node.js the bench runs on: its upgrade notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  buildSubjects(SUBJECT_PROGRAMS);
  const system = await LocalSystem.start({ seed: 6, ...(options.tls ? { tls: loopbackTls() } : {}) });
  system.setFaults({ latencyMs: options.latencyMs });
  const runner = new ScenarioRunner(system, options);
  let seedingMs: Record<number, number>;
  try {
    console.log(`bench: ${options.latencyMs} ms Management API latency, in-flight ${options.inFlight}, ${options.scanSegments} scan segments, ` +
      `payload ${options.payloadBytes} B, ${options.tls ? 'HTTPS' : 'HTTP'}, ${options.warm ? 'warm' : 'first'} invocations, ` +
      `node ${process.version}, ${machine().cpus} CPUs`);
    seedingMs = await runScenarios({ options, system, table: new VirtualTable(system), runner });
  } finally {
    await system.stop();
  }
  const run = {
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    options,
    seedingMs,
    rows: runner.rows,
  };
  const results: Results = { ...run, targets: evaluateTargets(run) };
  writeResults(options.out, results);
  printReport(results);
  console.log(`\nresults: ${path.relative(process.cwd(), options.out)} (${results.durationS} s in all)`);
  if (results.rows.some((row) => row.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
