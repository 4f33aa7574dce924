/**
 * The Lambda sizing model (issue 16), from a bench results file: the pusher's CPU per invocation fitted as
 * `fixed + perDelivery × connections` over its broadcast rows (least squares), hence deliveries per vCPU-second; then,
 * for each memory size (Lambda gives one vCPU at 1,769 MB, proportionally less below), the time of an inline
 * broadcast — the longer of its CPU time at that share and the Management API's bound (in flight ÷ latency) — and the
 * function's cost per million deliveries, next to API Gateway's price per million messages. Run by `bench/sizing.ts`.
 *
 * Prices: us-east-1 list prices (Lambda per GB-second and per request, API Gateway WebSocket per million messages up
 * to a billion a month); check the pricing pages for another Region. The vCPU is this machine's core: a Lambda vCPU of
 * another generation (or Graviton for arm64) runs the same code faster or slower, so re-measure where it matters.
 */
import * as path from 'path';
import { medianCpu } from '../reports/figures';
import { fmt, table } from '../reports/format';
import type { Results, Row } from '../reports/results';

export const PRICES = {
  /** Lambda duration, USD per GB-second. */
  gbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** Lambda requests, USD per invocation. */
  request: 0.2 / 1e6,
  /** API Gateway WebSocket messages (32 KB units), USD per message. */
  apiGatewayMessage: 1.0 / 1e6,
};
export type Arch = keyof typeof PRICES.gbSecond;
/** Lambda's CPU share: one vCPU at 1,769 MB. */
const MB_PER_VCPU = 1_769;
const MEMORY_SIZES = [512, 1_024, 1_769];
const BROADCASTS = [1_000, 10_000, 50_000];

/** `cpuMs = fixedMs + perDeliveryMs × connections`, fitted by least squares over the rows. */
export function fitCpu(rows: readonly Row[]): { fixedMs: number; perDeliveryMs: number } {
  const xs = rows.map((r) => r.connections);
  const ys = rows.map((r) => medianCpu(r) * r.connections / 1000);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const perDeliveryMs = sxy / sxx;
  return { fixedMs: my - perDeliveryMs * mx, perDeliveryMs };
}

/** Prints the fit of `results` (read from `file`), then the broadcast times and costs at each memory size. */
export function printSizing(file: string, results: Results, arch: Arch): void {
  const broadcasts = (subject: string) => results.rows.filter((r) => r.kind === 'broadcast' && r.subject === subject && !r.error);
  const rows = broadcasts('pusher');
  if (new Set(rows.map((r) => r.connections)).size < 2) throw new Error(`${file}: the pusher's broadcasts at two sizes at least are needed`);
  const { fixedMs, perDeliveryMs } = fitCpu(rows);
  const { latencyMs, inFlight } = results.options;
  // The rate the pusher reached with a core to itself: the Management API's bound as this emulator serves it (in
  // flight ÷ latency is the ideal, not reached exactly: each post also spends the emulator's own time).
  const apiBound = Math.max(...rows.map((r) => r.perSecond));
  const o = results.options;
  console.log(`From ${path.relative(process.cwd(), file)} (${o.tls ? 'HTTPS' : 'HTTP'}, ${o.warm ? 'warm' : 'first'} invocations, ` +
    `${latencyMs} ms, in-flight ${inFlight}, ${o.payloadBytes} B payload; ${results.machine.cpuModel}):\n`);
  console.log(table(['connections', 'measured CPU ms', 'model CPU ms', 'measured deliveries/s (one core)'],
    rows.map((r) => [fmt(r.connections), fmt(medianCpu(r) * r.connections / 1000), fmt(fixedMs + perDeliveryMs * r.connections), fmt(r.perSecond)])));
  console.log(`\n- CPU per invocation: ${fmt(fixedMs)} ms fixed + ${fmt(perDeliveryMs * 1000, 1)} ms per 1,000 deliveries` +
    ` → **${fmt(1000 / perDeliveryMs)} deliveries per vCPU-second**`);
  const bare = broadcasts('unsigned');
  if (new Set(bare.map((r) => r.connections)).size >= 2) {
    const b = fitCpu(bare);
    console.log(`- the bare unsigned client, same run: ${fmt(b.fixedMs)} ms fixed + ${fmt(b.perDeliveryMs * 1000, 1)} ms per 1,000`);
  }
  console.log(`- Management API bound: ${fmt(apiBound)} deliveries/s measured (${inFlight} in flight ÷ ${latencyMs} ms = ` +
    `${fmt(inFlight / (latencyMs / 1000))} ideal)\n`);
  console.log(memoryTable({ fixedMs, perDeliveryMs }, apiBound, arch));
}

/** Per memory size: the CPU share, the rate it allows, inline broadcast times and the cost per million deliveries. */
function memoryTable(fit: { fixedMs: number; perDeliveryMs: number }, apiBound: number, arch: Arch): string {
  const header = ['memory', 'vCPU', 'CPU-bound deliveries/s', ...BROADCASTS.map((n) => `inline broadcast ${fmt(n)}`),
    `function USD per million deliveries (${arch})`, 'API Gateway USD per million messages'];
  return table(header, MEMORY_SIZES.map((mb) => {
    const vcpu = mb / MB_PER_VCPU;
    const seconds = (n: number) => Math.max((fit.fixedMs + fit.perDeliveryMs * n) / 1000 / vcpu, n / apiBound);
    const perMillion = (seconds(50_000) * (mb / 1024) * PRICES.gbSecond[arch] + PRICES.request) * (1e6 / 50_000);
    return [`${fmt(mb)} MB`, vcpu.toFixed(2), fmt(Math.min(1000 / fit.perDeliveryMs * vcpu, apiBound)),
      ...BROADCASTS.map((n) => `${seconds(n).toFixed(n < 10_000 ? 2 : 1)} s`), `$${perMillion.toFixed(4)}`, `$${fmt(PRICES.apiGatewayMessage * 1e6, 2)}`];
  }));
}
