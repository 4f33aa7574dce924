import { failure, replyFailure, type ClientErrorKind, type PusherClientError } from './errors.js';
import { isPosition, type History, type PositionReply } from './history.js';
import type { ResolvedOptions } from './options.js';
import { isChannelName, membersOf, type HistoryPosition, type Members } from './protocol.js';
import { backoffDelay } from './schedule.js';
import { Timer } from './timers.js';

export { isChannelName };

/**
 * A subscribe (or a presence request) that got `UNAVAILABLE` or no reply is sent this many times in all, then the channel
 * is given up (the request rejected).
 */
export const SUBSCRIBE_ATTEMPTS = 5;

/** What the channels need of the client: its socket, and where they report. */
export interface ChannelsHost {
  /** Sends on the current socket; false when none is open. */
  send(frame: object): boolean;
  /** Whether the client is closed (a subscribe is refused until `connect()`). */
  closed(): boolean;
  /** A channel was subscribed (no error), or given up (the error); `again` when it had been subscribed before. */
  report(channel: string, error: PusherClientError | undefined, again: boolean): void;
}

/** A reply frame: `subscribed`, `unsubscribed`, `members`, `resumed`, `reset` or `error`. */
interface Reply extends PositionReply {
  readonly users?: unknown;
  readonly count?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly ref?: unknown;
}

/** A channel the client keeps: subscribed again on every new socket until it is unsubscribed or given up. */
interface Channel {
  readonly name: string;
  /** What waits for the channel to be subscribed (`subscribe()` calls, a re-dial's hold): called with the error, if given up. */
  waiters: Array<(error?: PusherClientError) => void>;
  /** The ref of the subscribe in flight. */
  ref?: string;
  /** Subscribed at least once since it is kept. */
  confirmed?: boolean;
  /** Subscribed on the current socket (a later resume of it is no new subscription). */
  live?: boolean;
  /** Attempts that got `UNAVAILABLE` or no reply since the last success. */
  failures: number;
  /** The reply timeout, or the backoff before the next attempt. */
  readonly timer: Timer;
}

/**
 * The channels the client keeps, and the replies it waits for (by `ref`): a reply timeout, `UNAVAILABLE` and no reply
 * retried with backoff (bounded), every channel subscribed again on every new socket.
 */
export class Channels {
  private readonly kept = new Map<string, Channel>();
  /** ref → what handles its reply: true when the reply was its answer. */
  private readonly pending = new Map<string, (reply: Reply) => boolean>();
  /** The presence requests asked (in flight or waiting to be asked again): each rejected with the code when the socket goes. */
  private readonly asking = new Set<(code: string) => void>();
  private refs = 0;

  constructor(private readonly options: ResolvedOptions, private readonly host: ChannelsHost, private readonly history: History) {}

  /** The channels kept, in the order they were subscribed. */
  get names(): string[] {
    return [...this.kept.keys()];
  }

  /** Subscribes (and keeps) a channel; `from`, a history channel's stored position, resumes it from there instead. */
  subscribe(name: string, from?: HistoryPosition): Promise<void> {
    return new Promise((resolve, reject) => {
      const refused = this.refused(name) ?? (this.host.closed() ? failure('CLOSED', name, 'the client is closed')
        : from && !isPosition(from) ? failure('INVALID_POSITION', name, 'since must be a whole number >= 0, epoch a string') : undefined);
      if (refused) return reject(refused);
      let channel = this.kept.get(name);
      if (channel?.confirmed) return resolve();
      if (!channel) {
        if (from) this.history.start(name, from.since, from.epoch);
        this.kept.set(name, channel = { name, waiters: [], failures: 0, timer: new Timer(this.options.timers) });
        this.request(channel);
      }
      channel.waiters.push((error) => (error ? reject(error) : resolve()));
    });
  }

