/** The bench's figures: the types of the results file and the markdown tables printed from it. */
import { execSync } from 'child_process';
import { cpus, totalmem } from 'os';

export interface Options {
  readonly quick: boolean;
  readonly sizes: number[];
  readonly latencyMs: number;
  readonly inFlight: number;
  readonly scanSegments: number;
  readonly sweep: number[];
  readonly sweepSize: number;
  readonly multicastUsers: number;
  readonly sequentialSample: number;
  readonly payloadBytes: number;
  readonly subjects: string[];
  /** Latencies of the senders' comparison (issue 8); empty: skipped. */
  readonly senders: number[];
  readonly sendersSize: number;
  /** Subjects of the senders' comparison (default pusher, sdk, ceiling, unsigned). */
  readonly sendersSubjects: readonly string[];
  readonly sendersPayloadBytes: number;
  /** The emulator behind TLS. */
  readonly tls?: boolean;
  /** Warm runs: each subject ran once in setup before the measured run. */
  readonly warm?: boolean;
  readonly profile: boolean;
  readonly repeat: number;
  readonly pusherHeapMb?: number;
  readonly out: string;
}

export interface Scenario {
  readonly name: string;
  readonly kind: 'broadcast' | 'multicast' | 'sweep' | 'senders';
  /** Target connections. */
  readonly connections: number;
  /** Rows in the table when it ran. */
  readonly table: number;
  /** The emulator's added latency, when the scenario sets its own (the senders' comparison). */
  readonly latencyMs?: number;
}

/** One subject in one scenario. */
export interface Row {
  readonly scenario: string;
  readonly kind: Scenario['kind'];
  readonly latencyMs?: number;
  readonly connections: number;
  readonly tableRows: number;
  readonly subject: string;
  /** MAX_IN_FLIGHT (pusher) or requests in flight (ceiling); undefined for the baselines. */
  readonly inFlight?: number;
  readonly targets: number;
  /** 200 answers the emulator counted during the run. */
  readonly deliveries: number;
  /** The sequential baseline posted to a sample of the targets only. */
  readonly sampled: boolean;
  readonly wallMs: number;
  readonly perSecond: number;
  readonly cpuMsPer1000: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
  readonly startRssBytes: number;
  readonly startHeapUsedBytes: number;
  /** CPU time of the stack process (dynalite + emulator) during the run. */
  readonly stackCpuMs: number;
  /** CPU time every other process on the machine used during the run (from /proc/stat): noise. */
  readonly othersCpuMs?: number;
  /** From "go" to the first Management API request the emulator received, ms: the fixed latency before sending starts. */
  readonly firstRequestMs?: number;
  readonly emulator: { readonly byStatus: Record<number, number>; readonly maxInFlight: number };
  readonly details: Record<string, unknown>;
  readonly error?: string;
}

export interface Results {
  readonly date: string;
  readonly durationS: number;
  readonly machine: ReturnType<typeof machine>;
  readonly options: Options;
  readonly seedingMs: Record<number, number>;
  readonly rows: Row[];
}

