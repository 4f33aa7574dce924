import type { ResolvedOptions } from './options.js';
import type { Envelope, HistoryPosition, ResetEvent } from './protocol.js';
import { Timer } from './timers.js';

/** What the history needs of the client: where messages go, and how a channel is resumed. */
export interface HistoryHost {
  /** A message is released, in order: delivered unless its `id` was (dropped as a duplicate then). */
  deliver(envelope: Envelope): void;
  /** A message is dropped: its seq already accounted for in each of its history channels, or of a stale epoch. */
  drop(envelope: Envelope): void;
  /** Resume the channel from its position now (ignored while a request for it is in flight). */
  resume(channel: string): void;
  /** Whether the channel's subscribe is sent and not yet answered (its position not yet known). */
  awaiting(channel: string): boolean;
  reset(reset: ResetEvent): void;
}

/** The answer to a subscribe or resume: `subscribed`, `resumed` or `reset`. */
export interface PositionReply {
  readonly type: string;
  readonly seq?: unknown;
  readonly epoch?: unknown;
  readonly more?: unknown;
}

/**
 * A history channel: its epoch, the last seq accounted for (everything up to it released or reset), its gap timer;
 * `asked`, the messages held when its last resume was sent; `loose`, the held messages whose seq in it is unverifiable
 * (see `answered`): they do not wait on it.
 */
interface Track {
  epoch: string;
  seq: number;
  readonly timer: Timer;
  asked?: Envelope[];
  loose?: Envelope[];
}

/**
 * The most messages held at once (per client). One more, and the first history channel (in the order tracked) with a
 * hole is reset locally, as an API `reset` would (a `reset` event; nothing is resumed for it): to the seq before that of
 * the first message held beyond its next (in the order they came). What is then contiguous is released; held messages
 * at or below the seq are dropped (covered by the reset); again while more are held and a channel has a hole. Never a
 * silent skip: waiting for the resume instead could hold without bound (a channel published faster than it replays).
 * Messages that wait only for an answer (a subscribe's, or a resume's after a message of another epoch) are not reset:
 * the answer comes, or the channel is given up.
 */
export const MAX_HELD = 1000;

// A verdict on a message: released now, held, dropped, or on no tracked channel (delivered as without history).
const NEXT = 0;
const HOLD = 1;
const OLD = 2;
const FREE = 3;

/**
 * The history channels' positions, and the messages held until their turn: a message is released when it is the next
 * seq in each tracked channel of its `positions`, dropped when it is at or below the position in all of them, and held
 * otherwise. A hole that stays open `gapTimeoutMs` (or a message of another epoch) resumes the channel.
 */
export class History {
  private readonly tracks = new Map<string, Track>();
  private held: Envelope[] = [];

  constructor(private readonly options: ResolvedOptions, private readonly host: HistoryHost) {}

  /** The channel's position, when it is a history channel; `resume`: a resume is sent from it (noted for `answered`). */
  position(channel: string, resume?: boolean): HistoryPosition | undefined {
    const track = this.tracks.get(channel);
    if (track && resume) track.asked = [...this.held];
    return track && { since: track.seq, epoch: track.epoch };
  }

  /** Tracks the channel from a stored position (its first request is then a resume). */
  start(channel: string, seq: number, epoch: string): Track {
    const track = { seq, epoch, timer: new Timer(this.options.timers) };
    this.tracks.get(channel)?.timer.stop();
    this.tracks.set(channel, track);
    return track;
  }

  /**
   * The channel is no history channel (any more): its held messages wait for their other channels only, those released
   * at once in their seq order there (the held messages sorted by it, a stable sort: the others first).
   */
  forget(channel: string): void {
    this.tracks.get(channel)?.timer.stop();
    this.tracks.delete(channel);
    this.held.sort((a, b) => (positionsOf(a)[channel] ?? 0) - (positionsOf(b)[channel] ?? 0));
    this.drain();
  }

  /** Forgets every channel and held message (the client closed). */
  clear(): void {
    for (const track of this.tracks.values()) track.timer.stop();
    this.tracks.clear();
    this.held = [];
  }

  /** A message: held, then released or dropped at once unless it waits (every other held message waits: `drain`). */
  receive(envelope: Envelope): void {
    this.held.push(envelope);
    this.drain();
  }

