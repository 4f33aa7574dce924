/**
 * `npm run bench`: fan-out throughput, CPU time and memory of the bundled pusher against the local stack
 * (dynalite + the API Gateway emulator with a per-request latency), side by side with the AWS samples' baseline
 * and the ceiling (a bare load generator), on the same data and emulator; and the senders' comparison (issue 8):
 * the pusher, the SDK client alone, signed and unsigned raw HTTP at 0 and 20 ms. See BENCHMARKS.md.
 *
 * The stack runs in this process; every measured subject runs in a child process of its own.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import * as path from 'path';
import { parseArgs } from 'util';
import { machine, printReport, type Options, type Row, type Scenario } from './report';
import { buildSubjects, runSubject, WORK_DIR, type SubjectKind, type SubjectRun } from './subjects';
import { LOOPBACK_TLS_FILES, loopbackTls } from '../local/tls/loopback-tls';
import { LocalSystem } from '../local/system/local-system';
import { DEFAULTS, ENV } from '../src/shared/constants';

const HELP = `usage: npm run bench -- [options]
  --quick                 broadcasts to 2,000 and 10,000 only, a shorter sweep
  --sizes 1000,10000,...  broadcast sizes (default 1000,2000,10000,50000)
  --tls                   the emulator behind TLS (local/tls/ certificate, trusted by the subjects), as API Gateway is
  --warm                  the pusher and the raw HTTP subjects run once in setup first: the measured run is a warm
                          Lambda's (code compiled, sockets open), not a fresh process's first
  --latency MS            Management API latency added by the emulator (default 20)
  --in-flight N           MAX_IN_FLIGHT of the pusher and in-flight count of the ceiling (default ${DEFAULTS.MAX_IN_FLIGHT})
  --segments N            SCAN_SEGMENTS of the pusher (default ${DEFAULTS.SCAN_SEGMENTS})
  --sweep 8,16,...        MAX_IN_FLIGHT values to sweep (default 16,32,64,128,256,512; 'none' to skip)
  --sweep-size N          broadcast size of the sweep (default 10000)
  --multicast-users N     users of the multicast scenario, 3 connections each (default 1000)
  --sequential-sample N   posts measured for the sequential baseline (default 200)
  --payload-bytes N       approximate size of the pushed data (default 256)
  --subjects a,b,...      pusher,ceiling,unsigned,baseline-all,baseline-seq (default all); pusher-before: the build at
                          PUSHER_BEFORE_BUNDLE, in the same run
  --senders 0,20          latencies of the senders' comparison: pusher, sdk, ceiling (signed raw HTTP), unsigned
                          (default 0,20; 'none' to skip)
  --senders-size N        connections of the senders' comparison (default 10000)
  --senders-subjects a,b  subjects of the senders' comparison (default pusher,sdk,ceiling,unsigned)
  --senders-payload-bytes N  payload of the senders' comparison (default 60)
  --repeat N              run each subject N times, interleaved, and keep the median run (default 1)
  --pusher-heap-mb N      run the pusher with --max-old-space-size=N (shows the memory it really needs)
  --profile               write V8 CPU profiles of the stack and of each subject to .bench/profiles/
  --out FILE              results JSON (default bench/results/latest.json)`;

const CONNECTIONS_PER_USER = 3;


function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      'quick': { type: 'boolean' },
      'tls': { type: 'boolean' },
      'warm': { type: 'boolean' },
      'sizes': { type: 'string' },
      'latency': { type: 'string' },
      'in-flight': { type: 'string' },
      'segments': { type: 'string' },
      'sweep': { type: 'string' },
      'sweep-size': { type: 'string' },
      'multicast-users': { type: 'string' },
      'sequential-sample': { type: 'string' },
      'payload-bytes': { type: 'string' },
      'subjects': { type: 'string' },
      'senders': { type: 'string' },
      'senders-size': { type: 'string' },
      'senders-subjects': { type: 'string' },
      'senders-payload-bytes': { type: 'string' },
      'profile': { type: 'boolean' },
      'repeat': { type: 'string' },
      'pusher-heap-mb': { type: 'string' },
      'out': { type: 'string' },
      'help': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const list = (raw: string | undefined, fallback: number[], parse = positive) => (raw === undefined ? fallback
    : raw === 'none' ? [] : raw.split(',').map((v) => parse(v.replace(/_/g, ''))));
  const quick = values.quick ?? false;
  return {
    quick,
    sizes: list(values.sizes, quick ? [2_000, 10_000] : [1_000, 2_000, 10_000, 50_000]).sort((a, b) => a - b),
    tls: values.tls ?? false,
    warm: values.warm ?? false,
    latencyMs: values.latency === undefined ? 20 : Number(values.latency),
    inFlight: values['in-flight'] === undefined ? DEFAULTS.MAX_IN_FLIGHT : positive(values['in-flight']),
    scanSegments: values.segments === undefined ? DEFAULTS.SCAN_SEGMENTS : positive(values.segments),
    sweep: list(values.sweep, quick ? [16, 64, 256] : [16, 32, 64, 128, 256, 512]),
    sweepSize: values['sweep-size'] === undefined ? 10_000 : positive(values['sweep-size']),
    multicastUsers: values['multicast-users'] === undefined ? 1_000 : Number(values['multicast-users']),
    sequentialSample: values['sequential-sample'] === undefined ? 200 : positive(values['sequential-sample']),
    payloadBytes: values['payload-bytes'] === undefined ? 256 : positive(values['payload-bytes']),
    subjects: (values.subjects ?? 'pusher,ceiling,unsigned,baseline-all,baseline-seq').split(','),
    senders: list(values.senders, [0, 20], nonNegative),
    sendersSubjects: (values['senders-subjects'] ?? 'pusher,sdk,ceiling,unsigned').split(','),
    sendersSize: values['senders-size'] === undefined ? 10_000 : positive(values['senders-size']),
    sendersPayloadBytes: values['senders-payload-bytes'] === undefined ? 60 : positive(values['senders-payload-bytes']),
    profile: values.profile ?? false,
    repeat: values.repeat === undefined ? 1 : positive(values.repeat),
    pusherHeapMb: values['pusher-heap-mb'] === undefined ? undefined : positive(values['pusher-heap-mb']),
    out: values.out ?? path.join(__dirname, 'results', 'latest.json'),
  };
}

function nonNegative(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected an integer ≥ 0, got '${raw}'`);
  return n;
}

function positive(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${raw}'`);
  return n;
}

/** A notification of roughly `bytes` bytes once serialized, the same for every subject. */
function payload(bytes: number): Record<string, unknown> {
  const base = { type: 'announcement', id: 'bench-0001', at: '2025-01-01T00:00:00.000Z', text: '' };
  return { ...base, text: 'x'.repeat(Math.max(0, bytes - JSON.stringify(base).length)) };
}

