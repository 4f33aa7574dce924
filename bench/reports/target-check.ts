/** Checks a run's rows against the targets' table: one result (and printed line) per ratio the rows allow. */
import { medianCpu } from './figures';
import { fmt, MB } from './format';
import type { Results, Row, TargetResult } from './results';
import { TARGETS, type Metric, type RowPick, type Target } from './targets';

const METRICS: Record<Metric, { readonly value: (r: Row) => number; readonly print: (n: number) => string }> = {
  'deliveries/s': { value: (r) => r.perSecond, print: (n) => fmt(n) },
  'CPU ms / 1k': { value: medianCpu, print: (n) => fmt(n, 1) },
  'max RSS MB': { value: (r) => r.maxRssBytes, print: (n) => fmt(n / MB) },
  'peak RSS MB': { value: (r) => r.peakRssBytes, print: (n) => fmt(n / MB) },
  'peak heap MB': { value: (r) => r.peakHeapUsedBytes, print: (n) => fmt(n / MB, 1) },
};

/** Each target, for every row its `of` picks that has a row to compare with ({@link overRow}). */
export function evaluateTargets(results: Pick<Results, 'rows' | 'options'>, targets: readonly Target[] = TARGETS): TargetResult[] {
  return targets.flatMap((target) => results.rows.filter((row) => picks(target.ratio.of, row)).flatMap((of) => {
    const over = overRow(target.ratio.over, of, results.rows);
    return over ? [evaluate(target, of, over, results.options.latencyMs)] : [];
  }));
}

/**
 * The row `of` is compared with: the one `pick` picks in the same scenario, or, when `pick` names a size or a latency
 * of its own, the one at that size and latency (another scenario: the 50,000 broadcast over the 10,000 one).
 */
function overRow(pick: RowPick, of: Row, rows: readonly Row[]): Row | undefined {
  const ownSetting = pick.connections !== undefined || pick.latencyMs !== undefined;
  return rows.find((row) => picks(pick, row) && (ownSetting
    ? row.connections === (pick.connections ?? of.connections) && row.latencyMs === (pick.latencyMs ?? of.latencyMs)
    : row.scenario === of.scenario));
}

function picks(pick: RowPick, row: Row): boolean {
  return row.subject === pick.subject && row.kind === pick.kind
    && (pick.connections === undefined || row.connections === pick.connections)
    && (pick.latencyMs === undefined || row.latencyMs === pick.latencyMs);
}

function evaluate(target: Target, of: Row, over: Row, latencyMs: number): TargetResult {
  const metric = METRICS[target.ratio.metric];
  const value = metric.value(of) / metric.value(over);
  const where = of.scenario === over.scenario ? of.scenario : `${of.scenario} ÷ ${over.scenario}`;
  const setting = `${of.latencyMs === undefined ? `${latencyMs} ms, ` : ''}in-flight ${of.inFlight ?? '–'}`;
  const figures = `${metric.print(metric.value(of))} ÷ ${metric.print(metric.value(over))} ${target.ratio.metric}`;
  const met = metOf(target, value);
  return {
    issue: target.issue,
    name: target.name,
    scenario: where,
    metric: target.ratio.metric,
    of: metric.value(of),
    over: metric.value(over),
    ratio: Math.round(value * 1000) / 1000,
    ...(target.threshold ? { threshold: target.threshold, met } : {}),
    line: `issue ${target.issue}: ${target.name}, ${where} (${setting}): ${value.toFixed(2)} (${figures})${verdict(target, value, met)}`,
  };
}

function metOf(target: Target, value: number): boolean | undefined {
  const threshold = target.threshold;
  if (!threshold) return undefined;
  return 'atLeast' in threshold ? value >= threshold.atLeast : value <= threshold.atMost;
}

/** ` (target ≥ 0.90): met`, or `MISSED by 0.07` (how far the printed ratio is from the bound). */
function verdict(target: Target, value: number, met: boolean | undefined): string {
  const threshold = target.threshold;
  if (!threshold || met === undefined) return '';
  const [sign, bound] = 'atLeast' in threshold ? ['≥', threshold.atLeast] : ['≤', threshold.atMost];
  const miss = Math.abs(Number(value.toFixed(2)) - bound);
  return ` (target ${sign} ${bound.toFixed(2)}): ${met ? 'met' : `MISSED by ${miss < 0.01 ? '< 0.01' : miss.toFixed(2)}`}`;
}
