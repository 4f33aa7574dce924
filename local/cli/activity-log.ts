import type { Activity, RequestCounts } from '../activity';

/**
 * The `local` command's log: one line per activity worth a developer's eyes, in columns (time, what, outcome, detail).
 * A connection accepted or refused (and why), gone; a client frame routed (its route, integration and outcome); a
 * request the pusher processed (its counts; `no targets` when it reached nobody); a channel frame; a batch's figures;
 * a lifecycle event; a function's own lines. Each post to a connection is the console's, not a line: a request's line
 * counts them.
 */
export function activityLine(activity: Activity): string | undefined {
  const time = new Date(activity.at).toISOString().slice(11, 19);
  const row = (what: string, outcome: string, detail: string) => `  ${time}  ${what.padEnd(18)} ${outcome.padEnd(10)} ${detail}`.trimEnd();
  switch (activity.kind) {
    case 'connected': {
      const context = Object.entries(activity.context).map(([k, v]) => ` ${k}=${v}`).join('');
      return row('$connect', 'accepted', `${activity.connectionId} user=${activity.principalId ?? '-'}${context}`);
    }
    case 'refused':
      return row('$connect', 'refused', `${activity.status} ${activity.reason}`);
    case 'disconnected':
      return row('$disconnect', activity.closedBy === 'client' ? 'closed' : `closed by ${activity.closedBy}`, activity.connectionId);
    case 'frame':
      return row(`frame ${activity.route ?? '(no route)'}`, activity.outcome,
        `${activity.connectionId}${activity.integration ? ` -> ${activity.integration}` : ''}${activity.reason ? `  ${activity.reason}` : ''}`);
    case 'request':
      return row(activity.source === 'work item' ? `work item ${activity.requestKind}` : `${activity.source} ${activity.requestKind}`,
        requestOutcome(activity.outcome, activity.counts), `${counts(activity.counts)}${activity.error ? `  ${activity.error.code}: ${activity.error.message}` : ''}`);
    case 'channel':
      return row('channels', activity.outcome,
        `${`${activity.action} ${activity.channel ?? ''}`.trim()} user=${activity.userId ?? '-'}${activity.code ? `  ${activity.code}` : ''}`);
    case 'batch': {
      const figures = Object.entries(activity.figures).filter(([, n]) => n).map(([name, n]) => `${name}=${n}`).join(' ');
      // A batch of connections arriving has nothing to clean up: not a line.
      return figures ? row(activity.what, '', figures) : undefined;
    }
    case 'event': {
      const where = activity.rules.map((r) => `${r.rule} -> ${r.targets.join(', ') || '-'}`).join('; ');
      return row('eventbridge', activity.rules.length ? 'matched' : 'unmatched', `${activity.source} ${activity.detailType} bus=${activity.bus}${where ? `  ${where}` : ''}`);
    }
    case 'function':
      return `  ${activity.logicalId}${activity.error ? ' ' : ': '}${activity.line}`;
    case 'post':
      return undefined;
  }
}

/** `no targets` for a request that was processed and reached nobody; the handler's outcome otherwise. */
function requestOutcome(outcome: string, requestCounts: RequestCounts): string {
  return outcome === 'delivered' && requestCounts.targets === 0 ? 'no targets' : outcome;
}

function counts(requestCounts: RequestCounts): string {
  return Object.entries(requestCounts).filter(([, n]) => n).map(([name, n]) => `${name}=${n}`).join(' ') || '-';
}
