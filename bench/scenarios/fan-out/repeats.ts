import type { Row } from '../../reports/results';

/**
 * The row standing for a subject's repeated runs: the run with the median throughput (the lower one of an even
 * count), every run's rate, CPU and memory kept in `details.repeats`, every run's error in `error`.
 */
export function medianOfRepeats(rows: readonly Row[]): Row {
  const sorted = [...rows].sort((a, b) => a.perSecond - b.perSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (rows.length === 1) return median;
  return {
    ...median,
    details: {
      ...median.details,
      repeats: rows.map((r) => ({ perSecond: r.perSecond, cpuMsPer1000: r.cpuMsPer1000, maxRssBytes: r.maxRssBytes, othersCpuMs: r.othersCpuMs })),
    },
    ...(rows.some((r) => r.error) ? { error: rows.map((r) => r.error).filter(Boolean).join('; ') } : {}),
  };
}
