import type { WorkDeps } from './deps';
import { enqueue, logGivenUp } from './enqueue';
import { planFollowUps, type FollowUpOrigin } from './follow-ups';
import { parseWorkItem } from './parse-work-item';
import { workItemKind, type WorkItem } from './work-item';
import { ConnectionOrder } from '../core/delivery/connection-order';
import { lookUpTargets } from '../core/delivery/deliver';
import { BatchPruner } from '../core/delivery/pruner';
import { RequestRun } from '../core/delivery/request-run';
import { describeError, type DeliveryError } from '../core/errors';
import type { StartKey } from '../core/ports/connection-store';
import { zeroCounts, type DeliveryOutcome, type Remainder, type WorkOutcome, type WorkReport } from '../core/reports';

/** What sending a work item's connections came to, before its follow-ups are planned. */
interface ItemSent {
  readonly outcome: DeliveryOutcome;
  readonly pages: number;
  /** Where the unread rest of the segment starts, when it is left to a continuation. */
  readonly continueFrom?: StartKey;
  readonly lookupError?: unknown;
}

/**
 * Processes one work item: parse → send its pages, its carried-forward connections or its users → plan the
 * follow-ups (pure) → enqueue them (and dead-letter what is exhausted) → report. Follow-ups are enqueued before
 * the item is reported successful, so nothing is lost if the queue refuses them (the item fails and is redelivered).
 */
export async function runWorkItem(
  messageId: string, body: string, deps: WorkDeps, remainingMs: () => number,
): Promise<WorkReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const parsed = parseWorkItem(body, {
    userIdAttribute: deps.userIdAttribute,
    connectionIdAttribute: deps.connectionIdAttribute,
    maxCarryForwardAttempts: deps.config.maxCarryForwardAttempts,
    messageFormat: deps.messageFormat,
  });
  if (!parsed.ok) return invalidReport(messageId, parsed.reason, now() - started);
  const item = parsed.item;
  const sent = await sendItem(item, messageId, deps, remainingMs, now);
  let givenUpCount = 0;
  const report = (outcome: WorkOutcome, carried: number, error?: WorkReport['error']) =>
    workReport(item, messageId, sent, { outcome, carried, givenUp: givenUpCount, error, durationMs: now() - started, now: now() });

  const failure = stoppingError(sent);
  if (failure) return report('failed', 0, failure);
  if (sent.lookupError) {
    deps.log.warn('scan failed after some pages; continuing in a new work item', {
      requestId: item.requestId, messageId, segment: item.segment, error: describeError(sent.lookupError),
    });
  }
  const plan = planFollowUps(origin(item), remainderOf(item, sent), deps.config.maxCarryForwardAttempts);
  const where = { requestId: item.requestId, messageId, segment: item.segment, attempt: item.attempt };
  for (const dropped of plan.givenUp) givenUpCount += logGivenUp(dropped, where, deps);
  // Dead letters first: if the follow-ups then fail, the redelivered item dead-letters the same thing again, but a
  // follow-up chain enqueued twice would send twice.
  const enqueued = await enqueue(deps.deadLetters, plan.deadLetters) ?? await enqueue(deps.queue, plan.messages);
  if (enqueued) return report('failed', 0, enqueued);
  const permanent = sent.outcome.error?.code === 'PAYLOAD_TOO_LARGE' ? sent.outcome.error : undefined;
  // A reads item that left shards unread continued them (in a reads item or a continuation), as a segment item does.
  const continued = sent.continueFrom !== undefined || (item.reads !== undefined && (sent.outcome.remainder?.segments.length ?? 0) > 0);
  return report(continued ? 'continued' : 'completed', plan.requeued, permanent);
}

function origin(item: WorkItem): FollowUpOrigin {
  return {
    requestId: item.requestId,
    ...(item.id !== undefined ? { id: item.id } : {}),
    startedAt: item.startedAt,
    attempt: item.attempt,
    segment: item.segment,
    totalSegments: item.totalSegments,
    action: item.action ?? 'send',
    ...(item.raw ? { raw: true as const } : {}),
    ...(item.positions ? { positions: item.positions } : {}),
    ...(item.dataText !== undefined ? { dataText: item.dataText } : {}),
    excludeUsers: item.excludeUsers,
    excludeConnections: item.excludeConnections,
  };
}

function remainderOf(item: WorkItem, sent: ItemSent): Remainder {
  const remainder = sent.outcome.remainder;
  return {
    connections: remainder?.connections ?? [],
    ...(remainder?.closing ? { closing: remainder.closing } : {}),
    users: remainder?.users ?? [],
    alreadyReached: remainder?.alreadyReached ?? [],
    segments: [...remainder?.segments ?? [], ...sent.continueFrom
      ? [{
        segment: item.segment,
        totalSegments: item.totalSegments,
        startKey: sent.continueFrom,
        ...(item.channel !== undefined ? { channel: item.channel } : {}),
      }]
      : []],
  };
}

/**
 * Sends the item's carried-forward connections, its users and shard reads, or its Scan segment page by page: each
 * page settles before the clock is read; below the margin, the rest is left to a continuation from the page's
 * `LastEvaluatedKey` (a shard read's, to a `reads` item).
 */
