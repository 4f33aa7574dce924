/** API Gateway's default account-level throttle per Region (shared by every API of the account). */
const ACCOUNT_THROTTLE = 10_000;
/** The construct's default budget. */
const DEFAULT_BUDGET = 3_000;

export type MillionModel = ReturnType<typeof modelMillion>;

/** What the model takes from each run of `npm run bench:segmented`. */
export interface MeasuredWorkers {
  readonly workers: number;
  readonly perWorkerPerSecond: number;
  readonly perInvocationPerSecondMedian: number;
  readonly overheadPerItemMs: number;
}

/**
 * 1,000,000 connections on AWS: T ≈ max(N / (W × r), N / B) + (invocations per worker) × o, with r the per-worker
 * rate measured with one worker (the only run whose worker has the CPU to itself here), B the pace budget, and o the
 * measured overhead per work item, for a 1-minute function with a 10 s margin (a continuation every 50 s).
 */
export function modelMillion(runs: readonly MeasuredWorkers[], timeoutMs: number, marginMs: number) {
  const N = 1_000_000;
  const single = runs.find((r) => r.workers === 1) ?? runs[0];
  const r = single.perInvocationPerSecondMedian || single.perWorkerPerSecond;
  const o = single.overheadPerItemMs / 1000;
  const awsTimeout = 60;
  const awsMargin = 10;
  const row = (workers: number, budget: number) => {
    const sending = Math.max(N / (workers * r), N / budget);
    const invocationsPerWorker = Math.ceil(sending / (awsTimeout - awsMargin));
    const seconds = sending + invocationsPerWorker * o;
    return { workers, budget, bound: N / (workers * r) >= N / budget ? 'workers' : 'budget', invocationsPerWorker, seconds: Math.round(seconds) };
  };
  return {
    connections: N,
    measuredPerWorkerPerSecond: r,
    measuredOverheadPerItemMs: single.overheadPerItemMs,
    benchTimeoutMs: timeoutMs,
    benchMarginMs: marginMs,
    scenarios: [
      row(4, DEFAULT_BUDGET), row(16, DEFAULT_BUDGET), row(4, ACCOUNT_THROTTLE * 0.8), row(16, ACCOUNT_THROTTLE * 0.8),
      row(64, 50_000),
    ],
  };
}