/** The CPU profiler of this process (the stack: dynalite + emulator), when `--profile` is on. */
class StackProfiler {
  private readonly session = new Session();

  constructor(private readonly dir: string) {
    this.session.connect();
    this.session.post('Profiler.enable');
  }

  start(): void {
    this.session.post('Profiler.start');
  }

  async stop(name: string): Promise<void> {
    const profile = await new Promise<unknown>((resolve, reject) =>
      this.session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result.profile))));
    writeFileSync(path.join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}

class Bench {
  readonly rows: Row[] = [];
  /** Connection ids in seeding order; row i belongs to user `user-{floor(i / 3)}`. */
  private readonly ids: string[] = [];
  private readonly request: { data: Record<string, unknown> };
  private readonly profiler?: StackProfiler;
  private readonly profileDir = path.join(WORK_DIR, 'profiles');

  constructor(private readonly stack: LocalSystem, readonly options: Options) {
    this.request = { data: payload(options.payloadBytes) };
    if (options.profile) {
      mkdirSync(this.profileDir, { recursive: true });
      this.profiler = new StackProfiler(this.profileDir);
    }
  }

  /** Grows the table to `size` rows (virtual connections: a row and an in-memory receiver each). */
  async seed(size: number): Promise<number> {
    const started = Date.now();
    const users = Array.from({ length: size - this.ids.length }, (_, k) => `user-${Math.floor((this.ids.length + k) / CONNECTIONS_PER_USER)}`);
    for (let i = 0; i < users.length; i += 5_000) {
      const connections = await this.stack.connectVirtual(users.slice(i, i + 5_000));
      this.ids.push(...connections.map((c) => c.connectionId));
    }
    return Date.now() - started;
  }

  async broadcast(size: number): Promise<void> {
    const scenario: Scenario = { name: `broadcast ${size.toLocaleString('en-US')}`, kind: 'broadcast', connections: size, table: this.ids.length };
    await this.scenario(scenario, this.request, this.ids.slice(0, size), this.options.inFlight, this.options.subjects);
  }

  async multicast(users: number): Promise<void> {
    const request = { ...this.request, users: Array.from({ length: users }, (_, u) => `user-${u}`) };
    const targets = this.ids.slice(0, users * CONNECTIONS_PER_USER);
    const scenario: Scenario = {
      name: `multicast ${users.toLocaleString('en-US')}×${CONNECTIONS_PER_USER}`, kind: 'multicast', connections: targets.length, table: this.ids.length,
    };
    await this.scenario(scenario, request, targets, this.options.inFlight, this.options.subjects);
  }