async function sendItem(
  item: WorkItem, messageId: string, deps: WorkDeps, remainingMs: () => number, now: () => number,
): Promise<ItemSent> {
  const request = {
    action: item.action ?? 'send',
    users: new Set(item.users ?? []),
    connections: new Set<string>(),
    excludeUsers: item.excludeUsers,
    excludeConnections: item.excludeConnections,
    channels: item.reads ? [...new Set(item.reads.map((read) => read.channel))] : item.channel !== undefined ? [item.channel] : [],
    ...(item.payload ? { payload: item.payload, dataText: item.dataText } : {}),
    ...(item.envelopeId !== undefined ? { envelopeId: item.envelopeId } : {}),
  };
  const job = { messageId, request, ...(item.reads ? { reads: item.reads } : {}), ...(item.positions ? { positions: item.positions } : {}) };
  const run = new RequestRun(job, deps.workerDeps,
    new BatchPruner(deps.workerDeps), new ConnectionOrder(deps.workerDeps.sendSlots), now,
    { followUps: true, deadline: { remainingMs, marginMs: deps.config.timeMarginMs, pageSize: deps.config.pageSize } });
  if (item.connections) {
    for (const carried of item.connections) {
      const { userId, connectionId, channel } = carried;
      if (userId !== undefined && channel !== undefined) await run.offerSubscribers([{ userId, connectionId, channel }]);
      else if (userId !== undefined) await run.offerRow({ userId, connectionId });
      else await run.offerDirect(connectionId, new Set());
    }
    return { outcome: await run.finish(), pages: 0 };
  }
  if (item.users || item.reads) {
    await lookUpTargets(run, deps.workerDeps);
    return { outcome: await run.finish(), pages: 0 };
  }
  return sendSegment(item, run, deps, remainingMs);
}

/**
 * A Scan segment of the connections table, or a channel item's shard of the subscriptions table, page by page: each
 * page settles before the clock is read.
 */
async function sendSegment(item: WorkItem, run: RequestRun, deps: WorkDeps, remainingMs: () => number): Promise<ItemSent> {
  const channel = item.channel;
  const subscriptions = deps.workerDeps.subscriptions;
  if (channel !== undefined && !subscriptions) {
    return { outcome: await run.finish(), pages: 0, lookupError: new Error('a channel work item reached a pusher without the subscriptions table') };
  }
  const readPage = channel !== undefined
    ? async (key: StartKey | undefined) => {
      const page = await subscriptions!.queryShardPage(channel, item.segment, key, deps.config.pageSize);
      return { lastKey: page.lastKey, offer: () => run.offerSubscribers(page.rows) };
    }
    : async (key: StartKey | undefined) => {
      const page = await deps.store.scanPage(item.segment, item.totalSegments, key, deps.config.pageSize);
      return { lastKey: page.lastKey, offer: () => run.offerRows(page.rows) };
    };
  let pages = 0;
  let key = item.exclusiveStartKey;
  for (;;) {
    // At least one page per invocation, so that every item makes progress whatever the margin.
    if (pages > 0 && remainingMs() < deps.config.timeMarginMs) return { outcome: await run.finish(), pages, continueFrom: key };
    let page;
    try {
      page = await readPage(key);
    } catch (lookupError) {
      // Pages already sent are not sent again: the rest of the segment continues in a new item.
      const continueFrom = pages > 0 ? key : undefined;
      return { outcome: await run.finish(), pages, lookupError, ...(continueFrom ? { continueFrom } : {}) };
    }
    await page.offer();
    await run.settled();
    pages += 1;
    if (run.stopped || !page.lastKey) return { outcome: await run.finish(), pages };
    key = page.lastKey;
  }
}

/** Errors that fail the item without follow-ups: Forbidden (a configuration error), or a Scan failing on its first page. */
function stoppingError(sent: ItemSent): DeliveryError | undefined {
  // Forbidden (a configuration error) and any other transient failure the run could not hand on: the item is
  // retried, then lands in the DLQ, rather than report what it could not do as done.
  if (sent.outcome.status === 'failed') return sent.outcome.error;
  if (sent.lookupError !== undefined && sent.pages === 0) {
    return { code: 'LOOKUP_FAILED', message: `reading the connections table failed: ${describeError(sent.lookupError)}` };
  }
  return undefined;
}

interface Ending {
  readonly outcome: WorkOutcome;
  readonly carried: number;
  /** Connections and users given up by this item: counted in `failed`. */
  readonly givenUp: number;
  readonly error?: WorkReport['error'];
  readonly durationMs: number;
  readonly now: number;
}

function workReport(item: WorkItem, messageId: string, sent: ItemSent, end: Ending): WorkReport {
  const kind = workItemKind(item);
  const { outcome } = sent;
  return {
    requestId: item.requestId,
    messageId,
    kind,
    segment: item.segment,
    totalSegments: item.totalSegments,
    attempt: item.attempt,
    retargeted: kind === 'carry-forward' ? outcome.targets : 0,
    pages: sent.pages,
    targets: kind === 'carry-forward' ? 0 : outcome.targets,
    delivered: outcome.delivered,
    gone: outcome.gone,
    pruned: outcome.pruned,
    retried: outcome.retried,
    failed: outcome.failed + end.givenUp,
    closed: outcome.closed,
    channelDelivered: outcome.channelDelivered,
    outcome: end.outcome,
    carried: end.carried,
    continued: end.outcome === 'continued' ? 1 : 0,
    durationMs: end.durationMs,
    wallTimeMs: end.now - item.startedAt,
    ...(end.error ? { error: end.error } : {}),
  };
}

function invalidReport(messageId: string, reason: string, durationMs: number): WorkReport {
  return {
    requestId: 'unknown',
    messageId,
    kind: 'invalid',
    segment: -1,
    totalSegments: 0,
    attempt: 0,
    outcome: 'invalid',
    ...zeroCounts(),
    retargeted: 0,
    carried: 0,
    pages: 0,
    continued: 0,
    durationMs,
    wallTimeMs: 0,
    error: { code: 'INVALID_WORK_ITEM', message: reason },
  };
}
