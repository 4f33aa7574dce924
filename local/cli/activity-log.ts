import { disconnectedOutcome, requestCounts, requestOutcome, type Activity } from '../activity';

/**
 * The `local` command's log: one line per activity worth a developer's eyes, in columns (time, what, outcome, detail).
 * A connection accepted or refused (and why), gone; a client frame routed (its route, integration and outcome); a
 * request the pusher processed (its counts; `no targets` when it reached nobody); a channel frame; a batch's figures;
 * a lifecycle event; a function's own lines. Each post to a connection is the console's, not a line: a request's line
 * counts them.
 */
export function activityLine(activity: Activity): string | undefined {
  const time = new Date(activity.at).toISOString().slice(11, 19);
  // What a client or a function chose (a user id, a route key, a context value, a line) cannot forge a line or drive the
  // terminal: control characters are escaped, and a client's text is cut short.
  const row = (what: string, outcome: string, detail: string) =>
    `  ${time}  ${printable(what, 60).padEnd(18)} ${outcome.padEnd(10)} ${printable(detail, 500)}`.trimEnd();
  switch (activity.kind) {
    case 'connected': {
      const context = Object.entries(activity.context).map(([k, v]) => ` ${k}=${v}`).join('');
      return row('$connect', 'accepted', `${activity.connectionId} principal=${activity.principalId ?? '-'}${context}`);
    }
    case 'refused':
      return row('$connect', 'refused', `${activity.status} ${activity.reason}`);
    case 'disconnected':
      return row('$disconnect', disconnectedOutcome(activity.closedBy), activity.connectionId);
    case 'frame':
      return row(`frame ${activity.route ?? '(no route)'}`, activity.outcome,
        `${activity.connectionId}${activity.integration ? ` -> ${activity.integration}` : ''}${activity.reason ? `  ${activity.reason}` : ''}`);
    case 'request':
      return row(activity.source === 'work item' ? `work item ${activity.requestKind}` : `${activity.source} ${activity.requestKind}`,
        requestOutcome(activity.outcome, activity.counts), `${requestCounts(activity.counts)}${activity.error ? `  ${activity.error.code}: ${activity.error.message}` : ''}`);
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
      return `  ${activity.logicalId}${activity.error ? ' ' : ': '}${printable(activity.line)}`;
    case 'post':
      return undefined;
  }
}

/** Text with its control characters escaped (`\n`, `\r`, `\u001b`, …), cut to `max` characters with `…`. */
export function printable(text: string, max = Infinity): string {
  const escape = (c: string) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, escape);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
