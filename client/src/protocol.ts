/**
 * The wire protocol of a `cdk-websocket-pusher` WebSocket API, as the client speaks it: how a token travels on the
 * upgrade, the frames the client sends, and what a received text frame is. Pure: no socket, no timer.
 */

/** The subprotocol the client offers first when the token travels in `Sec-WebSocket-Protocol`; the server selects it. */
export const SUBPROTOCOL = 'websocket-pusher';

/**
 * API Gateway's largest WebSocket frame from a client (32 KB, UTF-8 bytes): a bigger one closes the connection (code
 * 1009). Its 128 KB message limit is for a message split into frames, which browsers and `ws` do not do.
 */
export const MAX_FRAME_BYTES = 32 * 1024;

/**
 * A channel name: 1 to 8 segments joined by `/`, each 1 to 64 characters of `A-Z a-z 0-9 _ - . = @ : + | ~` (the
 * library's `isChannelName`, which a test keeps this equal to).
 */
const CHANNEL_NAME = /^[\w\-.=@:+|~]{1,64}(\/[\w\-.=@:+|~]{1,64}){0,7}$/;

/** Whether `name` is a channel name the API accepts: 1 to 8 segments joined by `/`, each 1 to 64 of `A-Z a-z 0-9 _ - . = @ : + | ~`. */
export function isChannelName(name: unknown): name is string {
  return typeof name === 'string' && CHANNEL_NAME.test(name);
}

/** The keep-alive frame: API Gateway's ping route answers it with `{"type":"pong"}` (a mock integration). */
export const PING_FRAME = '{"action":"ping"}';

/**
 * Where the token travels on the upgrade request: the query string (`?token=…`, what a browser can always do), or the
 * `Sec-WebSocket-Protocol` header as the subprotocols `['websocket-pusher', token]` (kept out of access logs and URLs;
 * the API's authorizer must read it there and select `websocket-pusher`, as the library's JWT authorizer does).
 */
export type TokenTransport = 'query' | 'protocol';

/**
 * What the API pushes: `data` (the bare `data`, the construct's default `MessageFormat.DATA`, and the client's) or
 * `envelope` (`{"type":"message","id":…,"data":…}`, the construct's `MessageFormat.ENVELOPE`, needed to drop duplicates).
 */
export type MessageFormat = 'envelope' | 'data';

/** A message as the construct's `MessageFormat.ENVELOPE` delivers it. */
export interface Envelope {
  readonly type: 'message';
  /** The request's `id`, or its SQS / SNS message id: the same on every redelivery of the request. */
  readonly id: string;
  /** The request's `data`. */
  readonly data: unknown;
  /** The channel the message reached this connection through; absent when it was sent to the user or the connection. */
  readonly channel?: string;
  /** The message's seq in `channel`, when it is a history channel: consecutive per channel (1, 2, 3 …). */
  readonly seq?: number;
  /** The history epoch of `channel`: it changes when the channel's continuity can no longer be proven. */
  readonly epoch?: string;
  /**
   * The message's seq in each of the request's history channels this connection is subscribed to (one copy is delivered
   * for all of them); a replayed message has its resumed channel's only.
   */
  readonly positions?: Readonly<Record<string, number>>;
}

/**
 * A history channel's position: the last seq the client accounted for (every message up to it delivered, or covered by
 * a `reset`), and the channel's epoch. What `position()` returns and `subscribe(channel, position)` resumes from.
 */
export interface HistoryPosition {
  readonly since: number;
  readonly epoch: string;
}

/**
 * The API could not prove a history channel's continuity (another epoch, a position older than its retention or ahead
 * of the channel): `seq` and `epoch` are the channel's current position, from which messages are delivered again. The
 * app reloads the channel's state.
 */
export interface ResetEvent {
  readonly channel: string;
  readonly seq: number;
  readonly epoch: string;
}

/** A protocol error reply: `{"type":"error","code":…,"message":…,"ref":…}`. */
export interface ErrorFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message?: string;
  readonly action?: string;
  readonly channel?: string;
  readonly ref?: string;
}

