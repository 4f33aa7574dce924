/**
 * The replies of the client protocol the channels function sends back on the frame's own route (DESIGN.md, "Client ↔
 * API messages"): `subscribed`, `unsubscribed`, or an `error` with its code. Keys are written in the contract's order.
 */
import type { ProtocolErrorCode } from '../../../src/shared/channels';

/** The actions this function answers. */
export type ChannelAction = 'subscribe' | 'unsubscribe' | 'presence' | 'resume';

/** The codes this function answers with. */
export type ChannelErrorCode = ProtocolErrorCode;

/**
 * `{"type":"subscribed","channel":…,"ref":…}` or `{"type":"unsubscribed",…}`; on a history channel `subscribed` also has
 * the channel's `seq` (its last) and `epoch`.
 */
export interface DoneReply {
  readonly type: 'subscribed' | 'unsubscribed';
  readonly channel: string;
  readonly seq?: number;
  readonly epoch?: string;
  readonly ref?: string;
}

/**
 * A `resume`'s end: `resumed` after the replay (`seq` the last replayed, or `since`; `more` when the replay stopped at its
 * bound and the client resumes from `seq`), or `reset` (continuity cannot be proven: the channel's position).
 */
export interface PositionReply {
  readonly type: 'resumed' | 'reset';
  readonly channel: string;
  readonly seq: number;
  readonly epoch: string;
  readonly more?: true;
  readonly ref?: string;
}

/** `{"type":"error","action":…,"channel":…,"code":…,"message":…,"ref":…}`. */
export interface ErrorReply {
  readonly type: 'error';
  readonly action?: ChannelAction;
  readonly channel?: string;
  readonly code: ChannelErrorCode;
  readonly message: string;
  readonly ref?: string;
}

/** `{"type":"members","channel":…,"users":[…],"count":N,"ref":…}`: the first members in user id order, and how many. */
export interface MembersReply {
  readonly type: 'members';
  readonly channel: string;
  readonly users: readonly string[];
  readonly count: number;
  readonly ref?: string;
}

export type Reply = DoneReply | ErrorReply | MembersReply | PositionReply;

/** What a reply may echo of the frame: only what was valid (a known action, a channel name, a ref of ≤ 64). */
export interface Echo {
  readonly action?: ChannelAction;
  readonly channel?: string;
  readonly ref?: string;
}

export function membersReply(
  channel: string, members: { readonly users: readonly string[]; readonly count: number }, ref: string | undefined,
): MembersReply {
  return { type: 'members', channel, users: members.users, count: members.count, ...(ref === undefined ? {} : { ref }) };
}

export function doneReply(action: 'subscribe' | 'unsubscribe', channel: string, ref: string | undefined): DoneReply {
  return { type: action === 'subscribe' ? 'subscribed' : 'unsubscribed', channel, ...(ref === undefined ? {} : { ref }) };
}

export function positionReply(
  type: 'resumed' | 'reset', channel: string, position: { readonly seq: number; readonly epoch: string; readonly more?: boolean }, ref: string | undefined,
): PositionReply {
  const more = position.more ? { more: true as const } : {};
  return { type, channel, seq: position.seq, epoch: position.epoch, ...more, ...(ref === undefined ? {} : { ref }) };
}

export function errorReply(echo: Echo, code: ChannelErrorCode, message: string): ErrorReply {
  return {
    type: 'error',
    ...(echo.action === undefined ? {} : { action: echo.action }),
    ...(echo.channel === undefined ? {} : { channel: echo.channel }),
    code,
    message,
    ...(echo.ref === undefined ? {} : { ref: echo.ref }),
  };
}

/**
 * The messages of the errors a frame's outcome (not its shape) produces. They never repeat the client's input nor say
 * why a subscribe was forbidden (no rule, or the hook): the log line does.
 */
export const MESSAGES = {
  FORBIDDEN: 'not allowed to subscribe to this channel',
  NOT_SUBSCRIBED: 'subscribe to the channel first',
  NOT_ENABLED: 'presence is not enabled on this channel',
  HISTORY_NOT_ENABLED: 'history is not enabled on this channel',
  TOO_MANY_SUBSCRIPTIONS: (max: number) => `at most ${max} subscriptions per connection: unsubscribe from one first`,
  UNAVAILABLE: 'the subscription could not be checked or stored: try again',
} as const;
