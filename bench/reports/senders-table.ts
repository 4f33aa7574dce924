import { medianCpu } from './figures';
import { fmt, ratio, table } from './format';
import type { Results, Row } from './results';

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
  return table(
    ['latency', 'path', 'CPU ms / 1k deliveries (median; runs)', '÷ signed raw CPU', 'one core\'s ceiling /s', 'deliveries/s (median run)',
      '÷ SDK deliveries/s', 'stack CPU s', 'others CPU s'],
    latencies.flatMap((latency) => sendersAt(latency, rows.filter((r) => r.latencyMs === latency))),
  );
}

function sendersAt(latency: number, at: readonly Row[]): string[][] {
  const signed = at.find((r) => r.subject === 'ceiling');
  const sdk = at.find((r) => r.subject === 'sdk');
  return Object.keys(SENDER_LABELS).flatMap((subject) => {
    const r = at.find((x) => x.subject === subject);
    if (!r) return [];
    const runs = (r.details.repeats as Array<{ cpuMsPer1000: number }> | undefined)?.map((x) => fmt(x.cpuMsPer1000, 0)).join(' / ');
    return [[
      `${latency} ms`,
      SENDER_LABELS[subject],
      fmt(medianCpu(r), 1) + (runs ? ` (${runs})` : ''),
      signed ? ratio(medianCpu(r), medianCpu(signed)) : '–',
      fmt(1_000_000 / medianCpu(r)),
      fmt(r.perSecond),
      ratio(r.perSecond, sdk?.perSecond),
      fmt(r.stackCpuMs / 1000, 1),
      r.othersCpuMs === undefined ? '–' : fmt(r.othersCpuMs / 1000, 1),
    ].map((cell, i) => (r.error && i === 1 ? `${cell} ⚠ ${r.error}` : cell))];
  });
}
