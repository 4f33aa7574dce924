import { Channels } from './channels.js';
import { ConnectionManager } from './connection-manager.js';
import type { ConnectionState, RetryInfo } from './connection-state.js';
import { RecentIds } from './dedupe.js';
import { Emitter } from './emitter.js';
import { PusherClientError } from './errors.js';
import { History } from './history.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { PresenceOrder } from './presence-order.js';
import {
  MAX_FRAME_BYTES, parseFrame, type Envelope, type HistoryPosition, type Members, type PresenceEvent, type ProtocolFrame, type ResetEvent,
} from './protocol.js';
import { SendBuffer } from './send-buffer.js';

// Typed here rather than from DOM or Node.js typings (the package compiles against neither); both platforms have it.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

/** The client's events and their listeners' arguments. */
export interface ClientEvents {
  /**
   * A message: its `data`, and its envelope (`undefined` with the `data` format; `envelope.channel` the channel it came
   * through, if any). Each envelope `id` once; on history channels in `seq` order, without a gap (or a `reset` between).
   */
  message: (data: unknown, envelope: Envelope | undefined) => void;
  /** The connection state changed. */
  state: (state: ConnectionState, previous: ConnectionState) => void;
  /** Something went wrong; the client carries on (it retries what can be retried). */
  error: (error: PusherClientError) => void;
  /** A reconnect (or a failed re-dial) is scheduled. */
  retry: (retry: RetryInfo) => void;
  /** A re-dialed socket took over before the 2-hour limit; the old one drains for `redial.graceMs`. */
  redial: () => void;
  /** The API answered a ping. */
  pong: () => void;
  /**
   * A message was dropped: its `id` was already delivered, or its seq in each of its history channels is already
   * accounted for (delivered, or covered by a `reset`), or it is of an epoch the channel no longer has.
   */
  duplicate: (envelope: Envelope) => void;
  /**
   * The API could not prove a history channel's continuity (another epoch, a position older than its retention): the
   * messages in between are lost, the app reloads the channel's state; messages after `seq` follow, in order.
   */
  reset: (reset: ResetEvent) => void;
  /**
   * A channel was subscribed (`error` undefined): on `subscribe()`, and again on every new socket (reconnect, re-dial; a
   * history channel is resumed then, and this comes once its resume is answered);
   * or it was given up (`error` set: a final refusal, or `UNAVAILABLE` / no reply too many times) and is forgotten.
   */
  subscription: (channel: string, error: PusherClientError | undefined) => void;
  /**
   * On a presence channel the client is subscribed to, another user joined (its first connection subscribed) or left
   * (its last one unsubscribed, or dropped and stayed away for the API's grace period). Never the client's own user.
   * In the order of the changes: a frame older than one already emitted for that user (by `version`) is dropped.
   */
  presence: (presence: PresenceEvent) => void;
  /** Any other protocol frame (a reply the client was not waiting for, a malformed `presence`, … as later features add them). */
  frame: (frame: ProtocolFrame) => void;
}

/**
 * A client of a `cdk-websocket-pusher` WebSocket API: connects with a fresh token on every (re)connect, reconnects with
 * jittered exponential backoff, pings inside API Gateway's 10-minute idle timeout, re-dials before its 2-hour limit
 * (make-before-break), drops duplicate messages by envelope `id`, and buffers `send` while reconnecting.
 *
 * @example
 * const client = new WebsocketPusherClient({ url: 'wss://abc123.execute-api.eu-west-1.amazonaws.com/prod', token: () => auth.idToken() });
 * client.on('message', (data) => render(data));
 * client.connect();
 */
export class WebsocketPusherClient {
  private readonly options: ResolvedOptions;
  private readonly events: Emitter<ClientEvents>;
  private readonly manager: ConnectionManager;
  private readonly recent: RecentIds;
  private readonly presenceOrder = new PresenceOrder();
  private readonly buffer: SendBuffer;
  private readonly channels: Channels;
  private readonly history: History;