  /**
   * Issue 8: what one delivery costs through each sender, at each latency, on the same emulator and connections.
   * The pusher broadcasts to the whole table (DynamoDB reads included); the others post to the same ids.
   */
  async senders(size: number, latencies: readonly number[]): Promise<void> {
    const request = { data: payload(this.options.sendersPayloadBytes) };
    try {
      for (const latencyMs of latencies) {
        this.stack.setFaults({ latencyMs });
        const scenario: Scenario = { name: `senders ${latencyMs} ms`, kind: 'senders', connections: size, table: this.ids.length, latencyMs };
        await this.scenario(scenario, request, this.ids.slice(0, size), this.options.inFlight, this.options.sendersSubjects);
      }
    } finally {
      this.stack.setFaults({ latencyMs: this.options.latencyMs });
    }
  }

  async sweep(size: number, values: readonly number[]): Promise<void> {
    for (const inFlight of values) {
      const scenario: Scenario = { name: `sweep ${size.toLocaleString('en-US')}`, kind: 'sweep', connections: size, table: this.ids.length };
      await this.scenario(scenario, this.request, this.ids.slice(0, size), inFlight, ['ceiling', 'pusher']);
    }
  }

  private async scenario(scenario: Scenario, request: object, targets: string[], inFlight: number, subjects: readonly string[]) {
    const idsFile = path.join(WORK_DIR, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(targets));
    const common = {
      ...this.stack.pusherEnv(),
      BENCH_REQUEST: JSON.stringify(request),
      BENCH_CALLBACK_URL: this.stack.emulator.callbackUrl,
      ...(this.options.warm ? { BENCH_WARM: 'true' } : {}),
      ...(this.options.tls ? { NODE_EXTRA_CA_CERTS: LOOPBACK_TLS_FILES.cert } : {}),
    };
    const order: Array<[string, SubjectKind, Record<string, string>]> = [
      ['ceiling', 'ceiling', { BENCH_IDS_FILE: idsFile, BENCH_IN_FLIGHT: String(inFlight) }],
      // The emulator's signature check is off for this one subject only (it sends no signature to check).
      ['unsigned', 'ceiling', { BENCH_IDS_FILE: idsFile, BENCH_IN_FLIGHT: String(inFlight), BENCH_SIGNED: 'false' }],
      ['sdk', 'sdk-sender', { BENCH_IDS_FILE: idsFile, BENCH_IN_FLIGHT: String(inFlight) }],
      ['pusher', 'pusher', {
        BENCH_HANDLER: process.env.PUSHER_BUNDLE || path.resolve(__dirname, '..', 'assets', 'lambda', 'pusher.lambda', 'index.js'),
        [ENV.MAX_IN_FLIGHT]: String(inFlight),
        [ENV.SCAN_SEGMENTS]: String(this.options.scanSegments),
      }],
      // Another build of the handler, measured in the same run (PUSHER_BEFORE_BUNDLE), e.g. to price a change.
      ...(process.env.PUSHER_BEFORE_BUNDLE ? [['pusher-before', 'pusher', {
        BENCH_HANDLER: process.env.PUSHER_BEFORE_BUNDLE,
        [ENV.MAX_IN_FLIGHT]: String(inFlight),
        [ENV.SCAN_SEGMENTS]: String(this.options.scanSegments),
      }] as [string, SubjectKind, Record<string, string>]] : []),
      ['baseline-all', 'baseline', { BENCH_MODE: 'promise-all', BENCH_TABLE: this.stack.table.tableName }],
      ['baseline-seq', 'baseline', {
        BENCH_MODE: 'sequential', BENCH_TABLE: this.stack.table.tableName, BENCH_SAMPLE: String(this.options.sequentialSample),
      }],
    ];
    const runs = new Map<string, Row[]>();
    // Repeats are interleaved (ceiling, pusher, ..., ceiling, pusher, ...) so that a busy spell hits every subject.
    for (let repeat = 0; repeat < this.options.repeat; repeat++) {
      for (const [subject, kind, env] of order.filter(([name]) => subjects.includes(name))) {
        const label = `${scenario.name}/${subject}/${inFlight}/${repeat + 1}`.replace(/[^\w]+/g, '-');
        process.stdout.write(`  ${scenario.name.padEnd(18)} ${subject.padEnd(13)} in-flight ${String(subject.startsWith('baseline') ? '-' : inFlight).padStart(3)} … `);
        const nodeArgs = kind === 'pusher' && this.options.pusherHeapMb ? [`--max-old-space-size=${this.options.pusherHeapMb}`] : [];
        const run = await this.measure(kind, { ...common, ...env }, label, nodeArgs, env.BENCH_SIGNED !== 'false');
        const row = this.row(scenario, subject, subject.startsWith('baseline') ? undefined : inFlight, targets.length, run.run, run.stack);
        runs.set(subject, [...(runs.get(subject) ?? []), row]);
        console.log(`${row.deliveries} deliveries in ${(row.wallMs / 1000).toFixed(1)} s: ${Math.round(row.perSecond)}/s` +
          `${row.sampled ? ` (sampled ${row.deliveries} of ${row.targets})` : ''}, CPU ${row.cpuMsPer1000.toFixed(1)} ms/1k, ` +
          `first post after ${row.firstRequestMs?.toFixed(0) ?? '–'} ms, max RSS ${(row.maxRssBytes / 2 ** 20).toFixed(0)} MB, others' CPU ${((row.othersCpuMs ?? 0) / 1000).toFixed(1)} s` +
          `${row.error ? `, ERROR ${row.error}` : ''}`);
      }
    }
    for (const rows of runs.values()) {
      // The run with the median throughput stands for the subject; every run's rate is kept in the results.
      const sorted = [...rows].sort((a, b) => a.perSecond - b.perSecond);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      this.rows.push(rows.length === 1 ? median : {
        ...median,
        details: {
          ...median.details,
          repeats: rows.map((r) => ({
            perSecond: r.perSecond, cpuMsPer1000: r.cpuMsPer1000, maxRssBytes: r.maxRssBytes, othersCpuMs: r.othersCpuMs,
          })),
        },
        ...(rows.some((r) => r.error) ? { error: rows.map((r) => r.error).filter(Boolean).join('; ') } : {}),
      });
    }
  }

