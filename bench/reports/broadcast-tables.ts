/** The tables of the broadcasts and multicasts: every subject side by side, and how its figures grow with the size. */
import { findRow } from './figures';
import { fmt, MB, ratio, table } from './format';
import type { Results, Row } from './results';

/** Per scenario and subject: rate, ratios to the ceilings and baselines, CPU per 1,000 deliveries, memory. */
export function mainTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'broadcast' || r.kind === 'multicast');
  return table(
    ['scenario', 'subject', 'in flight', 'deliveries', 'wall s', 'deliveries/s', '÷ ceiling', '÷ ceiling-pusher', '÷ baseline all', '÷ baseline seq',
      'CPU ms / 1k', 'max RSS MB', 'peak heap MB', 'stack CPU s', 'others CPU s'],
    rows.map((r) => [
      r.scenario,
      r.subject,
      r.inFlight === undefined ? (r.subject === 'baseline-all' ? 'unbounded (50 sockets)' : '1') : String(r.inFlight),
      r.sampled ? `${fmt(r.deliveries)} of ${fmt(r.targets)} (sample)` : fmt(r.deliveries),
      fmt(r.wallMs / 1000, 1),
      fmt(r.perSecond),
      r.subject === 'ceiling' ? '1' : ratio(r.perSecond, findRow(rows, r.scenario, 'ceiling')?.perSecond),
      r.subject === 'ceiling-pusher' ? '1' : ratio(r.perSecond, findRow(rows, r.scenario, 'ceiling-pusher')?.perSecond),
      ratio(r.perSecond, findRow(rows, r.scenario, 'baseline-all')?.perSecond),
      ratio(r.perSecond, findRow(rows, r.scenario, 'baseline-seq')?.perSecond),
      fmt(r.cpuMsPer1000, 1),
      fmt(r.maxRssBytes / MB),
      fmt(r.peakHeapUsedBytes / MB, 1),
      fmt(r.stackCpuMs / 1000, 1),
      r.othersCpuMs === undefined ? '–' : fmt(r.othersCpuMs / 1000, 1),
    ].map((cell, i) => (r.error && i === 1 ? `${cell} ⚠ ${r.error}` : cell))),
  );
}

/** How each subject's figures grow from the smallest to the largest broadcast. */
export function growthTable(results: Results): string {
  const broadcasts = results.rows.filter((r) => r.kind === 'broadcast');
  const sizes = [...new Set(broadcasts.map((r) => r.connections))].sort((a, b) => a - b);
  if (sizes.length < 2) return '(one broadcast size only)';
  const subjects = [...new Set(broadcasts.map((r) => r.subject))];
  const at = (subject: string, size: number) => broadcasts.find((r) => r.subject === subject && r.connections === size);
  const metric = (name: string, get: (r: Row) => number, digits = 0) => subjects.map((subject) => [
    name,
    subject,
    ...sizes.map((size) => {
      const row = at(subject, size);
      return row ? fmt(get(row), digits) : '–';
    }),
    ratio(get(at(subject, sizes[sizes.length - 1])!), get(at(subject, sizes[0])!)),
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