  constructor(options: ClientOptions) {
    this.options = resolveOptions(options);
    this.events = new Emitter<ClientEvents>((error, event) => this.listenerFailed(error, event));
    this.recent = new RecentIds(this.options.dedupeCapacity);
    this.buffer = new SendBuffer(this.options.maxBufferedFrames);
    this.history = new History(this.options, {
      deliver: (envelope) => this.deliver(envelope),
      drop: (envelope) => this.events.emit('duplicate', envelope),
      resume: (channel) => this.channels.resume(channel),
      awaiting: (channel) => this.channels.awaiting(channel),
      reset: (reset) => this.events.emit('reset', reset),
    });
    this.channels = new Channels(this.options, {
      send: (frame) => this.manager.send(JSON.stringify(frame)),
      closed: () => this.manager.state === 'closed',
      report: (channel, error, again) => {
        this.events.emit('subscription', channel, error);
        // A re-subscribe (after a reconnect or a re-dial) refused: no `subscribe()` call is there to learn it.
        if (error && again) this.events.emit('error', error);
      },
    }, this.history);
    this.manager = new ConnectionManager(this.options, {
      open: (redial) => this.opened(redial),
      state: (state, previous) => {
        if (state === 'reconnecting') this.channels.lost();
        this.events.emit('state', state, previous);
      },
      frame: (text) => this.received(text),
      retry: (retry) => this.events.emit('retry', retry),
      error: (error) => this.events.emit('error', error),
    });
  }

  /** The connection state: `idle`, `connecting`, `open`, `reconnecting` or `closed`. */
  get state(): ConnectionState {
    return this.manager.state;
  }

  /** How many frames wait in the send buffer for a socket. */
  get bufferedFrames(): number {
    return this.buffer.size;
  }

  /** The channels the client keeps (subscribed, or to be): each is subscribed again on every new socket. */
  get subscriptions(): readonly string[] {
    return this.channels.names;
  }

