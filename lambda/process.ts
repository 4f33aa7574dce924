import type { Context } from 'aws-lambda';
import { deliverAll, type DeliveryCounts, type DeliveryDeps, type DeliveryError, type DeliveryJob, type DeliveryStatus } from './deliver';
import { splitEvent, type IncomingRequest, type RequestSource } from './events';
import { parseRequestText, parseRequestValue, type ParseResult } from './request';
import type { RequestKind } from './targets';

/** The one structured line (and metric set) emitted per request. */
export interface RequestReport extends DeliveryCounts {
  readonly messageId: string;
  readonly source: RequestSource;
  readonly kind: RequestKind | 'invalid';
  readonly outcome: DeliveryStatus;
  readonly durationMs: number;
  readonly error?: DeliveryError;
}

/** Where reports go: the Powertools logger and metrics in the Lambda, a list in tests. */
export interface Reporter {
  report(report: RequestReport): void;
}

/** The answer to a direct invocation. */
export interface DirectSummary extends DeliveryCounts {
  readonly status: DeliveryStatus;
  readonly kind: RequestKind | 'invalid';
  readonly error?: DeliveryError;
}

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

const NO_COUNTS: DeliveryCounts = { targets: 0, delivered: 0, gone: 0, pruned: 0, retried: 0, failed: 0 };

function parse(item: IncomingRequest): ParseResult {
  switch (item.source) {
    case 'unknown':
      return { ok: false, error: { code: 'UNSUPPORTED_EVENT', message: item.reason } };
    case 'direct':
      return typeof item.value === 'string' ? parseRequestText(item.value) : parseRequestValue(item.value);
    default:
      return parseRequestText(item.body);
  }
}

/**
 * Handles one invocation: SQS records → `batchItemFailures` listing exactly the transient failures; SNS records →
 * resolves, or throws if one failed transiently; a direct invocation → a {@link DirectSummary}, or throws.
 * Invalid requests are reported and acknowledged: retrying them can never help.
 */
export async function processEvent(
  event: unknown, context: Pick<Context, 'awsRequestId'>, deps: DeliveryDeps, reporter: Reporter,
): Promise<SqsBatchResponse | DirectSummary | void> {
  const items = splitEvent(event, context);
  const reports: RequestReport[] = new Array(items.length);
  const jobs: Array<DeliveryJob & { index: number }> = [];
  items.forEach((item, index) => {
    const parsed = parse(item);
    if (parsed.ok) {
      jobs.push({ index, messageId: item.messageId, request: parsed.request });
    } else {
      reports[index] = {
        messageId: item.messageId, source: item.source, kind: 'invalid', outcome: 'invalid', ...NO_COUNTS, durationMs: 0, error: parsed.error,
      };
    }
  });

  const outcomes = await deliverAll(jobs, deps);
  outcomes.forEach(({ status, ...outcome }, i) => {
    const { index, messageId } = jobs[i];
    reports[index] = { messageId, source: items[index].source, outcome: status, ...outcome };
  });
  for (const report of reports) reporter.report(report);

  if (items.length === 1 && items[0].source === 'direct') {
    const { messageId: _m, source: _s, outcome, durationMs: _d, ...summary } = reports[0];
    if (outcome === 'failed') throw new TransientDeliveryError(reports);
    return { status: outcome, ...summary };
  }
  const snsFailures = reports.filter((r) => r.source === 'sns' && r.outcome === 'failed');
  // Throwing retries the whole event, SQS records included: duplicates are acceptable, losing a message is not.
  if (snsFailures.length > 0) throw new TransientDeliveryError(snsFailures);
  if (!items.some((item) => item.source === 'sqs')) return;
  return {
    batchItemFailures: reports
      .filter((r) => r.source === 'sqs' && r.outcome === 'failed')
      .map((r) => ({ itemIdentifier: r.messageId })),
  };
}