export function machine() {
  const shell = (command: string) => {
    try {
      return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    cpus: cpus().length,
    nproc: shell('nproc'),
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    kernel: shell('uname -r'),
  };
}

const MB = 2 ** 20;
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}` : '–');

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function find(rows: readonly Row[], scenario: string, subject: string, inFlight?: number): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.subject === subject && (inFlight === undefined || r.inFlight === inFlight));
}

/** Per scenario and subject: rate, ratios to the ceiling and baselines, CPU per 1,000 deliveries, memory. */
export function mainTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind !== 'sweep' && r.kind !== 'senders');
  return table(
    ['scenario', 'subject', 'in flight', 'deliveries', 'wall s', 'deliveries/s', '÷ ceiling', '÷ baseline all', '÷ baseline seq',
      'CPU ms / 1k', 'max RSS MB', 'peak heap MB', 'stack CPU s', 'others CPU s'],
    rows.map((r) => {
      const ceiling = find(rows, r.scenario, 'ceiling');
      return [
        r.scenario,
        r.subject,
        r.inFlight === undefined ? (r.subject === 'baseline-all' ? 'unbounded (50 sockets)' : '1') : String(r.inFlight),
        r.sampled ? `${fmt(r.deliveries)} of ${fmt(r.targets)} (sample)` : fmt(r.deliveries),
        fmt(r.wallMs / 1000, 1),
        fmt(r.perSecond),
        r.subject === 'ceiling' ? '1' : ratio(r.perSecond, ceiling?.perSecond),
        ratio(r.perSecond, find(rows, r.scenario, 'baseline-all')?.perSecond),
        ratio(r.perSecond, find(rows, r.scenario, 'baseline-seq')?.perSecond),
        fmt(r.cpuMsPer1000, 1),
        fmt(r.maxRssBytes / MB),
        fmt(r.peakHeapUsedBytes / MB, 1),
        fmt(r.stackCpuMs / 1000, 1),
        r.othersCpuMs === undefined ? '–' : fmt(r.othersCpuMs / 1000, 1),
      ].map((cell, i) => (r.error && i === 1 ? `${cell} ⚠ ${r.error}` : cell));
    }),
  );
}

/** How each subject's figures grow from the smallest to the largest broadcast. */
export function growthTable(results: Results): string {
  const broadcasts = results.rows.filter((r) => r.kind === 'broadcast');
  const sizes = [...new Set(broadcasts.map((r) => r.connections))].sort((a, b) => a - b);
  if (sizes.length < 2) return '(one broadcast size only)';
  const subjects = [...new Set(broadcasts.map((r) => r.subject))];
  const metric = (name: string, get: (r: Row) => number, digits = 0) => subjects.map((subject) => [
    name,
    subject,
    ...sizes.map((size) => {
      const row = broadcasts.find((r) => r.subject === subject && r.connections === size);
      return row ? fmt(get(row), digits) : '–';
    }),
    ratio(get(broadcasts.find((r) => r.subject === subject && r.connections === sizes[sizes.length - 1])!),
      get(broadcasts.find((r) => r.subject === subject && r.connections === sizes[0])!)),
  ]);
  return table(
    ['metric', 'subject', ...sizes.map((s) => `${fmt(s)} conns`), `${fmt(sizes[sizes.length - 1])} ÷ ${fmt(sizes[0])}`],
    [
      ...metric('deliveries/s', (r) => r.perSecond),
      ...metric('CPU ms / 1k', (r) => r.cpuMsPer1000, 1),
      ...metric('max RSS MB', (r) => r.maxRssBytes / MB),
      ...metric('peak heap MB', (r) => r.peakHeapUsedBytes / MB, 1),
    ],
  );
}

/** Throughput of the pusher and the ceiling for each in-flight value. */
export function sweepTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'sweep');
  const values = [...new Set(rows.map((r) => r.inFlight!))].sort((a, b) => a - b);
  let previous: number | undefined;
  return table(
    ['in flight', 'ceiling /s', 'pusher /s', 'pusher ÷ ceiling', 'pusher gain vs previous', 'pusher CPU ms / 1k', 'pusher max RSS MB', 'stack CPU s (pusher run)',
      'others CPU s (pusher run)'],
    values.map((value) => {
      const ceiling = rows.find((r) => r.inFlight === value && r.subject === 'ceiling');
      const pusher = rows.find((r) => r.inFlight === value && r.subject === 'pusher');
      const gain = previous && pusher ? `${((pusher.perSecond / previous - 1) * 100).toFixed(0)} %` : '–';
      previous = pusher?.perSecond;
      return [
        String(value),
        ceiling ? fmt(ceiling.perSecond) : '–',
        pusher ? fmt(pusher.perSecond) : '–',
        ratio(pusher?.perSecond, ceiling?.perSecond),
        gain,
        pusher ? fmt(pusher.cpuMsPer1000, 1) : '–',
        pusher ? fmt(pusher.maxRssBytes / MB) : '–',
        pusher ? fmt(pusher.stackCpuMs / 1000, 1) : '–',
        pusher?.othersCpuMs === undefined ? '–' : fmt(pusher.othersCpuMs / 1000, 1),
      ];
    }),
  );
}

/** The median of the repeats' CPU per 1,000 deliveries (the row itself is the run with the median rate). */
export function medianCpu(r: Row): number {
  const repeats = (r.details.repeats as Array<{ cpuMsPer1000: number }> | undefined)?.map((x) => x.cpuMsPer1000) ?? [r.cpuMsPer1000];
  const sorted = [...repeats].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

const SENDER_LABELS: Record<string, string> = {
  pusher: 'pusher end to end (DynamoDB reads included)',
  sdk: 'SDK client `PostToConnectionCommand` alone',
  ceiling: 'signed raw HTTP (`@smithy/signature-v4`)',
  unsigned: 'unsigned raw HTTP',
};

/** Issue 8: CPU per 1,000 deliveries and deliveries per second of each sender, at each latency. */
export function sendersTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'senders');
  const latencies = [...new Set(rows.map((r) => r.latencyMs!))].sort((a, b) => a - b);
  const out: string[][] = [];
  for (const latency of latencies) {
    const at = rows.filter((r) => r.latencyMs === latency);
    const signed = at.find((r) => r.subject === 'ceiling');
    const sdk = at.find((r) => r.subject === 'sdk');
    for (const subject of ['pusher', 'sdk', 'ceiling', 'unsigned']) {
      const r = at.find((x) => x.subject === subject);
      if (!r) continue;
      const runs = (r.details.repeats as Array<{ cpuMsPer1000: number }> | undefined)?.map((x) => fmt(x.cpuMsPer1000, 0)).join(' / ');
      out.push([
        `${latency} ms`,
        SENDER_LABELS[subject] ?? subject,
        fmt(medianCpu(r), 1) + (runs ? ` (${runs})` : ''),
        signed ? ratio(medianCpu(r), medianCpu(signed)) : '–',
        fmt(1_000_000 / medianCpu(r)),
        fmt(r.perSecond),
        ratio(r.perSecond, sdk?.perSecond),
        fmt(r.stackCpuMs / 1000, 1),
        r.othersCpuMs === undefined ? '–' : fmt(r.othersCpuMs / 1000, 1),
      ].map((cell, i) => (r.error && i === 1 ? `${cell} ⚠ ${r.error}` : cell)));
    }
  }
  return table(
    ['latency', 'path', 'CPU ms / 1k deliveries (median; runs)', '÷ signed raw CPU', 'one core\'s ceiling /s', 'deliveries/s (median run)',
      '÷ SDK deliveries/s', 'stack CPU s', 'others CPU s'],
    out,
  );
}

/** The targets, as measured. */
export function targets(results: Results): string[] {
  const lines: string[] = [];
  const rows = results.rows.filter((r) => r.kind === 'broadcast');
  const pusher10k = rows.find((r) => r.subject === 'pusher' && r.connections === 10_000);
  const ceiling10k = rows.find((r) => r.subject === 'ceiling' && r.connections === 10_000);
  if (pusher10k && ceiling10k) {
    const r = pusher10k.perSecond / ceiling10k.perSecond;
    lines.push(`pusher ÷ ceiling at 10,000 connections, ${results.options.latencyMs} ms: ${r.toFixed(2)} (target ≥ 0.80): ${r >= 0.8 ? 'met' : 'MISSED'}`);
  }
  for (const size of [2_000, 10_000]) {
    const pusher = rows.find((r) => r.subject === 'pusher' && r.connections === size);
    const unsigned = rows.find((r) => r.subject === 'unsigned' && r.connections === size);
    if (!pusher || !unsigned) continue;
    const cpu = medianCpu(pusher) / medianCpu(unsigned);
    const rate = pusher.perSecond / unsigned.perSecond;
    const at = `at ${fmt(size)} connections, ${results.options.latencyMs} ms, in-flight ${results.options.inFlight}`;
    lines.push(`pusher ÷ unsigned raw HTTP, CPU per delivery ${at}: ${cpu.toFixed(2)} (target ≤ 1.50): ${cpu <= 1.5 ? 'met' : 'MISSED'}`);
    lines.push(`pusher ÷ unsigned raw HTTP, deliveries/s ${at}: ${rate.toFixed(2)} (target ≥ 0.90): ${rate >= 0.9 ? 'met' : 'MISSED'}`);
  }
  const senders = results.rows.filter((r) => r.kind === 'senders');
  for (const latency of [...new Set(senders.map((r) => r.latencyMs!))].sort((a, b) => a - b)) {
    const at = (subject: string) => senders.find((r) => r.latencyMs === latency && r.subject === subject);
    const pusher = at('pusher');
    const signed = at('ceiling');
    const sdk = at('sdk');
    if (pusher && signed) {
      const r = medianCpu(pusher) / medianCpu(signed);
      lines.push(`pusher ÷ signed raw HTTP, CPU per delivery at ${latency} ms: ${r.toFixed(2)} (target ≤ 1.50): ${r <= 1.5 ? 'met' : 'MISSED'}`);
    }
    if (pusher && sdk) {
      const r = pusher.perSecond / sdk.perSecond;
      const goal = latency === 0 ? ` (target ≥ 3.00): ${r >= 3 ? 'met' : 'MISSED'}` : '';
      lines.push(`pusher ÷ SDK client, deliveries/s at ${latency} ms: ${r.toFixed(2)}${goal}`);
    }
  }
  const pusher50k = rows.find((r) => r.subject === 'pusher' && r.connections === 50_000);
  if (pusher10k && pusher50k) {
    const rss = pusher50k.maxRssBytes / pusher10k.maxRssBytes;
    const heap = pusher50k.peakHeapUsedBytes / pusher10k.peakHeapUsedBytes;
    lines.push(`pusher peak memory 50,000 ÷ 10,000: max RSS ${rss.toFixed(2)}, peak heap ${heap.toFixed(2)} (target ≤ 1.50): ` +
      `${Math.max(rss, heap) <= 1.5 ? 'met' : 'MISSED'}`);
  }
  return lines;
}

export function printReport(results: Results): void {
  const variant = `${results.options.tls ? 'HTTPS' : 'HTTP'}, ${results.options.warm ? 'warm' : 'first'} invocations`;
  console.log(`\n## Results (${results.options.latencyMs} ms latency, in-flight ${results.options.inFlight}, ${results.options.scanSegments} scan segments, ${variant})\n`);
  console.log(mainTable(results));
  console.log('\n## Growth with the broadcast size\n');
  console.log(growthTable(results));
  if (results.rows.some((r) => r.kind === 'senders')) {
    console.log(`\n## Senders (issue 8: broadcast to ${fmt(results.options.sendersSize)}, payload ${results.options.sendersPayloadBytes} B, in-flight ${results.options.inFlight})\n`);
    console.log(sendersTable(results));
  }
  if (results.rows.some((r) => r.kind === 'sweep')) {
    console.log(`\n## In-flight sweep (broadcast to ${fmt(results.options.sweepSize)})\n`);
    console.log(sweepTable(results));
  }
  console.log('\n## Targets\n');
  for (const line of targets(results)) console.log(`- ${line}`);
}
