/** One subject run as a row of the results: its rates and costs, checked against what the emulator delivered. */
import type { StackFigures } from '../../harness/measured-run';
import type { SubjectRun } from '../../harness/subject-process';
import { round } from '../../reports/format';
import type { Row, Scenario } from '../../reports/results';

export interface RowContext {
  readonly scenario: Scenario;
  readonly subject: string;
  /** Undefined for the baselines (they bound nothing). */
  readonly inFlight?: number;
  /** Target connections. */
  readonly targets: number;
  /** Posts of the sequential baseline (it reports a sample). */
  readonly sequentialSample: number;
}

interface Details {
  readonly sampled?: boolean;
  readonly read?: { wallMs: number; cpuUs: number };
  readonly send?: { wallMs: number; cpuUs: number };
}

export function toRow(context: RowContext, run: SubjectRun, stack: StackFigures): Row {
  const { scenario } = context;
  const cpuUs = run.cpuUserUs + run.cpuSystemUs;
  const pusherLog = run.lines.map(parseJson).find((line) => line?.message === 'request processed');
  const errors = problems(context, run, stack, pusherLog);
  return {
    scenario: scenario.name,
    kind: scenario.kind,
    ...(scenario.latencyMs !== undefined ? { latencyMs: scenario.latencyMs } : {}),
    ...(scenario.shards !== undefined ? { shards: scenario.shards } : {}),
    connections: scenario.connections,
    tableRows: scenario.table,
    subject: context.subject,
    inFlight: context.inFlight,
    targets: context.targets,
    deliveries: stack.emulator.delivered,
    ...rates(context, run, stack.emulator.delivered),
    wallMs: round(run.wallMs),
    cpuMs: round(cpuUs / 1000),
    maxRssBytes: run.maxRssBytes,
    peakRssBytes: run.peakRssBytes,
    peakHeapUsedBytes: run.peakHeapUsedBytes,
    startRssBytes: run.startRssBytes,
    startHeapUsedBytes: run.startHeapUsedBytes,
    stackCpuMs: round(stack.cpuUs / 1000),
    ...(stack.othersMs !== undefined ? { othersCpuMs: round(stack.othersMs) } : {}),
    ...(stack.firstRequestMs !== undefined ? { firstRequestMs: round(stack.firstRequestMs) } : {}),
    emulator: { byStatus: stack.emulator.byStatus, maxInFlight: stack.emulator.maxInFlight, deliveredBytes: stack.emulator.deliveredBytes },
    details: { ...run.details, ...(pusherLog ? { log: pusherLog } : {}) },
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
  };
}

/** Deliveries per second and CPU per 1,000 deliveries; the sequential baseline's from its send loop on a sample. */
function rates(context: RowContext, run: SubjectRun, delivered: number): Pick<Row, 'sampled' | 'perSecond' | 'cpuMsPer1000'> {
  const details = run.details as Details;
  const sampled = details.sampled === true;
  if (sampled && details.read && details.send) {
    // The send loop's rate, and its CPU per post plus the read's CPU per row.
    return {
      sampled,
      perSecond: round(delivered / (details.send.wallMs / 1000)),
      cpuMsPer1000: round((details.send.cpuUs / delivered + details.read.cpuUs / context.targets) * 1000 / 1000),
    };
  }
  return {
    sampled,
    perSecond: round(delivered / (run.wallMs / 1000)),
    cpuMsPer1000: round((run.cpuUserUs + run.cpuSystemUs) / 1000 / delivered * 1000),
  };
}

/** What went wrong: the subject's error, a delivery count other than expected, a pusher outcome other than delivered. */
function problems(context: RowContext, run: SubjectRun, stack: StackFigures, pusherLog: Record<string, any> | undefined): string[] {
  const delivered = stack.emulator.delivered;
  const expected = (run.details as Details).sampled === true ? Math.min(context.targets, context.sequentialSample) : context.targets;
  return [
    run.error,
    delivered !== expected ? `emulator delivered ${delivered}, expected ${expected}` : undefined,
    pusherLog && pusherLog.outcome !== 'delivered' ? `pusher outcome ${pusherLog.outcome}` : undefined,
  ].filter((e): e is string => Boolean(e));
}

function parseJson(line: string): Record<string, any> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