  /** Adds a listener; returns what removes it. */
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    this.events.off(event, listener);
  }

  /** Starts connecting (again, after `close()`). Add listeners first. */
  connect(): this {
    this.manager.connect();
    return this;
  }

  /**
   * Sends a frame (an object is sent as its JSON). While no socket is open it is kept, up to `maxBufferedFrames`, and
   * sent in order once one is. Returns false when it was refused: the buffer is full, or the client is closed. Throws a
   * `RangeError` for a frame over API Gateway's WebSocket frame size limit (32 KB of UTF-8, `MAX_FRAME_BYTES`), which
   * would close the connection (1009).
   */
  send(frame: string | object): boolean {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_FRAME_BYTES) {
      throw new RangeError(`a frame of ${bytes} bytes is over API Gateway's WebSocket frame size limit of 32 KB (${MAX_FRAME_BYTES} bytes): it would close the connection (1009)`);
    }
    if (this.manager.state === 'closed') return false;
    if (this.buffer.size === 0 && this.manager.send(text)) return true;
    return this.buffer.push(text);
  }

  /**
   * Subscribes to a channel and keeps it: subscribed again on every new socket (reconnect, re-dial) until
   * `unsubscribe()`. Resolves once the API answered `subscribed`; while no socket is open it waits for one. Rejects with
   * a `PusherClientError` (kind `subscription`, `details.code`) on a name that is not a channel's (nothing sent), a
   * refusal (`FORBIDDEN`, `INVALID_CHANNEL`, `TOO_MANY_SUBSCRIPTIONS`: the channel is forgotten), `UNAVAILABLE` or no
   * reply within `replyTimeoutMs` 5 times (retried with backoff in between), `unsubscribe()` or `close()` first.
   *
   * On a history channel, `from` (a position stored from `position()`) resumes it from there: the messages after it are
   * delivered first (or a `reset` event comes). Ignored when the channel is already kept.
   */
  subscribe(channel: string, from?: HistoryPosition): Promise<void> {
    return this.channels.subscribe(channel, from);
  }

  /**
   * A history channel's position (`since`: the last seq delivered, or reset to; `epoch`), to store and pass to
   * `subscribe()` later; undefined for a channel without history, or not (yet) subscribed.
   */
  position(channel: string): HistoryPosition | undefined {
    return this.history.position(channel);
  }

  /**
   * Forgets a channel, and unsubscribes from it when a socket is open: resolves on the API's `unsubscribed` (at once
   * when no socket is open: its subscriptions went with it). A `subscribe()` still waiting rejects (`UNSUBSCRIBED`).
   */
  unsubscribe(channel: string): Promise<void> {
    return this.channels.unsubscribe(channel);
  }

  /**
   * Asks who is on a presence channel the client is subscribed to (on its current socket: await `subscribe()` first):
   * the first 100 user ids in ascending order, and the exact count. Rejects with a `PusherClientError` (kind `presence`,
   * `details.code`) on an error reply (`FORBIDDEN`: not subscribed or not allowed; `NOT_ENABLED`: no presence on the
   * channel; `INVALID_CHANNEL`), `UNAVAILABLE` or no reply within `replyTimeoutMs` 5 times (asked again with backoff in
   * between, as a subscribe is), no socket open or the socket gone before the answer (`DISCONNECTED`), `close()`
   * (`CLOSED`), and, nothing sent, a name that is not a channel's (`INVALID_CHANNEL`) or the `data` format (`NOT_ENVELOPE`).
   */
  members(channel: string): Promise<Members> {
    return this.channels.members(channel);
  }

  /**
   * Closes the connection for good (until `connect()`): no reconnect; buffered frames are dropped, the channels
   * forgotten (a `subscribe()` or `members()` waiting rejects with `CLOSED`).
   */
  close(): void {
    this.history.clear();
    this.channels.close();
    this.buffer.clear();
    this.manager.close();
  }

  /** Restores the channels on the new socket before the app's buffered frames go out; a re-dial's old socket waits for them. */
  private opened(redial: boolean): PromiseLike<unknown> | undefined {
    const restored = this.channels.restore();
    this.flush();
    if (redial) this.events.emit('redial');
    return restored;
  }

  private flush(): void {
    const frames = this.buffer.drain();
    for (let i = 0; i < frames.length; i++) {
      if (!this.manager.send(frames[i])) {
        this.buffer.restore(frames.slice(i));
        return;
      }
    }
  }

  private received(text: string): void {
    const frame = parseFrame(text, this.options.messageFormat);
    switch (frame.kind) {
      case 'envelope':
        this.history.receive(frame.envelope);
        return;
      case 'data':
        this.events.emit('message', frame.data, undefined);
        return;
      case 'pong':
        this.events.emit('pong');
        return;
      case 'presence':
        if (this.presenceOrder.newer(frame.presence)) this.events.emit('presence', frame.presence);
        return;
      case 'error':
        if (this.channels.reply(frame.frame)) return;
        this.events.emit('error', new PusherClientError('protocol', `${frame.frame.code}: ${frame.frame.message ?? ''}`, { code: frame.frame.code, ref: frame.frame.ref, frame: frame.frame }));
        return;
      case 'gateway-error':
        this.events.emit('error', new PusherClientError('gateway', `API Gateway answered: ${frame.message}`, { frame: text, requestId: frame.requestId }));
        return;
      case 'frame':
        if (!this.channels.reply(frame.frame)) this.events.emit('frame', frame.frame);
        return;
    }
  }

  private deliver(envelope: Envelope): void {
    if (this.recent.add(envelope.id)) this.events.emit('message', envelope.data, envelope);
    else this.events.emit('duplicate', envelope);
  }

  private listenerFailed(error: unknown, event: keyof ClientEvents): void {
    // An error listener that throws is not called again for its own error.
    if (event === 'error') return;
    this.events.emit('error', new PusherClientError('listener', `a '${String(event)}' listener threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }
}
