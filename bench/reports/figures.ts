/** Figures read from the rows of a results file, shared by the tables, the targets and the sizing model. */
import type { Row } from './results';

/** The median of the repeats' CPU per 1,000 deliveries (the row itself is the run with the median rate). */
export function medianCpu(r: Row): number {
  const repeats = (r.details.repeats as Array<{ cpuMsPer1000: number }> | undefined)?.map((x) => x.cpuMsPer1000) ?? [r.cpuMsPer1000];
  const sorted = [...repeats].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

/** The row of `subject` in `scenario` (at `inFlight`, when given). */
export function findRow(rows: readonly Row[], scenario: string, subject: string, inFlight?: number): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.subject === subject && (inFlight === undefined || r.inFlight === inFlight));
}
