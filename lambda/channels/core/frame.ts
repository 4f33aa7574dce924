/**
 * A client frame, parsed without trusting it: `{"action":"subscribe"|"unsubscribe"|"presence","channel":…,"ref":…}`, or
 * `{"action":"resume","channel":…,"since":N,"epoch":…,"ref":…}`. Anything else
 * is an error naming what is wrong, with only the valid parts kept to echo. Other fields (a `userId` among them) are
 * ignored: who subscribes comes from the connection's authorizer, never from the frame.
 */
import type { ChannelAction, Echo } from './reply';
import { CHANNEL_ACTIONS, isChannelName, MAX_CHANNEL_SEGMENTS, MAX_REF_LENGTH } from '../../../src/shared/channels';

/** API Gateway refuses a WebSocket message over 128 KB; a longer body is refused unread (its length alone says so). */
export const MAX_FRAME_CHARACTERS = 128 * 1024;

/** A valid frame. */
export interface Frame {
  readonly action: ChannelAction;
  readonly channel: string;
  readonly ref?: string;
  /** `resume`: the last `seq` the client has of the channel. */
  readonly since?: number;
  /** `resume`: the epoch that `since` is in (absent: the client has none, and is answered `reset`). */
  readonly epoch?: string;
}

/** An epoch in a `resume`, at most this long (the pusher's are 16 characters). */
export const MAX_FRAME_EPOCH_LENGTH = 64;

/** Why a frame is refused before any rule is looked at, and what of it the reply may echo. */
export interface FrameProblem {
  readonly code: 'INVALID_FRAME' | 'INVALID_CHANNEL';
  readonly message: string;
  readonly echo: Echo;
}

export type FrameParse = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly problem: FrameProblem };

export const FRAME_MESSAGES = {
  BINARY: 'the frame is binary: send a JSON text frame',
  MISSING: 'the frame is empty: send a JSON object',
  TOO_LARGE: 'the frame is over 128 KB',
  NOT_JSON: 'the frame is not JSON',
  NOT_AN_OBJECT: 'the frame is not a JSON object',
  UNKNOWN_ACTION: `action must be one of ${CHANNEL_ACTIONS.join(', ')}`,
  BAD_REF: `ref must be a string of at most ${MAX_REF_LENGTH} characters`,
  MISSING_CHANNEL: 'channel is required',
  BAD_CHANNEL_TYPE: 'channel must be a string',
  BAD_SINCE: 'since must be an integer from 0 to 2^53 - 1',
  BAD_EPOCH: `epoch must be a string of 1 to ${MAX_FRAME_EPOCH_LENGTH} characters`,
  INVALID_CHANNEL: `not a channel name: 1 to ${MAX_CHANNEL_SEGMENTS} segments joined by /, each 1 to 64 of A-Z a-z 0-9 _ - . = @ : + | ~`,
} as const;

const invalid = (message: string, echo: Echo = {}): FrameParse => ({ ok: false, problem: { code: 'INVALID_FRAME', message, echo } });

/** A property the object itself holds: never one inherited from its prototype (`constructor`, `toString`, …). */
function own(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

function isAction(value: unknown): value is ChannelAction {
  return typeof value === 'string' && (CHANNEL_ACTIONS as readonly string[]).includes(value);
}

/** The JSON object a frame's text holds, or why it holds none. */
function objectOf(body: unknown, isBase64Encoded: boolean | undefined): { object: object } | { problem: string } {
  if (isBase64Encoded === true) return { problem: FRAME_MESSAGES.BINARY };
  if (typeof body !== 'string' || body === '') return { problem: FRAME_MESSAGES.MISSING };
  if (body.length > MAX_FRAME_CHARACTERS) return { problem: FRAME_MESSAGES.TOO_LARGE };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // A syntax error, or a RangeError on nesting deeper than the engine parses: the frame is not JSON we can use.
    return { problem: FRAME_MESSAGES.NOT_JSON };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: FRAME_MESSAGES.NOT_AN_OBJECT };
  return { object: value };
}

/** Parses the frame's text (`event.body`); checks, in order: the object, `action`, `ref`, `channel`. */
export function parseFrame(body: unknown, isBase64Encoded?: boolean): FrameParse {
  const read = objectOf(body, isBase64Encoded);
  if ('problem' in read) return invalid(read.problem);
  const ref = own(read.object, 'ref');
  const validRef = typeof ref === 'string' && ref.length <= MAX_REF_LENGTH ? ref : undefined;
  const action = own(read.object, 'action');
  const channel = own(read.object, 'channel');
  const echo: Echo = {
    ...(isAction(action) ? { action } : {}),
    ...(isChannelName(channel) ? { channel } : {}),
    ...(validRef === undefined ? {} : { ref: validRef }),
  };
  if (!isAction(action)) return invalid(FRAME_MESSAGES.UNKNOWN_ACTION, echo);
  if (ref !== undefined && validRef === undefined) return invalid(FRAME_MESSAGES.BAD_REF, echo);
  if (channel === undefined) return invalid(FRAME_MESSAGES.MISSING_CHANNEL, echo);
  if (typeof channel !== 'string') return invalid(FRAME_MESSAGES.BAD_CHANNEL_TYPE, echo);
  if (!isChannelName(channel)) return { ok: false, problem: { code: 'INVALID_CHANNEL', message: FRAME_MESSAGES.INVALID_CHANNEL, echo } };
  const frame = { action, channel, ...(validRef === undefined ? {} : { ref: validRef }) };
  return action === 'resume' ? resumeFrame(frame, read.object, echo) : { ok: true, frame };
}

/** A `resume`'s position: `since` (required) and `epoch` (optional: without one, the answer is `reset`). */
function resumeFrame(frame: Frame, object: object, echo: Echo): FrameParse {
  const since = own(object, 'since');
  const epoch = own(object, 'epoch');
  if (!Number.isSafeInteger(since) || (since as number) < 0) return invalid(FRAME_MESSAGES.BAD_SINCE, echo);
  if (epoch !== undefined && (typeof epoch !== 'string' || epoch === '' || epoch.length > MAX_FRAME_EPOCH_LENGTH)) return invalid(FRAME_MESSAGES.BAD_EPOCH, echo);
  return { ok: true, frame: { ...frame, since: since as number, ...(epoch === undefined ? {} : { epoch: epoch as string }) } };
}
