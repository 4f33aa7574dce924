import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { isFailure, runInOrder } from './ordered';
import { InvalidCheckError, parseCheck, type CheckResult } from './presence-check';
import { sumPresence } from './process-batch';
import { addCounts, type CheckBatchReport, type CheckFailure, type CheckOutcome } from './reports';
import type { PresenceCheck } from '../../../src/shared/presence';

export interface CheckBatchDeps {
  /** The presence check queue's ARN: a record from another queue is not a check. Undefined: presence is off. */
  readonly queueArn: string | undefined;
  readonly run: (check: PresenceCheck) => Promise<CheckResult>;
  readonly concurrency: number;
  readonly now: () => number;
}

export interface CheckBatchOutcome {
  /** Failed checks, and later checks of the same user (not attempted), by message id: SQS delivers them again. */
  readonly batchItemFailures: SQSBatchItemFailure[];
  readonly report: CheckBatchReport;
}

/** A message read: its check, or why it is none. */
type Parsed = { readonly record: SQSRecord; readonly check?: PresenceCheck; readonly invalid?: string };

/**
 * Handles a batch of presence checks: one user's checks one after the other, a failed one stopping that user's later
 * ones; an invalid message (not JSON, fields missing, another queue's) fails alone, so after the queue's receives it
 * is in the dead-letter queue, never crashing the batch.
 */
export async function processChecks(records: readonly SQSRecord[], deps: CheckBatchDeps): Promise<CheckBatchOutcome> {
  const started = deps.now();
  const parsed = records.map((record) => parse(record, deps.queueArn));
  const outcomes = await runInOrder(parsed, {
    key: (p) => (p.check ? `user:${p.check.userId}` : `message:${p.record.messageId}`),
    concurrency: deps.concurrency,
    stopAllOnFailure: false,
  }, async (p) => {
    if (!p.check) throw new InvalidCheckError(p.invalid ?? 'unreadable');
    return deps.run(p.check);
  });
  const failed: CheckFailure[] = [];
  let outcomeCounts: Partial<Record<CheckOutcome, number>> = {};
  outcomes.forEach((outcome, i) => {
    const { record, check, invalid } = parsed[i];
    const user = check ? { userId: check.userId } : {};
    if (outcome === 'skipped') failed.push({ messageId: record.messageId, ...user, code: 'BLOCKED', error: 'an earlier check of the user failed' });
    else if (isFailure(outcome)) failed.push({ messageId: record.messageId, ...user, code: invalid ? 'INVALID_CHECK' : 'CHECK_FAILED', error: outcome.error });
    else outcomeCounts = addCounts(outcomeCounts, { [outcome.result.outcome]: 1 });
  });
  const done = outcomes.flatMap((o) => (o !== 'skipped' && 'result' in o ? [o.result.counts] : []));
  return {
    batchItemFailures: failed.map((f) => ({ itemIdentifier: f.messageId })),
    report: {
      checks: records.length,
      outcomes: outcomeCounts,
      ...sumPresence(done),
      invalid: failed.filter((f) => f.code === 'INVALID_CHECK').length,
      failures: failed.length,
      durationMs: deps.now() - started,
      failed,
    },
  };
}

function parse(record: SQSRecord, queueArn: string | undefined): Parsed {
  if (queueArn === undefined) return { record, invalid: 'presence is not configured (EVENT_BUS_NAME is not set)' };
  if (record.eventSourceARN !== queueArn) return { record, invalid: `the message is from ${record.eventSourceARN}, not the presence check queue` };
  try {
    return { record, check: parseCheck(record.body) };
  } catch (e) {
    return { record, invalid: e instanceof InvalidCheckError ? e.reason : (e as Error).message };
  }
}