  private async measure(kind: SubjectKind, env: Record<string, string>, label: string, nodeArgs: string[], signatureCheck: boolean) {
    let stackCpu = process.cpuUsage();
    let busy = machineBusyMs();
    let goAt = 0;
    this.stack.emulator.setSignatureCheck(signatureCheck);
    let run: SubjectRun;
    try {
      run = await runSubject(kind, {
        env,
        nodeArgs,
        profile: this.profiler ? { dir: this.profileDir, name: `${label}-subject` } : undefined,
        beforeGo: () => {
          this.stack.emulator.resetStats();
          this.profiler?.start();
          stackCpu = process.cpuUsage();
          busy = machineBusyMs();
          goAt = performance.now();
        },
      });
    } finally {
      this.stack.emulator.setSignatureCheck(true);
    }
    const cpu = process.cpuUsage(stackCpu);
    const busyNow = machineBusyMs();
    const machineMs = busy !== undefined && busyNow !== undefined ? busyNow - busy : undefined;
    await this.profiler?.stop(`${label}-stack`);
    const stackMs = (cpu.user + cpu.system) / 1000;
    // What other processes on the machine used meanwhile (the subject's CPU includes its exit, hence the floor).
    const othersMs = machineMs === undefined ? undefined
      : Math.max(0, machineMs - stackMs - (run.cpuUserUs + run.cpuSystemUs) / 1000);
    const emulator = this.stack.emulator.stats;
    const firstRequestMs = emulator.firstRequestAt === undefined ? undefined : emulator.firstRequestAt - goAt;
    return { run, stack: { cpuUs: cpu.user + cpu.system, othersMs, firstRequestMs, emulator } };
  }

