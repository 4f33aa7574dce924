/**
 * What the channels function reports per frame: one log line and one EMF line. The metric names (dimension `service`,
 * as the pusher's) are named in `src/shared/constants.ts`, where the construct's `metric()` finds them.
 */
import type { ChannelAction, ChannelErrorCode } from './reply';
import { METRICS } from '../../../src/shared/constants';
import { PRESENCE_METRICS } from '../../../src/shared/presence';
import type { MemberChange } from '../../channel-presence/core/members';

/** The channels function's metrics (Count): one per successful action, one per refusal code. */
export const CHANNEL_METRICS = {
  SUBSCRIBES: METRICS.SUBSCRIBES,
  UNSUBSCRIBES: METRICS.UNSUBSCRIBES,
  PRESENCE_QUERIES: METRICS.PRESENCE_QUERIES,
  RESUMES: METRICS.RESUMES,
  RESETS: METRICS.RESETS,
  REPLAYED_MESSAGES: METRICS.REPLAYED_MESSAGES,
  PRESENCE_JOINS: METRICS.PRESENCE_JOINS,
  PRESENCE_LEAVES: METRICS.PRESENCE_LEAVES,
  SUBSCRIBED_EVENTS: PRESENCE_METRICS.SUBSCRIBED_EVENTS,
  UNSUBSCRIBED_EVENTS: PRESENCE_METRICS.UNSUBSCRIBED_EVENTS,
  REFUSED: {
    INVALID_FRAME: METRICS.REFUSED_INVALID_FRAME,
    INVALID_CHANNEL: METRICS.REFUSED_INVALID_CHANNEL,
    FORBIDDEN: METRICS.REFUSED_FORBIDDEN,
    NOT_ENABLED: METRICS.REFUSED_NOT_ENABLED,
    TOO_MANY_SUBSCRIPTIONS: METRICS.REFUSED_TOO_MANY_SUBSCRIPTIONS,
    UNAVAILABLE: METRICS.REFUSED_UNAVAILABLE,
  },
} as const satisfies Record<string, string | Record<ChannelErrorCode, string>>;

/** One frame's log line (`"message":"frame handled"`). */
export interface FrameReport {
  readonly connectionId: string;
  readonly routeKey?: string;
  /** The frame's action, when it was one this function answers. */
  readonly action?: ChannelAction;
  readonly channel?: string;
  readonly ref?: string;
  readonly outcome: 'subscribed' | 'unsubscribed' | 'members' | 'resumed' | 'reset' | 'refused';
  /** `resume`: the messages replayed to the connection. */
  readonly replayed?: number;
  /** On a presence channel: what the frame did to the user's membership (`joined`: a `join` frame was sent). */
  readonly presence?: MemberChange;
  /** `members`: how many the channel has. */
  readonly members?: number;
  /** The lifecycle event put (lifecycle events on): `Subscribed` for a new subscription, `Unsubscribed` for an ended one. */
  readonly event?: 'Subscribed' | 'Unsubscribed';
  /** The refusal's code. */
  readonly code?: ChannelErrorCode;
  /** Why it was refused, for the operator (the client's reply does not say). */
  readonly reason?: string;
  readonly userId?: string;
  /** The pattern of the rule that judged the subscribe. */
  readonly rule?: string;
  /** A subscribe of a channel the connection was already subscribed to (written again, not counted). */
  readonly existing?: boolean;
  /** A forbidden subscribe deleted the subscription the connection had to the channel (access revoked). */
  readonly revoked?: boolean;
  /**
   * The hook, not the table, is why the frame is `UNAVAILABLE`: it could not be invoked, it failed (threw, timed out),
   * or its answer was not `{"allow": <boolean>}`.
   */
  readonly hookFailed?: boolean;
  readonly durationMs: number;
}

/** Every metric of the frame's EMF line, with its value (0 or 1): a steady set, so sums and alarms see zeros. */
export function frameMetrics(report: FrameReport): Array<[name: string, value: number]> {
  const code = report.outcome === 'refused' ? report.code : undefined;
  return [
    [CHANNEL_METRICS.SUBSCRIBES, report.outcome === 'subscribed' ? 1 : 0],
    [CHANNEL_METRICS.UNSUBSCRIBES, report.outcome === 'unsubscribed' ? 1 : 0],
    [CHANNEL_METRICS.PRESENCE_QUERIES, report.outcome === 'members' ? 1 : 0],
    [CHANNEL_METRICS.RESUMES, report.outcome === 'resumed' ? 1 : 0],
    [CHANNEL_METRICS.RESETS, report.outcome === 'reset' ? 1 : 0],
    [CHANNEL_METRICS.REPLAYED_MESSAGES, report.replayed ?? 0],
    [CHANNEL_METRICS.PRESENCE_JOINS, report.presence === 'joined' ? 1 : 0],
    [CHANNEL_METRICS.PRESENCE_LEAVES, report.presence === 'left' ? 1 : 0],
    [CHANNEL_METRICS.SUBSCRIBED_EVENTS, report.event === 'Subscribed' ? 1 : 0],
    [CHANNEL_METRICS.UNSUBSCRIBED_EVENTS, report.event === 'Unsubscribed' ? 1 : 0],
    ...(Object.entries(CHANNEL_METRICS.REFUSED) as Array<[ChannelErrorCode, string]>)
      .map(([c, name]): [string, number] => [name, c === code ? 1 : 0]),
  ];
}

/**
 * The log level: INFO when done, WARN for a refusal the client caused (a hook's "no" included), ERROR for `UNAVAILABLE`:
 * the table or the hook failed.
 */
export function frameLevel(report: FrameReport): 'info' | 'warn' | 'error' {
  if (report.outcome !== 'refused') return 'info';
  return report.code === 'UNAVAILABLE' ? 'error' : 'warn';
}