  unsubscribe(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const refused = this.refused(name);
      if (refused) return reject(refused);
      const channel = this.kept.get(name);
      if (channel) this.forget(channel, failure('UNSUBSCRIBED', name));
      const timer = new Timer(this.options.timers);
      let failures = 0;
      const done = (error?: PusherClientError) => {
        timer.stop();
        this.asking.delete(gone);
        if (error) reject(error);
        else resolve();
      };
      // The socket went (or the client closed) while waiting to ask again: the subscription went with it.
      const gone = () => done();
      // `UNAVAILABLE` or no reply: asked again with backoff, as a subscribe is (on a presence channel the API's leave
      // may have failed after the subscription went, and its retry leaves).
      const retry = (error: PusherClientError) => {
        if (++failures >= SUBSCRIBE_ATTEMPTS) return done(error);
        timer.start(backoffDelay(failures - 1, this.options.backoff, this.options.random), attempt);
      };
      const attempt = () => {
        const sent = this.ask('unsubscribe', name, timer, (reply) => {
          if (reply.type !== 'error') return done();
          return reply.code === 'UNAVAILABLE' ? retry(replyFailure(name, reply)) : done(replyFailure(name, reply));
        }, retry);
        // Not sent (no socket is open): the subscription went with the socket.
        if (!sent) done();
      };
      this.asking.add(gone);
      attempt();
    });
  }

  /**
   * Asks for a presence channel's members: a `presence` frame with a fresh ref, resolved by its `members` reply. A final
   * error reply rejects with its code; `UNAVAILABLE` and no reply within `replyTimeoutMs` are asked again after a
   * backoff, `SUBSCRIBE_ATTEMPTS` in all, as a subscribe is; no socket open, or the socket gone before the answer,
   * rejects with `DISCONNECTED` (ask again once the channel is subscribed again).
   */
  members(name: string): Promise<Members> {
    return new Promise((resolve, reject) => {
      const fail = (code: string, why?: string, reply?: Reply) => failure(code, name, why, reply, 'presence');
      const refused = this.refused(name, 'presence') ?? (this.host.closed() ? fail('CLOSED', 'the client is closed') : undefined);
      if (refused) return reject(refused);
      const timer = new Timer(this.options.timers);
      let failures = 0;
      let ref: string | undefined;
      const done = (error: PusherClientError | undefined, members?: Members) => {
        timer.stop();
        if (ref) this.pending.delete(ref);
        this.asking.delete(lost);
        if (error) reject(error);
        else resolve(members!);
      };
      const lost = (code: string) => done(fail(code, code === 'CLOSED' ? 'the client is closed' : 'no socket is open, or it closed before the answer'));
      const retry = (error: PusherClientError) => {
        if (++failures >= SUBSCRIBE_ATTEMPTS) return done(error);
        timer.start(backoffDelay(failures - 1, this.options.backoff, this.options.random), attempt);
      };
      const attempt = () => {
        ref = this.ask('presence', name, timer, (reply) => {
          ref = undefined;
          if (reply.type === 'error') return reply.code === 'UNAVAILABLE' ? retry(replyFailure(name, reply, 'presence')) : done(replyFailure(name, reply, 'presence'));
          const members = membersOf(reply);
          done(members ? undefined : fail('INVALID_REPLY', 'a members reply without its users and count', reply), members);
        }, retry, 'presence');
        if (ref === undefined) lost('DISCONNECTED');
      };
      this.asking.add(lost);
      attempt();
    });
  }

  /** A reply with a ref the client waits for: handled (true), or not one of its replies (false). */
  reply(reply: Reply): boolean {
    const handle = typeof reply.ref === 'string' ? this.pending.get(reply.ref) : undefined;
    return handle !== undefined && handle(reply);
  }

  /**
   * A socket opened: every kept channel is subscribed on it (again). Returns what settles once each is subscribed or
   * given up (a re-dial keeps the old socket until then), or undefined when no channel is kept.
   */
  restore(): Promise<unknown> | undefined {
    if (this.kept.size === 0) return undefined;
    return Promise.all([...this.kept.values()].map((channel) => {
      channel.live = false;
      this.request(channel);
      return new Promise((settled) => channel.waiters.push(settled));
    }));
  }

  /** Resumes a history channel now (a gap to fill), unless a request for it is in flight or waits for its backoff. */
  resume(name: string): void {
    const channel = this.kept.get(name);
    if (channel?.live && !channel.ref && !channel.timer.active) this.request(channel);
  }

  /** Whether the channel is kept, and its first subscribe not answered yet. */
  awaiting(name: string): boolean {
    const channel = this.kept.get(name);
    return !!channel && !channel.confirmed;
  }

  /** The socket is gone: what was in flight on it is not answered; the kept channels wait for the next socket. */
  lost(code = 'DISCONNECTED'): void {
    for (const channel of this.kept.values()) this.cancel(channel);
    for (const reject of [...this.asking]) reject(code);
    // What is left are unsubscribes in flight: done, the subscriptions went with the socket.
    for (const handle of [...this.pending.values()]) handle({ type: 'unsubscribed' });
  }

  /** The client is closed: every channel is forgotten, every `subscribe()` and `members()` waiting rejected. */
  close(): void {
    for (const channel of [...this.kept.values()]) this.forget(channel, failure('CLOSED', channel.name));
    this.lost('CLOSED');
  }

  private refused(name: string, kind: ClientErrorKind = 'subscription'): PusherClientError | undefined {
    if (!isChannelName(name)) return failure('INVALID_CHANNEL', JSON.stringify(name), 'not 1 to 8 segments joined by /, each 1 to 64 of A-Z a-z 0-9 _ - . = @ : + | ~', undefined, kind);
    if (this.options.messageFormat !== 'envelope') return failure('NOT_ENVELOPE', name, "channels need messageFormat 'envelope'", undefined, kind);
    return undefined;
  }

  /**
   * Sends `action` for the channel (and the `position` a resume is from) with a fresh ref, and waits for its reply
   * (`<action>d`, `members` to `presence`, `reset` to `resume` too, or an `error`) within `replyTimeoutMs`, else `timedOut`
   * (an error of `kind`). Returns the ref; undefined when no socket is open.
   */
  private ask(action: string, name: string, timer: Timer, answer: (reply: Reply) => void, timedOut: (error: PusherClientError) => void,
    kind: ClientErrorKind = 'subscription', position?: HistoryPosition) {
    const answers = action === 'presence' ? 'members' : `${action}d`;
    const ref = `wp${this.refs + 1}`;
    if (!this.host.send({ action, channel: name, ...position, ref })) return undefined;
    this.refs++;
    const ms = this.options.replyTimeoutMs;
    if (ms > 0) {
      timer.start(ms, () => {
        this.pending.delete(ref);
        timedOut(failure('TIMEOUT', name, `no reply to ${action} within ${ms} ms`, undefined, kind));
      });
    }
    this.pending.set(ref, (reply) => {
      if (reply.type !== answers && reply.type !== 'error' && (reply.type !== 'reset' || !position)) return false;
      timer.stop();
      this.pending.delete(ref);
      answer(reply);
      return true;
    });
    return ref;
  }

  /**
   * Subscribes the channel on the current socket (unless none is open: the next one's `restore` does); a history channel
   * with a position is resumed from it (which subscribes too), again while the API answers `more`.
   */
  private request(channel: Channel): void {
    this.cancel(channel);
    const { name } = channel;
    const position = this.history.position(name, true);
    channel.ref = this.ask(position ? 'resume' : 'subscribe', name, channel.timer, (reply) => {
      channel.ref = undefined;
      if (reply.type === 'error') {
        // A resume of a channel without history: forgotten as one, subscribed as any other.
        if (position && reply.code === 'NOT_ENABLED') {
          this.history.forget(name);
          return this.request(channel);
        }
        if (reply.code === 'UNAVAILABLE') this.failed(channel, replyFailure(name, reply));
        else this.giveUp(channel, replyFailure(name, reply));
        return;
      }
      const again = !!channel.confirmed;
      const fresh = !channel.live;
      channel.confirmed = channel.live = true;
      const more = this.history.answered(name, reply);
      channel.failures = 0;
      for (const settle of channel.waiters.splice(0)) settle();
      if (fresh) this.host.report(name, undefined, again);
      if (more) this.request(channel);
    }, (error) => this.failed(channel, error), 'subscription', position);
  }

  /** `UNAVAILABLE`, or no reply: tried again after a backoff, `SUBSCRIBE_ATTEMPTS` times in all. */
  private failed(channel: Channel, error: PusherClientError): void {
    this.cancel(channel);
    if (++channel.failures >= SUBSCRIBE_ATTEMPTS) return this.giveUp(channel, error);
    channel.timer.start(backoffDelay(channel.failures - 1, this.options.backoff, this.options.random), () => this.request(channel));
  }

  /** A final refusal, or the attempts ran out: the channel is forgotten, and the app told. */
  private giveUp(channel: Channel, error: PusherClientError): void {
    this.forget(channel, error);
    this.host.report(channel.name, error, !!channel.confirmed);
  }

  private forget(channel: Channel, error: PusherClientError): void {
    this.cancel(channel);
    this.kept.delete(channel.name);
    this.history.forget(channel.name);
    for (const settle of channel.waiters.splice(0)) settle(error);
  }

  /** Stops waiting for the channel's reply or its next attempt. */
  private cancel(channel: Channel): void {
    channel.timer.stop();
    if (channel.ref) this.pending.delete(channel.ref);
    channel.ref = undefined;
  }
}