  private row(scenario: Scenario, subject: string, inFlight: number | undefined, targets: number, run: SubjectRun,
    stack: { cpuUs: number; othersMs?: number; firstRequestMs?: number; emulator: LocalSystem['emulator']['stats'] }): Row {
    const delivered = stack.emulator.delivered;
    const details = run.details as {
      sampled?: boolean; posted?: number; read?: { wallMs: number; cpuUs: number }; send?: { wallMs: number; cpuUs: number };
    };
    const cpuUs = run.cpuUserUs + run.cpuSystemUs;
    let perSecond = delivered / (run.wallMs / 1000);
    let cpuMsPer1000 = cpuUs / 1000 / delivered * 1000;
    const sampled = details.sampled === true;
    if (sampled && details.read && details.send) {
      // Sequential baseline on a sample: the send loop's rate, and its CPU per post plus the read's CPU per row.
      perSecond = delivered / (details.send.wallMs / 1000);
      cpuMsPer1000 = (details.send.cpuUs / delivered + details.read.cpuUs / targets) * 1000 / 1000;
    }
    const pusherLog = run.lines.map(parseJson).find((line) => line?.message === 'request processed');
    const expected = sampled ? Math.min(targets, this.options.sequentialSample) : targets;
    const errors = [
      run.error,
      delivered !== expected ? `emulator delivered ${delivered}, expected ${expected}` : undefined,
      pusherLog && pusherLog.outcome !== 'delivered' ? `pusher outcome ${pusherLog.outcome}` : undefined,
    ].filter(Boolean);
    return {
      scenario: scenario.name,
      kind: scenario.kind,
      ...(scenario.latencyMs !== undefined ? { latencyMs: scenario.latencyMs } : {}),
      connections: scenario.connections,
      tableRows: scenario.table,
      subject,
      inFlight,
      targets,
      deliveries: delivered,
      sampled,
      wallMs: round(run.wallMs),
      perSecond: round(perSecond),
      cpuMsPer1000: round(cpuMsPer1000),
      cpuMs: round(cpuUs / 1000),
      maxRssBytes: run.maxRssBytes,
      peakRssBytes: run.peakRssBytes,
      peakHeapUsedBytes: run.peakHeapUsedBytes,
      startRssBytes: run.startRssBytes,
      startHeapUsedBytes: run.startHeapUsedBytes,
      stackCpuMs: round(stack.cpuUs / 1000),
      ...(stack.othersMs !== undefined ? { othersCpuMs: round(stack.othersMs) } : {}),
      ...(stack.firstRequestMs !== undefined ? { firstRequestMs: round(stack.firstRequestMs) } : {}),
      emulator: { byStatus: stack.emulator.byStatus, maxInFlight: stack.emulator.maxInFlight },
      details: { ...run.details, ...(pusherLog ? { log: pusherLog } : {}) },
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
  }
}

/** Busy CPU time of the whole machine so far (all processes), ms; undefined where /proc/stat is missing. */
function machineBusyMs(): number | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    // USER_HZ is 100 on Linux: a jiffy is 10 ms.
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return undefined;
  }
}

function parseJson(line: string): Record<string, any> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function main(): Promise<void> {
  const options = parseOptions();
  // The stack's own SDK client (seeding) runs on whatever Node.js the bench runs on: its upgrade notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  mkdirSync(WORK_DIR, { recursive: true });
  buildSubjects();
  const stack = await LocalSystem.start({
    seed: 6, ...(options.tls ? { tls: loopbackTls() } : {}),
  });
  stack.setFaults({ latencyMs: options.latencyMs });
  const bench = new Bench(stack, options);
  const seeding: Record<number, number> = {};
  try {
    console.log(`bench: ${options.latencyMs} ms Management API latency, in-flight ${options.inFlight}, ${options.scanSegments} scan segments, ` +
      `payload ${options.payloadBytes} B, ${options.tls ? 'HTTPS' : 'HTTP'}, ${options.warm ? 'warm' : 'first'} invocations, ` +
      `node ${process.version}, ${machine().cpus} CPUs`);
    const multicastRows = options.multicastUsers * CONNECTIONS_PER_USER;
    let multicastDone = false;
    let sweepDone = false;
    let sendersDone = false;
    const sizes = [...new Set([
      ...options.sizes, ...(options.sweep.length > 0 ? [options.sweepSize] : []), ...(options.senders.length > 0 ? [options.sendersSize] : []),
    ])].sort((a, b) => a - b);
    for (const size of sizes) {
      seeding[size] = await bench.seed(size);
      console.log(`table: ${size.toLocaleString('en-US')} rows (seeded in ${(seeding[size] / 1000).toFixed(1)} s)`);
      if (options.sizes.includes(size)) await bench.broadcast(size);
      if (!multicastDone && size >= multicastRows && options.multicastUsers > 0) {
        await bench.multicast(options.multicastUsers);
        multicastDone = true;
      }
      if (!sendersDone && size === options.sendersSize && options.senders.length > 0) {
        await bench.senders(size, options.senders);
        sendersDone = true;
      }
      if (!sweepDone && size === options.sweepSize && options.sweep.length > 0) {
        await bench.sweep(size, options.sweep);
        sweepDone = true;
      }
    }
  } finally {
    await stack.stop();
  }
  const results = {
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    options,
    seedingMs: seeding,
    rows: bench.rows,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  printReport(results);
  console.log(`\nresults: ${path.relative(process.cwd(), options.out)} (${results.durationS} s in all)`);
  if (bench.rows.some((row) => row.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
