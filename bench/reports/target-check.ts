/** Checks a run's rows against the targets' table: one line per ratio the rows allow. */
import { medianCpu } from './figures';
import { fmt, MB } from './format';
import type { Results, Row } from './results';
import { TARGETS, type Metric, type RowPick, type Target } from './targets';

const METRICS: Record<Metric, { readonly value: (r: Row) => number; readonly print: (n: number) => string }> = {
  'deliveries/s': { value: (r) => r.perSecond, print: (n) => fmt(n) },
  'CPU ms / 1k': { value: medianCpu, print: (n) => fmt(n, 1) },
  'max RSS MB': { value: (r) => r.maxRssBytes, print: (n) => fmt(n / MB) },
  'peak heap MB': { value: (r) => r.peakHeapUsedBytes, print: (n) => fmt(n / MB, 1) },
};

/** Each target, for every row its `of` picks that has a row to compare with, as a printable line. */
export function checkTargets(results: Results, targets: readonly Target[] = TARGETS): string[] {
  return targets.flatMap((target) => results.rows.filter((row) => picks(target.ratio.of, row)).flatMap((of) => {
    const over = results.rows.find((row) => picks(target.ratio.over, row)
      && row.connections === (target.ratio.over.connections ?? of.connections)
      && row.latencyMs === (target.ratio.over.latencyMs ?? of.latencyMs));
    return over ? [targetLine(target, of, over, results)] : [];
  }));
}

function picks(pick: RowPick, row: Row): boolean {
  return row.subject === pick.subject && row.kind === pick.kind
    && (pick.connections === undefined || row.connections === pick.connections)
    && (pick.latencyMs === undefined || row.latencyMs === pick.latencyMs);
}

function targetLine(target: Target, of: Row, over: Row, results: Results): string {
  const metric = METRICS[target.ratio.metric];
  const value = metric.value(of) / metric.value(over);
  const where = of.scenario === over.scenario ? of.scenario : `${of.scenario} ÷ ${over.scenario}`;
  const setting = `${of.latencyMs === undefined ? `${results.options.latencyMs} ms, ` : ''}in-flight ${of.inFlight ?? '–'}`;
  const figures = `${metric.print(metric.value(of))} ÷ ${metric.print(metric.value(over))} ${target.ratio.metric}`;
  return `issue ${target.issue}: ${target.name}, ${where} (${setting}): ${value.toFixed(2)} (${figures})${verdict(target, value)}`;
}

function verdict(target: Target, value: number): string {
  const threshold = target.threshold;
  if (!threshold) return '';
  const [sign, bound, met] = 'atLeast' in threshold
    ? ['≥', threshold.atLeast, value >= threshold.atLeast]
    : ['≤', threshold.atMost, value <= threshold.atMost];
  return ` (target ${sign} ${bound.toFixed(2)}): ${met ? 'met' : 'MISSED'}`;
}
