import type { FanoutConfig } from './config';
import type { ConnectionKey, SegmentStore } from './connection-store';
import { BatchPruner, RequestRun, type DeliveryCounts, type DeliveryDeps, type DeliveryError, type DeliveryJob } from './deliver';
import type { NotificationRequest } from './request';
import {
  byteLength, carryForwardBodies, parseWorkItem, serializeWorkItem, type StartKey, type WorkItem, type WorkItemFields,
} from './work-item';
import { WorkQueueError, type WorkMessage, type WorkQueue } from './work-queue';
import { LIMITS } from '../src/shared/constants';

/** What the segmented broadcast logs besides its per-item lines. */
export interface FanoutLog {
  error(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface FanoutDeps {
  readonly config: FanoutConfig;
  readonly store: SegmentStore;
  readonly queue: WorkQueue;
  /** The delivery core's dependencies for workers: the same store, a paced sender. */
  readonly workerDeps: DeliveryDeps;
  /** Key attribute names, to validate a continuation's `exclusiveStartKey`. */
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly splitDecision: SplitDecision;
  readonly log: FanoutLog;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

/** How long a "the table is at least `threshold` rows" answer is reused by a container. */
const SIZE_CACHE_MS = 60_000;

/**
 * Whether broadcast-like requests are split: always with a threshold of 0, else when a counting Scan finds at least
 * `threshold` rows. DescribeTable's `ItemCount` is not used: DynamoDB refreshes it about every six hours (a new or
 * fast-growing table reads 0) and dynalite always reports 0. The answer is cached for a minute per container.
 */
export class SplitDecision {
  private cached?: { readonly split: boolean; readonly until: number };

  constructor(private readonly store: SegmentStore, private readonly threshold: number, private readonly now: () => number = Date.now) {}

  async shouldSplit(): Promise<boolean> {
    if (this.threshold === 0) return true;
    if (this.cached && this.now() < this.cached.until) return this.cached.split;
    const split = (await this.store.countUpTo(this.threshold)) >= this.threshold;
    this.cached = { split, until: this.now() + SIZE_CACHE_MS };
    return split;
  }
}

/** The split of one request: every segment's work item, or why the request must be delivered inline. */
export type SplitPlan =
  | { readonly ok: true; readonly messages: WorkMessage[] }
  | { readonly ok: false; readonly reason: string };

/** One work item per Scan segment, each carrying the payload and the exclusions, all within the SQS message limit. */
export function planSplit(job: DeliveryJob, config: FanoutConfig, startedAt: number): SplitPlan {
  const payloadText = job.request.payload.toString('utf8');
  const messages: WorkMessage[] = [];
  for (let segment = 0; segment < config.totalSegments; segment++) {
    const body = serializeWorkItem({
      requestId: job.messageId,
      segment,
      totalSegments: config.totalSegments,
      attempt: 1,
      startedAt,
      excludeUsers: job.request.excludeUsers,
      excludeConnections: job.request.excludeConnections,
    }, payloadText);
    if (byteLength(body) > LIMITS.MAX_SQS_MESSAGE_BYTES) {
      return {
        ok: false,
        reason: `a work item would be ${byteLength(body)} bytes (payload and exclusions), over SQS's ${LIMITS.MAX_SQS_MESSAGE_BYTES}`,
      };
    }
    messages.push({ body });
  }
  return { ok: true, messages };
}

/** `completed`: the item's slice is done; `continued`: a continuation was enqueued; `invalid`: malformed (DLQ). */
export type WorkOutcome = 'completed' | 'continued' | 'invalid' | 'failed';

/** The one structured line (and metric set) per work item. */
export interface WorkReport extends DeliveryCounts {
  readonly requestId: string;
  readonly messageId: string;
  readonly kind: 'segment' | 'carry-forward' | 'invalid';
  readonly segment: number;
  readonly totalSegments: number;
  readonly attempt: number;
  readonly outcome: WorkOutcome;
  /** Carried-forward connections this item attempted again (its `targets` counts first attempts only). */
  readonly retargeted: number;
  /** Connections handed to a follow-up work item. */
  readonly carried: number;
  /** Scan pages sent. */
  readonly pages: number;
  /** 1 when this item enqueued a continuation. */
  readonly continued: number;
  readonly durationMs: number;
  /** Since the request was split: the largest over a request's items is the request's wall time. */
  readonly wallTimeMs: number;
  readonly error?: DeliveryError | { readonly code: 'INVALID_WORK_ITEM' | 'ENQUEUE_FAILED'; readonly message: string };
}

/** At most this many carried ids are named in a log line. */
const LOGGED_IDS = 20;

/**
 * Processes one work item: a Scan segment page by page (each page settled before the time is checked; below the
 * margin, a continuation from the page's `LastEvaluatedKey` is enqueued and the item succeeds), or a list of
 * carried-forward connections. Connections still failing after their retries are carried forward in follow-up items
 * up to `maxAttempts`, then counted as failed. Follow-ups are enqueued before the item is reported successful.
 */
export async function runWorkItem(
  messageId: string, body: string, deps: FanoutDeps, remainingMs: () => number,
): Promise<WorkReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const parsed = parseWorkItem(body, {
    userIdAttribute: deps.userIdAttribute, connectionIdAttribute: deps.connectionIdAttribute, maxAttempts: deps.config.maxAttempts,
  });
  if (!parsed.ok) {
    return {
      requestId: 'unknown',
      messageId,
      kind: 'invalid',
      segment: -1,
      totalSegments: 0,
      attempt: 0,
      outcome: 'invalid',
      targets: 0,
      delivered: 0,
      gone: 0,
      pruned: 0,
      retried: 0,
      failed: 0,
      retargeted: 0,
      carried: 0,
      pages: 0,
      continued: 0,
      durationMs: now() - started,
      wallTimeMs: 0,
      error: { code: 'INVALID_WORK_ITEM', message: parsed.reason },
    };
  }
  const item = parsed.item;
  const carryForward = item.connections !== undefined;
  const request: NotificationRequest = {
    users: new Set(), connections: new Set(), excludeUsers: item.excludeUsers, excludeConnections: item.excludeConnections, payload: item.payload,
  };
  const carried: ConnectionKey[] = [];
  const run = new RequestRun({ messageId, request }, deps.workerDeps, new BatchPruner(deps.workerDeps), now, {
    carry: (key) => carried.push(key),
  });

  let pages = 0;
  let continueFrom: StartKey | undefined;
  let lookupError: Error | undefined;
  if (item.connections) {
    await run.offerRows(item.connections);
  } else {
    let key = item.exclusiveStartKey;
    for (;;) {
      // At least one page per invocation, so that every item makes progress whatever the margin.
      if (pages > 0 && remainingMs() < deps.config.timeMarginMs) {
        continueFrom = key;
        break;
      }
      let page;
      try {
        page = await deps.store.scanPage(item.segment, item.totalSegments, key, deps.config.pageSize);
      } catch (e) {
        lookupError = e as Error;
        // Pages already sent are not sent again: the rest of the segment continues in a new item.
        if (pages > 0) continueFrom = key;
        break;
      }
      await run.offerRows(page.rows);
      await run.settled();
      pages += 1;
      if (run.stopped || !page.lastKey) break;
      key = page.lastKey;
    }
  }
  const outcome = await run.finish();
  const counts: DeliveryCounts = {
    targets: carryForward ? 0 : outcome.targets,
    delivered: outcome.delivered,
    gone: outcome.gone,
    pruned: outcome.pruned,
    retried: outcome.retried,
    failed: outcome.failed,
  };
  const base = {
    requestId: item.requestId,
    messageId,
    kind: carryForward ? 'carry-forward' as const : 'segment' as const,
    segment: item.segment,
    totalSegments: item.totalSegments,
    attempt: item.attempt,
    retargeted: carryForward ? outcome.targets : 0,
    pages,
  };
  const finish = (result: WorkOutcome, carriedCount: number, error?: WorkReport['error']): WorkReport => ({
    ...base,
    ...counts,
    outcome: result,
    carried: carriedCount,
    continued: result === 'continued' ? 1 : 0,
    durationMs: now() - started,
    wallTimeMs: now() - item.startedAt,
    ...(error ? { error } : {}),
  });

  // Forbidden: a configuration error; the item is retried (then lands in the DLQ) until it is fixed.
  if (outcome.error?.code === 'FORBIDDEN') return finish('failed', 0, outcome.error);
  if (lookupError && pages === 0) {
    return finish('failed', 0, { code: 'LOOKUP_FAILED', message: `reading the connections table failed: ${lookupError.name}: ${lookupError.message}` });
  }
  if (lookupError) {
    deps.log.warn('scan failed after some pages; continuing in a new work item', {
      requestId: item.requestId, messageId, segment: item.segment, error: `${lookupError.name}: ${lookupError.message}`,
    });
  }

  const messages: WorkMessage[] = [];
  const payloadText = item.payload.toString('utf8');
  let carriedCount = 0;
  if (carried.length > 0) {
    if (item.attempt < deps.config.maxAttempts) {
      const { bodies, unsendable } = carryForwardBodies(followUpFields(item, item.attempt + 1), payloadText, carried);
      const delaySeconds = Math.min(LIMITS.MAX_SQS_DELAY_SECONDS, 2 ** (item.attempt - 1));
      messages.push(...bodies.map((b) => ({ body: b, delaySeconds })));
      carriedCount = carried.length - unsendable.length;
      giveUp(unsendable, 'too large to carry forward');
    } else {
      giveUp(carried, `still failing after ${deps.config.maxAttempts} work-item attempts`);
    }
  }
  if (continueFrom) {
    messages.push({
      body: serializeWorkItem({
        ...followUpFields(item, item.attempt),
        exclusiveStartKey: continueFrom,
        excludeUsers: item.excludeUsers,
        excludeConnections: item.excludeConnections,
      }, payloadText),
    });
  }
  if (messages.length > 0) {
    try {
      await deps.queue.send(messages);
    } catch (e) {
      const reason = e instanceof WorkQueueError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      return finish('failed', 0, { code: 'ENQUEUE_FAILED', message: reason });
    }
  }
  const permanent = outcome.error?.code === 'PAYLOAD_TOO_LARGE' ? outcome.error : undefined;
  return finish(continueFrom ? 'continued' : 'completed', carriedCount, permanent);

  function giveUp(keys: readonly ConnectionKey[], why: string) {
    if (keys.length === 0) return;
    counts.failed += keys.length;
    deps.log.error(`connections not delivered: ${why}`, {
      requestId: item.requestId,
      messageId,
      segment: item.segment,
      attempt: item.attempt,
      count: keys.length,
      connections: keys.slice(0, LOGGED_IDS).map((k) => k.connectionId),
    });
  }
}

function followUpFields(item: WorkItem, attempt: number): Omit<WorkItemFields, 'connections' | 'exclusiveStartKey'> {
  return { requestId: item.requestId, segment: item.segment, totalSegments: item.totalSegments, attempt, startedAt: item.startedAt };
}
