import type { LocalStreamRecord } from '../../aws/dynamodb/local-stream';
import type { Invocation } from '../function-runner';

/** What a stream function answers with `ReportBatchItemFailures`: the records to retry from, by sequence number. */
export interface StreamResponse {
  readonly batchItemFailures?: ReadonlyArray<{ readonly itemIdentifier?: unknown }> | null;
}

/**
 * Consecutive records invoked together: a batch as read, or what a partial failure, a retry or a bisection left of one.
 */
export interface Segment {
  readonly records: readonly LocalStreamRecord[];
  /** Retries counted against `MaximumRetryAttempts` (a bisection consumes none). */
  readonly retries: number;
  /** Invocations that carried these records (the on-failure record's `approximateInvokeCount`). */
  readonly invocations: number;
}

/** How an invocation went: all done, done up to the first record reported, or failed as a whole. */
export type Verdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly from: number }
  | { readonly kind: 'failure'; readonly functionError: boolean };

/**
 * The verdict on an invocation, as Lambda judges a stream batch: a function error fails it; without
 * `ReportBatchItemFailures` the answer is ignored; with it, no (or an empty) `batchItemFailures` is a success, the
 * lowest sequence number reported is where the retry starts, and an identifier that is empty, not a string or not a
 * record of the batch fails the whole batch.
 */
export function verdictOf(invocation: Invocation<StreamResponse>, records: readonly LocalStreamRecord[], reportBatchItemFailures: boolean): Verdict {
  if (invocation.error) return { kind: 'failure', functionError: true };
  const failures = reportBatchItemFailures ? invocation.result?.batchItemFailures : undefined;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', functionError: false };
  const indexes = failures.map((f) => records.findIndex((r) => typeof f?.itemIdentifier === 'string' && r.dynamodb.SequenceNumber === f.itemIdentifier));
  if (indexes.some((i) => i < 0)) return { kind: 'failure', functionError: false };
  return { kind: 'partial', from: Math.min(...indexes) };
}

/** The mapping's error handling. */
export interface RetryRules {
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: until the records expire (here: forever). */
  readonly maximumRetryAttempts: number;
}

/** What comes of a verdict: records done at the front, the segments to invoke next (in order), what is given up. */
export interface Step {
  readonly done: number;
  readonly next: readonly Segment[];
  readonly discarded?: Segment;
}

/**
 * The next step after an invocation of `segment` (its `invocations` counting it). A partial failure checkpoints the
 * records before the first reported one and retries the rest (with bisection on, this is the bisection at the reported
 * record); a failure is bisected into halves when asked and the segment holds more than one record, and otherwise
 * retried; a retry past `maximumRetryAttempts` gives the records up.
 */
export function stepAfter(segment: Segment, verdict: Verdict, rules: RetryRules): Step {
  const retried = (records: readonly LocalStreamRecord[], done: number): Step => {
    const rest = { records, retries: segment.retries + 1, invocations: segment.invocations };
    const exhausted = rules.maximumRetryAttempts >= 0 && rest.retries > rules.maximumRetryAttempts;
    return exhausted ? { done, next: [], discarded: rest } : { done, next: [rest] };
  };
  switch (verdict.kind) {
    case 'success': return { done: segment.records.length, next: [] };
    case 'partial': return retried(segment.records.slice(verdict.from), verdict.from);
    case 'failure': {
      if (!rules.bisectBatchOnFunctionError || segment.records.length < 2) return retried(segment.records, 0);
      const half = Math.ceil(segment.records.length / 2);
      return { done: 0, next: [{ ...segment, records: segment.records.slice(0, half) }, { ...segment, records: segment.records.slice(half) }] };
    }
  }
}
