import type { IncomingRecord } from './records';
import type { DeliveryCounts, RequestReport, WorkReport } from '../core/reports';

/** The answer to a direct invocation. */
export interface DirectSummary extends DeliveryCounts {
  readonly status: RequestReport['outcome'];
  readonly kind: RequestReport['kind'];
  readonly segments?: number;
  readonly error?: RequestReport['error'];
}

/** The answer to an SQS batch: the records SQS must deliver again (`ReportBatchItemFailures`). */
export interface SqsBatchResponse {
  readonly batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** Thrown so that Lambda retries: an SNS record or a direct invocation failed for a transient reason. */
export class TransientDeliveryError extends Error {
  constructor(readonly failures: readonly RequestReport[]) {
    super(`${failures.length} request(s) failed transiently and must be retried: ` +
      failures.map((f) => `${f.messageId}: ${f.error?.code} ${f.error?.message}`).join('; '));
    this.name = 'TransientDeliveryError';
  }
}

/**
 * The invocation's answer, per source: a direct invocation gets its {@link DirectSummary} (or a throw); a failed
 * SNS record throws, so that Lambda retries the event; SQS records (public or work items) get `batchItemFailures`
 * listing exactly the transient failures, the FIFO records held back behind one, and the invalid work items (so
 * that those reach the work DLQ).
 */
export function respond(
  records: readonly IncomingRecord[], requestReports: readonly RequestReport[], workReports: readonly WorkReport[],
): SqsBatchResponse | DirectSummary | void {
  if (records.length === 1 && records[0].source === 'direct') return directSummary(requestReports);
  const snsFailures = requestReports.filter((r) => r.source === 'sns' && r.outcome === 'failed');
  // Throwing retries the whole event, SQS records included: duplicates are acceptable, losing a message is not.
  if (snsFailures.length > 0) throw new TransientDeliveryError(snsFailures);
  if (!records.some((record) => record.source === 'sqs' || record.source === 'work')) return;
  return {
    batchItemFailures: [
      ...requestReports.filter((r) => r.source === 'sqs' && (r.outcome === 'failed' || r.outcome === 'blocked')).map((r) => r.messageId),
      ...workReports.filter((r) => r.outcome === 'failed' || r.outcome === 'invalid').map((r) => r.messageId),
    ].map((itemIdentifier) => ({ itemIdentifier })),
  };
}

function directSummary(requestReports: readonly RequestReport[]): DirectSummary {
  const { messageId: _m, source: _s, outcome, durationMs: _d, ...summary } = requestReports[0];
  if (outcome === 'failed') throw new TransientDeliveryError(requestReports);
  return { status: outcome, ...summary };
}
