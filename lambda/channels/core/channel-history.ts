/**
 * The channels function's part of history: a `subscribe` to a history channel answers the channel's position, and a
 * `resume` replays to the connection, in `seq` order, every kept message after `since`, then answers `resumed` (or
 * `reset` when continuity cannot be proven). The replay is posted through the Management API, one message after the
 * other (each post answered before the next: API Gateway keeps a connection's posts in order), before the reply, which
 * API Gateway sends once this function returns.
 */
import type { Frame } from './frame';
import { positionReply, type Reply } from './reply';
import type { FrameReport } from './report';
import { MAX_REPLAY_BYTES, MAX_REPLAY_MS, MAX_REPLAY_PER_RESUME } from '../../../src/shared/history';
import { postedPayload } from '../../core/envelope';
import { currentHead } from '../../core/history/heads';
import type { HistoryHead, HistoryStore, StoredMessage } from '../../core/ports/history-store';
import type { Sender } from '../../core/ports/sender';
import { withRetries, type RetryPolicy, type Sleep } from '../../core/retry';

export interface ChannelHistoryDeps {
  readonly store: HistoryStore;
  /** Posts the replayed messages to the resuming connection. */
  readonly sender: Sender;
  /** Posts to the connection while they are retryable (throttled, 5xx). */
  readonly postRetry: RetryPolicy;
  readonly sleep?: Sleep;
}

/** Messages a replay reads a page. */
export const REPLAY_PAGE = 100;

/** Where a `resume` ended: `resumed` at `seq` (`more`: stopped at the bound), or `reset` to the channel's position. */
export type ResumeEnd =
  | { readonly type: 'resumed'; readonly seq: number; readonly epoch: string; readonly more: boolean; readonly replayed: number }
  | { readonly type: 'reset'; readonly seq: number; readonly epoch: string; readonly replayed: number; readonly reason: string };

/** The replay could not be posted (the connection throttled or failing): the client resumes again from what it has. */
export class ReplayFailed extends Error {
  constructor(readonly replayed: number, reason: string) {
    super(`the replay stopped after ${replayed} messages: ${reason}`);
    this.name = 'ReplayFailed';
  }
}

/**
 * What a stored `subscribe` or `resume` of a history channel answers: `subscribed` with the channel's position, or the
 * `resume`'s replay and its end. Rejects when the table or a post fails (`ReplayFailed`: after some were replayed).
 */
export async function historyAnswer(
  deps: ChannelHistoryDeps | undefined, frame: Frame, connectionId: string, retentionSeconds: number, now: () => number,
): Promise<{ reply: Reply; fields: Partial<FrameReport> }> {
  if (!deps) throw new Error('a history rule without the history table configured');
  if (frame.action !== 'resume') {
    const head = await headOf(deps.store, frame.channel, retentionSeconds, now());
    const ref = frame.ref === undefined ? {} : { ref: frame.ref };
    return { reply: { type: 'subscribed', channel: frame.channel, seq: head.last, epoch: head.epoch, ...ref }, fields: {} };
  }
  const end = await replay(deps, frame, connectionId, retentionSeconds, now);
  return {
    reply: positionReply(end.type, frame.channel, end, frame.ref),
    fields: { action: 'resume', outcome: end.type, replayed: end.replayed, ...(end.type === 'reset' ? { reason: end.reason } : {}) },
  };
}

/** The channel's head (`currentHead`: a new epoch when it has none, or it went unwritten for its retention). */
export function headOf(store: HistoryStore, channel: string, retentionSeconds: number, nowMs: number): Promise<HistoryHead> {
  return currentHead(store, channel, retentionSeconds, Math.floor(nowMs / 1000));
}

/**
 * Replays what the connection missed: `since` must be in the channel's epoch, not ahead of the channel, and every
 * message after it must still be kept (a message past its retention is gone, whether or not TTL has deleted it yet).
 */
export async function replay(
  deps: ChannelHistoryDeps, frame: Frame, connectionId: string, retentionSeconds: number, now: () => number,
): Promise<ResumeEnd> {
  const { store } = deps;
  const channel = frame.channel;
  const since = frame.since ?? 0;
  const head = await headOf(store, channel, retentionSeconds, now());
  const reset = async (reason: string, replayed = 0): Promise<ResumeEnd> => {
    const last = Math.max(head.last, await store.tail(channel, head.epoch));
    return { type: 'reset', seq: last, epoch: head.epoch, replayed, reason };
  };
  if (frame.epoch !== head.epoch) return reset(frame.epoch === undefined ? 'no epoch' : 'another epoch');
  const started = now();
  let last = since;
  let replayed = 0;
  let bytes = 0;
  const spent = () => replayed >= MAX_REPLAY_PER_RESUME || bytes >= MAX_REPLAY_BYTES || now() - started >= MAX_REPLAY_MS;
  for (;;) {
    const page = await store.after(channel, head.epoch, last, Math.min(REPLAY_PAGE, MAX_REPLAY_PER_RESUME - replayed));
    for (const message of page.messages) {
      if (message.seq !== last + 1) return reset(`seq ${last + 1} is not kept`, replayed);
      if (message.expiresAt <= Math.floor(now() / 1000)) return reset(`seq ${message.seq} is past its retention`, replayed);
      bytes += await post(deps, connectionId, channel, head.epoch, message, replayed);
      last = message.seq;
      replayed += 1;
      // At the bound: `more` only when a message does follow.
      if (spent()) return { type: 'resumed', seq: last, epoch: head.epoch, more: (await store.after(channel, head.epoch, last, 1)).messages.length > 0, replayed };
    }
    if (!page.more) break;
  }
  // Rows up to the head's `last` are all written (the head is raised only after its row): one missing was deleted.
  if (last < head.last) return reset(`seq ${last + 1} is not kept`, replayed);
  // The head may lag a message just stored: only a `since` past the log's tail is ahead of the channel.
  if (last === since && since > head.last && since > await store.tail(channel, head.epoch)) return reset('since is ahead of the channel');
  return { type: 'resumed', seq: last, epoch: head.epoch, more: false, replayed };
}

/** Posts one replayed message; resolves to its size in bytes. */
async function post(
  deps: ChannelHistoryDeps, connectionId: string, channel: string, epoch: string, message: StoredMessage, replayed: number,
): Promise<number> {
  const positions = new Map([[channel, { seq: message.seq, epoch }]]);
  const payload = postedPayload('envelope', message.dataText, message.id, channel, { positions, subscribed: [] });
  const { result } = await withRetries(() => deps.sender.post(connectionId, payload), (r) => r.status === 'retryable', deps.postRetry, deps.sleep);
  if (result.status !== 'delivered') throw new ReplayFailed(replayed, 'reason' in result ? `${result.status}: ${result.reason}` : result.status);
  return payload.length;
}
