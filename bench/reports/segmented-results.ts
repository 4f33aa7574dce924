/** The results file of `npm run bench:segmented` (`bench/results/segmented-*.json`). */
import type { Machine } from './machine';
import type { MillionModel } from './million-model';

export interface SegmentedOptions {
  readonly connections: number;
  /** The worker concurrencies measured, one run (and one local system) each. */
  readonly workers: number[];
  /** `segmentedBroadcast.totalSegments`. */
  readonly segments: number;
  readonly latencyMs: number;
  /** The function's timeout. */
  readonly timeoutMs: number;
  /** `segmentedBroadcast.timeMargin`. */
  readonly marginMs: number;
  readonly out: string;
}

/** One broadcast through the split and the workers. */
export interface RunResult {
  readonly workers: number;
  readonly connections: number;
  /** Writing the table's rows before the run (not part of `seconds`). */
  readonly seedingSeconds: number;
  /** From the request's send to the queues drained. */
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly perWorkerPerSecond: number;
  /** Delivered / busy time of each invocation, median: what one invocation sustains while it runs. */
  readonly perInvocationPerSecondMedian: number;
  readonly workItems: number;
  readonly continuations: number;
  /** Worker-slot time not spent inside an invocation, per work item: receive, invoke and enqueue overhead. */
  readonly overheadPerItemMs: number;
  readonly maxInFlightPosts: number;
}

export interface SegmentedResults {
  readonly when: string;
  readonly machine: Machine;
  readonly options: SegmentedOptions;
  readonly runs: RunResult[];
  readonly model: MillionModel;
}