  /**
   * A subscribe or resume was answered: the channel's position set (a `resumed` never moves it back), its held messages
   * of another epoch dropped, what is now contiguous released. True when a `resumed` says `more` (resume again).
   *
   * A resume done (`resumed` without `more`, its replay received before it): a held message's seq in the channel still
   * beyond the next is unverifiable when the message was held when the resume was sent (it was published before: the
   * replay would have filled the hole) and came through another channel (the seq is from the channel's epoch on the
   * server then, which the envelope does not give and may not be the client's). The message then no longer waits on
   * the channel (its other channels still order it), the position stays, and no resume is sent for it. One that came
   * after the resume was sent (live, racing the replay) still waits: another resume fills its hole.
   */
  answered(channel: string, reply: PositionReply): boolean {
    const { seq, epoch } = reply;
    if (!isSeq(seq) || typeof epoch !== 'string') {
      this.forget(channel);
      return false;
    }
    const track = this.tracks.get(channel) ?? this.start(channel, seq, epoch);
    track.seq = reply.type === 'resumed' ? Math.max(track.seq, seq) : seq;
    track.epoch = epoch;
    track.timer.stop();
    if (reply.type === 'reset') this.host.reset({ channel, seq, epoch });
    // Held messages of another epoch are stale: the API answered with the channel's current one (dropped: `drop` returns nothing).
    this.held = this.held.filter((held) => !this.stale(held, channel, track) || this.host.drop(held));
    this.drain();
    if (reply.type !== 'resumed') return false;
    if (reply.more === true) return true;
    track.loose = track.asked?.filter((held) => held.channel !== channel && positionsOf(held)[channel] > track.seq + 1);
    this.drain();
    return false;
  }

  /** A message with a seq in a channel whose subscribe is not answered yet is held: its position decides. */
  private verdict(envelope: Envelope): number {
    let verdict = Object.keys(positionsOf(envelope)).some((channel) => !this.tracks.has(channel) && this.host.awaiting(channel)) ? HOLD : FREE;
    this.each(envelope, (seq, track, channel) => {
      if (seq > track.seq + 1 || this.stale(envelope, channel, track)) verdict = HOLD;
      else if (seq > track.seq) verdict = verdict === HOLD ? verdict : NEXT;
      else if (verdict === FREE) verdict = OLD;
    });
    return verdict;
  }

  /** Advances each tracked channel the message is the next seq of (its gap timer restarted by `drain`), and delivers it. */
  private release(envelope: Envelope): void {
    this.each(envelope, (seq, track) => {
      if (seq === track.seq + 1) {
        track.seq = seq;
        track.timer.stop();
      }
    });
    this.host.deliver(envelope);
  }

  /**
   * Releases (or drops) the held messages whose turn came (the first in the held order each time), then waits for the
   * holes left: a gap timer, or a resume (a message of another epoch); over `MAX_HELD` held, a local reset instead.
   */
  private drain(): void {
    let next: Envelope | undefined;
    while ((next = this.held.find((held) => this.verdict(held) !== HOLD))) {
      this.held.splice(this.held.indexOf(next), 1);
      if (this.verdict(next) === OLD) this.host.drop(next);
      else this.release(next);
    }
    for (const [channel, track] of this.tracks) {
      let first = 0;
      for (const held of this.held) {
        if (this.stale(held, channel, track)) this.host.resume(channel);
        else this.each(held, (seq, tracked, name) => (first ||= name === channel && seq > tracked.seq + 1 ? seq : 0));
      }
      if (!first) track.timer.stop();
      else if (this.held.length > MAX_HELD) this.answered(channel, { type: 'reset', seq: first - 1, epoch: track.epoch });
      else if (!track.timer.active) track.timer.start(this.options.gapTimeoutMs, () => this.host.resume(channel));
    }
  }

  /** Whether the message came through `channel` with an epoch other than the channel's. */
  private stale(envelope: Envelope, channel: string, track: Track): boolean {
    return envelope.channel === channel && (envelope.epoch ?? track.epoch) !== track.epoch;
  }

  /** Calls `visit` for each tracked channel of the message's positions (its `seq` in `channel` when it has none). */
  private each(envelope: Envelope, visit: (seq: number, track: Track, channel: string) => void): void {
    const positions = positionsOf(envelope);
    for (const channel of Object.keys(positions)) {
      const track = this.tracks.get(channel);
      const seq = positions[channel];
      if (track && isSeq(seq) && !track.loose?.includes(envelope)) visit(seq, track, channel);
    }
  }
}

/** The message's seq in each of its history channels: its `positions`, else its `seq` in its `channel`. */
function positionsOf(envelope: Envelope): Readonly<Record<string, number>> {
  return envelope.positions ?? (envelope.channel === undefined || envelope.seq === undefined ? {} : { [envelope.channel]: envelope.seq });
}

/** Whether `position` is one a resume can be sent from: `since` a whole number >= 0, `epoch` a string. */
export function isPosition(position: HistoryPosition): boolean {
  return isSeq(position.since) && typeof position.epoch === 'string';
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
