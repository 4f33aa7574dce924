import type { EventBridgeDelivery } from './eventbridge';
import type { ActivityFeed } from '../activity';
import type { Invocation } from '../lambda-runtime/function-runner';

/**
 * The functions' own report lines, as activities: a request or work item the pusher processed (its `request processed`
 * / `work item processed` line), a client frame the channels function handled (`frame handled`), a batch of the
 * connection stream function or of presence checks; any other line a function wrote, and a function that threw.
 * Metrics (EMF lines) are left out. Report lines are read from the construct's own functions only (`reports`).
 */
export function emitInvocation(feed: ActivityFeed, logicalId: string, invocation: Invocation, reports = true): void {
  for (const line of invocation.lines.filter((l) => l.trim())) {
    const json = parsed(line);
    if (json?._aws) continue;
    // An app's function that writes a line like a report is not taken for the pusher: `reports` is for the construct's.
    if (!json || !reports || !emitReport(feed, json)) feed.emit({ kind: 'function', logicalId, line });
  }
  if (invocation.error) feed.emit({ kind: 'function', logicalId, line: `threw ${invocation.error.name}: ${invocation.error.message}`, error: true });
}

/** An event put on a bus, with the rules it matched and their targets. */
export function emitEvent(feed: ActivityFeed, { bus, event, rules }: EventBridgeDelivery): void {
  feed.emit({
    kind: 'event',
    bus,
    source: event.source,
    detailType: event['detail-type'],
    detail: event.detail,
    rules: rules.map((r) => ({ rule: r.logicalId, targets: r.targets })),
  });
}

const COUNTS = ['targets', 'delivered', 'gone', 'pruned', 'failed', 'closed'] as const;
const STREAM_FIGURES = ['removals', 'ttlRemovals', 'subscriptionsDeleted', 'failures'];

/** Emits a report line as its activity; false when the line is not a report. */
function emitReport(feed: ActivityFeed, line: Record<string, any>): boolean {
  switch (line.message) {
    case 'request processed':
    case 'work item processed':
      feed.emit({
        kind: 'request',
        source: line.message === 'request processed' ? String(line.source) : 'work item',
        requestKind: String(line.kind),
        outcome: String(line.outcome),
        counts: Object.fromEntries(COUNTS.map((c) => [c, Number(line[c] ?? 0)])) as Record<typeof COUNTS[number], number>,
        ...(line.error ? { error: { code: String(line.error.code), message: String(line.error.message) } } : {}),
      });
      return true;
    case 'frame handled':
      feed.emit({
        kind: 'channel',
        action: String(line.action ?? line.routeKey ?? 'frame'),
        ...(line.channel !== undefined ? { channel: String(line.channel) } : {}),
        ...(line.userId !== undefined ? { userId: String(line.userId) } : {}),
        ...(line.connectionId !== undefined ? { connectionId: String(line.connectionId) } : {}),
        outcome: String(line.outcome),
        ...(line.code ? { code: String(line.code) } : {}),
      });
      return true;
    case 'stream batch processed':
      feed.emit({ kind: 'batch', what: 'connection stream', figures: figures(line, STREAM_FIGURES) });
      return true;
    case 'presence checks processed':
      feed.emit({ kind: 'batch', what: 'presence checks', figures: { checks: Number(line.checks ?? 0), ...line.outcomes, failures: Number(line.failures ?? 0) } });
      return true;
    default:
      return false;
  }
}

function figures(line: Record<string, any>, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.filter((n) => line[n]).map((n) => [n, Number(line[n])]));
}

function parsed(line: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
