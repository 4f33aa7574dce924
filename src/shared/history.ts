/**
 * The history contract shared by the construct (the rule's retention, the table, the environment), the pusher (which
 * stores each message of a history channel under the next `seq`) and the channels function (`subscribe` answers the
 * channel's position, `resume` replays). Dependency-free, like `channels.ts`.
 */
import { matchesPattern, type ChannelRuleSpec } from './channels';

/**
 * The history table: partition key `channel_key` (S), sort key `seq` (N), a Number TTL `expires_at`.
 *
 * - A channel's *head* is `channel_key = <channel>`, `seq = 0`: its `epoch` (a random id, new whenever the head is
 *   created: the channel's first use, the head lost or expired, a new table, or a channel with messages that was not
 *   written to for its retention), `last`, the highest `seq` known to be written (a hint that may lag, never ahead), and
 *   `updated_at`. Its TTL is the last write's plus the retention plus a day.
 * - A message is `channel_key = <channel>#<epoch>` (`#` is never in a channel name), `seq = n`: `id` (the envelope's),
 *   `data` (the request's `data` as JSON text) and `expires_at` (stored + the retention). A `seq` is claimed by writing
 *   its row on the condition that the row does not exist: a `seq` is never reused within an epoch, and a `seq` that
 *   exists always has its message (no counter can run ahead of the log).
 */
export const HISTORY = {
  CHANNEL_KEY: 'channel_key',
  SEQ: 'seq',
  EPOCH: 'epoch',
  LAST: 'last',
  /** The head's: when it was created or last raised, in epoch seconds. */
  UPDATED_AT: 'updated_at',
  ID: 'id',
  DATA: 'data',
  EXPIRES_AT: 'expires_at',
} as const;

/** An epoch's length, at most (the pusher makes 16-character ones). */
export const MAX_EPOCH_LENGTH = 16;

/** The head's `seq`: messages start at 1. */
export const HEAD_SEQ = 0;

/** The partition of a channel's messages in `epoch`. */
export function historyKey(channel: string, epoch: string): string {
  return `${channel}#${epoch}`;
}

/** A rule's retention, in seconds: 1 minute to 30 days. */
export const HISTORY_RETENTION_SECONDS = { MIN: 60, MAX: 30 * 24 * 3600 } as const;

/** How long a head outlives its channel's last message: a quiet channel keeps its epoch a day past its history. */
export const HEAD_MARGIN_SECONDS = 24 * 3600;

/** Messages one `resume` replays at most; past it, `resumed` says `"more":true` and the client resumes from there. */
export const MAX_REPLAY_PER_RESUME = 1_000;

/**
 * Milliseconds one `resume` replays at most, checked after each message: well inside API Gateway's 29-second integration
 * timeout and the client package's 10-second reply timeout.
 */
export const MAX_REPLAY_MS = 5_000;

/** Bytes one `resume` replays at most (then `more`): a client cannot make one frame cost more than this in messages. */
export const MAX_REPLAY_BYTES = 4 * 1024 * 1024;

/** The pusher's view of the rules: each rule's pattern and retention (absent: no history), in the rules' order. */
export interface HistoryRuleSpec {
  readonly pattern: string;
  /** The retention in seconds, on a history rule. */
  readonly history?: number;
}

/**
 * A channel's retention in seconds, or `undefined` when it has no history. History belongs to the channel, whoever asks:
 * the first rule whose pattern covers the name decides, every placeholder (`{userId}`, `{context.<key>}`) read as `*`
 * (the pusher, which publishes, has no identity), so that the pusher and the channels function always agree.
 */
export function historyRetention(rules: readonly (HistoryRuleSpec | ChannelRuleSpec)[], channel: string): number | undefined {
  const rule = rules.find((r) => matchesPattern(anySegment(r.pattern), channel, NO_IDENTITY));
  return rule?.history;
}

const NO_IDENTITY = { userId: '', context: {} } as const;

/** The pattern with each placeholder segment read as `*`. */
function anySegment(pattern: string): string {
  return pattern.split('/').map((segment) => (segment.startsWith('{') ? '*' : segment)).join('/');
}

/** The history environment: the pusher's and the channels function's. */
export const HISTORY_ENV = {
  /** The history table. */
  HISTORY_TABLE_NAME: 'HISTORY_TABLE_NAME',
  /** The pusher's: the rules' patterns and retentions, as JSON (`HistoryRuleSpec[]`). */
  HISTORY_RULES: 'HISTORY_RULES',
} as const;