/** A user joined or left a presence channel (never the client's own user): `{"type":"presence",…}`, as the `presence` event gets it. */
export interface PresenceEvent {
  readonly channel: string;
  /** `join`: the user's first connection subscribed; `leave`: its last one unsubscribed, or dropped and stayed away for the grace period. */
  readonly event: 'join' | 'leave';
  readonly user: string;
  /** Increases with each change of the user's membership in the channel: the later of two frames has the higher one. */
  readonly version: number;
}

/** A presence channel's members, as `members()` resolves: the first 100 user ids in ascending order, and how many there are. */
export interface Members {
  readonly users: string[];
  readonly count: number;
}

/** Any other frame with a `type` (`subscribed`, `members`, `resumed`, `reset`, …). */
export interface ProtocolFrame {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What one received text frame is. */
export type IncomingFrame =
  | { readonly kind: 'envelope'; readonly envelope: Envelope }
  | { readonly kind: 'data'; readonly data: unknown }
  | { readonly kind: 'pong' }
  | { readonly kind: 'presence'; readonly presence: PresenceEvent }
  | { readonly kind: 'error'; readonly frame: ErrorFrame }
  /** API Gateway's own error answer to a frame: `{"message":"Forbidden","connectionId":…,"requestId":…}`. */
  | { readonly kind: 'gateway-error'; readonly message: string; readonly requestId?: string }
  | { readonly kind: 'frame'; readonly frame: ProtocolFrame };

/**
 * Reads a received text frame. In the `envelope` format every frame has a `type`: a message envelope, `pong`, `error`
 * or another protocol reply; API Gateway's own error answers have none. In the `data` format a frame is the pushed
 * `data` unless it is exactly a `pong`, an API Gateway error answer (`message` with `connectionId` or `requestId`) or
 * an `error` frame: those shapes are the protocol's, so a backend using the `data` format must not push them. A frame
 * that is not JSON is delivered as its text, as `data`. A `presence` frame (envelope format) is one only when it has a
 * channel name, `event` `join` or `leave`, a non-empty `user` and a whole-number `version`; a malformed one is another protocol frame.
 */
export function parseFrame(text: string, format: MessageFormat): IncomingFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'data', data: text };
  }
  if (!isObject(value)) return { kind: 'data', data: value };
  const type = value.type;
  if (type === 'pong') return { kind: 'pong' };
  if (type === 'error' && typeof value.code === 'string') return { kind: 'error', frame: value as unknown as ErrorFrame };
  if (type === undefined && typeof value.message === 'string' && ('connectionId' in value || 'requestId' in value)) {
    return { kind: 'gateway-error', message: value.message, requestId: typeof value.requestId === 'string' ? value.requestId : undefined };
  }
  if (format === 'data') return { kind: 'data', data: value };
  if (type === 'message' && typeof value.id === 'string' && 'data' in value) {
    return { kind: 'envelope', envelope: value as unknown as Envelope };
  }
  if (type === 'presence' && isChannelName(value.channel) && (value.event === 'join' || value.event === 'leave') && typeof value.user === 'string' && value.user !== ''
    && typeof value.version === 'number' && Number.isSafeInteger(value.version) && value.version >= 0) {
    return { kind: 'presence', presence: { channel: value.channel, event: value.event, user: value.user, version: value.version } };
  }
  if (typeof type === 'string') return { kind: 'frame', frame: value as ProtocolFrame };
  // An envelope-format API pushed something that is not an envelope (e.g. the API still uses the `data` format).
  return { kind: 'data', data: value };
}

/** The members of a `members` reply: `users` user ids (non-empty strings), `count` a whole number at least as large; else undefined. */
export function membersOf(frame: { readonly users?: unknown; readonly count?: unknown }): Members | undefined {
  const { users, count } = frame;
  if (!Array.isArray(users) || !users.every((user) => typeof user === 'string' && user !== '')) return undefined;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < users.length) return undefined;
  return { users: [...users] as string[], count };
}

/** The URL and subprotocols of one dial, the token placed as `transport` says. */
export function dialTarget(url: string, token: string, transport: TokenTransport, queryParameter: string): { url: string; protocols?: string[] } {
  if (transport === 'protocol') return { url, protocols: [SUBPROTOCOL, token] };
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return { url: `${base}${separator}${encodeURIComponent(queryParameter)}=${encodeURIComponent(token)}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
