/**
 * The console's feeds, written from the activities the server streams: each request as the pusher reported it, each
 * delivery (a Management API post) to each connection, each client frame routed and each channel frame answered, each
 * lifecycle event, and a log of connections coming and going and of the functions' own lines. Newest first, capped.
 */
import { byId, clock, outcomeClass, prependCapped, tableRow, type Cell } from './dom';
import { disconnectedOutcome, requestCounts, requestOutcome, type Activity } from '../../activity';

const FEEDS = ['requests', 'deliveries', 'frames', 'events', 'log'] as const;

/** Empties every feed (before the server replays the recent activities to a reopened stream). */
export function clearFeeds(): void {
  for (const feed of FEEDS) byId(feed).replaceChildren();
}

/** Shows one activity in its feed; `userOf` names a connection's user (a delivery's activity carries only its id). */
export function showActivity(activity: Activity, userOf: (connectionId: string) => string | undefined): void {
  const time = clock(activity.at);
  const outcome = (text: string): Cell => ({ text, className: outcomeClass(text) });
  const id = (text: string): Cell => ({ text, className: 'id' });
  switch (activity.kind) {
    case 'request':
      return add('requests', [time, activity.source, activity.requestKind, outcome(requestOutcome(activity.outcome, activity.counts)), requestCounts(activity.counts),
        { text: activity.error ? `${activity.error.code}: ${activity.error.message}` : '', className: 'bad' }]);
    case 'post':
      return add('deliveries', [time, id(activity.connectionId), userOf(activity.connectionId) ?? '', { text: activity.data, className: 'data' },
        outcome(activity.status)]);
    case 'frame':
      return add('frames', [time, id(activity.connectionId), activity.route ?? '(no route)', activity.integration ?? '',
        outcome(activity.reason ? `${activity.outcome}: ${activity.reason}` : activity.outcome)]);
    case 'channel':
      return add('frames', [time, id(activity.connectionId ?? ''), `${activity.action} ${activity.channel ?? ''}`.trim(),
        `channels function${activity.userId ? `, user ${activity.userId}` : ''}`, outcome(activity.code ? `${activity.outcome} ${activity.code}` : activity.outcome)]);
    case 'event':
      byId('events-panel').hidden = false;
      return add('events', [time, `${activity.source} ${activity.detailType}`, activity.bus,
        activity.rules.map((r) => `${r.rule} → ${r.targets.join(', ') || '-'}`).join('; ') || 'no rule matched', { text: JSON.stringify(activity.detail), className: 'data' }]);
    default:
      return log(activity, time);
  }
}

/** Connections accepted, refused and gone; batches' figures; the functions' own lines. */
function log(activity: Activity, time: string): void {
  switch (activity.kind) {
    case 'connected': {
      const context = Object.entries(activity.context).map(([k, v]) => ` ${k}=${v}`).join('');
      return add('log', [time, { text: '$connect accepted', className: 'ok' }, `${activity.connectionId} principal=${activity.principalId ?? '-'}${context}`]);
    }
    case 'refused':
      return add('log', [time, { text: '$connect refused', className: 'bad' }, `${activity.status} ${activity.reason}`]);
    case 'disconnected':
      return add('log', [time, '$disconnect', `${activity.connectionId} ${disconnectedOutcome(activity.closedBy)}`]);
    case 'batch':
      return add('log', [time, activity.what, Object.entries(activity.figures).map(([k, n]) => `${k}=${n}`).join(' ')]);
    case 'function':
      return add('log', [time, { text: activity.logicalId, className: activity.error ? 'bad' : undefined }, activity.line]);
    default:
      return undefined;
  }
}

function add(feed: typeof FEEDS[number], cells: readonly Cell[]): void {
  prependCapped(byId(feed), tableRow(cells));
}
