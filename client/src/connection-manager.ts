import type { ConnectionState, RetryInfo, RetryReason } from './connection-state.js';
import { PusherClientError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { dialTarget, PING_FRAME } from './protocol.js';
import { backoffDelay, redialDelay } from './schedule.js';
import { Timer } from './timers.js';
import { describeErrorEvent, OPEN, type WebSocketLike } from './websocket.js';

/** What the manager tells the client. */
export interface ManagerEvents {
  /**
   * A socket became the one frames are sent on; `redial` when it replaced an open one (make-before-break). What it
   * returns, if anything, keeps the replaced socket past `redial.graceMs` until it settles (the channels subscribed
   * again on the new socket).
   */
  open(redial: boolean): PromiseLike<unknown> | void;
  state(state: ConnectionState, previous: ConnectionState): void;
  /** A text frame from any open socket (the current one, or one being retired after a re-dial). */
  frame(text: string): void;
  retry(retry: RetryInfo): void;
  error(error: PusherClientError): void;
}

/** One socket: being dialed, the current one, draining after a re-dial, or gone (its events ignored from then on). */
interface Link {
  readonly socket: WebSocketLike;
  role: 'dialing' | 'primary' | 'draining' | 'gone';
  readonly redial: boolean;
  openedAt?: number;
  /** The retry count when it opened (reset then): restored if it is lost within `backoff.resetAfterMs`. */
  attemptsBefore?: number;
  /** The last error event's description: why a dial failed. */
  error?: string;
  readonly grace: Timer;
}

/** A dial in progress: waiting for the token, then for its socket to open, within `connectTimeoutMs` in all. */
interface Dial {
  readonly redial: boolean;
  link?: Link;
}

/**
 * The socket lifecycle: dial with a fresh token, retry with backoff, ping while idle, re-dial before the 2-hour limit
 * (the new socket opens before the old one is closed), close. One socket is current (frames are sent on it); during a
 * re-dial a second one is dialed, and the old one drains for `redial.graceMs` after the switch.
 */
export class ConnectionManager {
  private current: ConnectionState = 'idle';
  private primary?: Link;
  private dialing?: Dial;
  private readonly draining = new Set<Link>();
  private attempt = 0;
  private readonly retryTimer: Timer;
  private readonly redialTimer: Timer;
  private readonly pingTimer: Timer;
  private readonly pongTimer: Timer;
  private readonly connectTimer: Timer;

  constructor(private readonly options: ResolvedOptions, private readonly events: ManagerEvents) {
    const timer = () => new Timer(options.timers);
    this.retryTimer = timer();
    this.redialTimer = timer();
    this.pingTimer = timer();
    this.pongTimer = timer();
    this.connectTimer = timer();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Starts connecting (from `idle`, or again after `close()`). */
  connect(): void {
    if (this.current !== 'idle' && this.current !== 'closed') return;
    this.attempt = 0;
    this.setState('connecting');
    void this.dial(false);
  }

  /** Closes every socket and stops every timer; nothing reconnects until `connect()`. */
  close(): void {
    for (const timer of [this.retryTimer, this.redialTimer, this.pingTimer, this.pongTimer, this.connectTimer]) timer.stop();
    const links = [this.dialing?.link, this.primary, ...this.draining];
    this.dialing = undefined;
    this.primary = undefined;
    this.draining.clear();
    for (const link of links) if (link) this.abandon(link, 1000, 'client closed');
    this.setState('closed');
  }

  /** Sends on the current socket; false when none is open. */
  send(text: string): boolean {
    const link = this.primary;
    if (!link || link.socket.readyState !== OPEN) return false;
    link.socket.send(text);
    this.schedulePing();
    return true;
  }

  private async dial(redial: boolean): Promise<void> {
    const dial: Dial = { redial };
    this.dialing = dial;
    // Started before the token is asked for: a provider that never answers must not hold the client (and every re-dial
    // and reconnect, which wait for a dial under way) forever.
    if (this.options.connectTimeoutMs > 0) this.connectTimer.start(this.options.connectTimeoutMs, () => this.connectTimedOut(dial));
    let token: string;
    try {
      token = await this.options.token();
      if (typeof token !== 'string') throw new TypeError(`the token provider returned ${typeof token}, not a string`);
    } catch (error) {
      if (this.dialing !== dial) return;
      this.giveUp(dial, 'token', new PusherClientError('token', `the token provider failed: ${describe(error)}`, { cause: error }));
      return;
    }
    if (this.dialing !== dial) return;
    const { url, protocols } = dialTarget(this.options.url, token, this.options.tokenTransport, this.options.tokenQueryParameter);
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(url, protocols) as WebSocketLike;
    } catch (error) {
      // e.g. a SyntaxError: a token that is not a valid subprotocol.
      this.giveUp(dial, 'connect-failed', new PusherClientError('connect', `could not dial: ${describe(error)}`, { cause: error }));
      return;
    }
    const link: Link = { socket, role: 'dialing', redial, grace: new Timer(this.options.timers) };
    dial.link = link;
    socket.onopen = () => this.opened(link);
    socket.onmessage = (event) => this.received(link, event.data);
    socket.onerror = (event) => {
      link.error = describeErrorEvent(event) ?? link.error;
    };
    socket.onclose = (event) => this.closed(link, event.code);
  }

  private opened(link: Link): void {
    if (link.role !== 'dialing') return;
    this.connectTimer.stop();
    this.dialing = undefined;
    const previous = this.primary;
    link.role = 'primary';
    link.openedAt = this.options.timers.now();
    link.attemptsBefore = this.attempt;
    this.attempt = 0;
    this.primary = link;
    if (previous) {
      previous.role = 'draining';
      this.draining.add(previous);
    }
    this.pongTimer.stop();
    this.schedulePing();
    if (this.options.redial.afterMs > 0) {
      this.redialTimer.start(redialDelay(this.options.redial, this.options.random), () => this.redialNow());
    }
    const restored = this.events.open(previous !== undefined);
    // The old socket drains for the grace period, and until what the new one restores is settled: it is still
    // subscribed to the channels, so nothing published to them meanwhile is missed.
    if (previous?.role === 'draining') {
      previous.grace.start(this.options.redial.graceMs, () => (restored ? void restored.then(() => this.retire(previous)) : this.retire(previous)));
    }
    if (this.primary === link) this.setState('open');
  }

  private received(link: Link, data: unknown): void {
    if (link.role !== 'primary' && link.role !== 'draining') return;
    if (link === this.primary) this.pongTimer.stop();
    if (typeof data !== 'string') {
      this.events.error(new PusherClientError('frame', 'a binary frame was received: the API sends text frames only', { frame: data }));
      return;
    }
    this.events.frame(data);
  }

  private closed(link: Link, code: number): void {
    const role = link.role;
    link.role = 'gone';
    link.grace.stop();
    if (role === 'draining') {
      this.draining.delete(link);
    } else if (role === 'dialing') {
      const why = link.error ? `: ${link.error}` : '';
      this.giveUp(this.dialing ?? link, 'connect-failed', new PusherClientError('connect', `could not connect${why} (close code ${code})`, { cause: link.error }), code);
    } else if (role === 'primary') {
      this.lost(link, 'closed', code);
    }
  }

  /** The current socket is gone: reconnect, unless a re-dial is already under way (it becomes the reconnect). */
  private lost(link: Link, reason: RetryReason, code?: number): void {
    this.primary = undefined;
    this.pingTimer.stop();
    this.pongTimer.stop();
    this.redialTimer.stop();
    // Accepted, then dropped at once: no success, the backoff goes on from where it was before this socket opened.
    const lived = this.options.timers.now() - (link.openedAt ?? 0);
    if (lived < this.options.backoff.resetAfterMs) this.attempt = Math.max(this.attempt, link.attemptsBefore ?? 0);
    if (this.dialing || this.retryTimer.active) {
      this.setState('reconnecting');
      return;
    }
    this.scheduleRetry(false, reason, code);
  }

  /** The dial under way failed: forget it, and retry it. */
  private giveUp(dial: Dial | Link, reason: RetryReason, error: PusherClientError, code?: number): void {
    this.connectTimer.stop();
    this.dialing = undefined;
    this.fail(dial, reason, error, code);
  }

  /** A dial failed: retry it, as a re-dial while the current socket is still open. */
  private fail(dial: { readonly redial: boolean }, reason: RetryReason, error: PusherClientError, code?: number): void {
    this.scheduleRetry(dial.redial && this.primary !== undefined, reason, code);
    this.events.error(error);
  }

  private scheduleRetry(redial: boolean, reason: RetryReason, code?: number): void {
    const delayMs = backoffDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt++;
    const retry: RetryInfo = { attempt: this.attempt, delayMs, reason, code, redial };
    this.retryTimer.start(delayMs, () => void this.dial(this.primary !== undefined));
    if (!redial) this.setState('reconnecting');
    if (this.current !== 'closed') this.events.retry(retry);
  }

  /** The dial is not done within `connectTimeoutMs`: still waiting for the token, or for its socket to open. */
  private connectTimedOut(dial: Dial): void {
    if (this.dialing !== dial) return;
    const within = `within ${this.options.connectTimeoutMs} ms`;
    const link = dial.link;
    if (!link) {
      // Its token, should it come after all, is ignored: the dial is no longer the one under way.
      this.giveUp(dial, 'token', new PusherClientError('token', `the token provider did not answer ${within}`));
      return;
    }
    link.error = `not open after ${this.options.connectTimeoutMs} ms`;
    const code = 4000;
    this.abandon(link, code, 'connect timeout');
    this.giveUp(dial, 'connect-failed', new PusherClientError('connect', `could not connect: ${link.error}`), code);
  }

  private redialNow(): void {
    if (this.dialing || !this.primary || this.retryTimer.active) return;
    void this.dial(true);
  }

  private schedulePing(): void {
    if (this.options.pingIntervalMs > 0) this.pingTimer.start(this.options.pingIntervalMs, () => this.ping());
  }

  private ping(): void {
    const link = this.primary;
    if (!link || link.socket.readyState !== OPEN) return;
    link.socket.send(PING_FRAME);
    if (this.options.pongTimeoutMs > 0 && !this.pongTimer.active) {
      this.pongTimer.start(this.options.pongTimeoutMs, () => this.pingTimedOut(link));
    }
    this.schedulePing();
  }

  /** Nothing came back after a ping: the socket is taken as dead (a half-open TCP connection) and replaced. */
  private pingTimedOut(link: Link): void {
    if (link !== this.primary) return;
    this.abandon(link, 4000, 'ping timeout');
    this.lost(link, 'ping-timeout');
    this.events.error(new PusherClientError('ping-timeout', `nothing received within ${this.options.pongTimeoutMs} ms of a ping`));
  }

  /** The grace period of a re-dialed socket is over: close it. */
  private retire(link: Link): void {
    if (link.role !== 'draining') return;
    this.draining.delete(link);
    this.abandon(link, 1000, 're-dialed');
  }

  /** Forgets a socket (its events are ignored from now on) and closes it. Its handlers stay: `ws` throws on an unheard error. */
  private abandon(link: Link, code: number, reason: string): void {
    link.role = 'gone';
    link.grace.stop();
    try {
      link.socket.close(code, reason);
    } catch {
      // Closing a socket that is already closing: nothing left to do.
    }
  }

  private setState(state: ConnectionState): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    this.events.state(state, previous);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
