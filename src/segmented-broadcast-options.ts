import { Duration } from 'aws-cdk-lib';

/**
 * Settings of the segmented broadcast: a broadcast or exclusion request to a big table is split into work items,
 * one per parallel-Scan segment, on an internal work queue consumed by the same function. Each worker sends page
 * by page, hands the rest of its segment to a continuation before its time runs out, carries connections that
 * still fail forward in follow-up work items, and paces its posts so that all workers together stay within
 * `sendRatePerSecond`.
 */
export interface SegmentedBroadcastOptions {
  /**
   * Split a broadcast or exclusion request when the connections table holds at least this many rows, from 0 to
   * 100,000,000.
   *
   * The rows are counted by a keys-only counting Scan that stops at this number, its answer reused for a minute.
   * 0 splits every one.
   *
   * @default 10000
   */
  readonly threshold?: number;

  /**
   * Parallel-Scan segments, hence work items, per split request, from 1 to 1,000.
   *
   * More segments than `workerConcurrency` keeps every worker busy.
   *
   * @default 16
   */
  readonly totalSegments?: number;

  /**
   * Maximum concurrent invocations processing work items, from 2 to 1,000.
   *
   * It is the work queue event source's maximum concurrency; the send rate is shared among them.
   *
   * @default 4
   */
  readonly workerConcurrency?: number;

  /**
   * `PostToConnection` requests per second of all workers together, from 1 to 1,000,000.
   *
   * API Gateway throttles the account at
   * 10,000 requests per second per Region (2,500 in some newer Regions), shared with every API of the account;
   * raise that quota in Service Quotas (API Gateway, "Throttle rate") before raising this.
   *
   * @default 3000
   */
  readonly sendRatePerSecond?: number;

  /**
   * A worker stops reading pages and enqueues a continuation when less than this time remains in its invocation.
   *
   * At least 1 second and less than the function's timeout; it must exceed the time to send one page (the page size
   * is derived from it).
   *
   * @default - a sixth of the function's timeout, at least 5 seconds (10 seconds for the default 1 minute)
   */
  readonly timeMargin?: Duration;

  /**
   * Work-item attempts for connections still failing after `maxAttempts` posts, from 1 to 20.
   *
   * They are carried forward in follow-up work items up to this many times, then counted as failed.
   *
   * @default 3
   */
  readonly maxCarryForwardAttempts?: number;
}
