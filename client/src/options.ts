import type { MessageFormat, TokenTransport } from './protocol.js';
import { DEFAULT_BACKOFF, DEFAULT_REDIAL, MAX_CONNECTION_MS, type BackoffOptions, type RedialOptions } from './schedule.js';
import { systemTimers, type Timers } from './timers.js';
import { resolveWebSocket, type WebSocketConstructor } from './websocket.js';

/** A token, or what returns one (sync or async); called before every connect, so a refreshed token is used. */
export type TokenProvider = string | (() => string | Promise<string>);

/** How a `WebsocketPusherClient` connects and stays connected. */
export interface ClientOptions {
  /** The WebSocket API's stage URL, `wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly url: string;
  /** The token the API's `$connect` authorizer verifies, or its provider, called on every (re)connect. */
  readonly token: TokenProvider;
  /** Where the token travels: `query` (`?token=…`) or `protocol` (`Sec-WebSocket-Protocol`). @default 'query' */
  readonly tokenTransport?: TokenTransport;
  /** The query parameter that carries the token with `tokenTransport: 'query'`. @default 'token' */
  readonly tokenQueryParameter?: string;
  /** The WebSocket constructor. @default globalThis.WebSocket (browsers, Node.js 22+); `ws`'s on older Node.js */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * The API's `messageFormat`: `'data'` (the construct's default, `MessageFormat.DATA`) or `'envelope'`
   * (`MessageFormat.ENVELOPE`: duplicates dropped by `id`, other typed frames as `frame` events). @default 'data'
   */
  readonly messageFormat?: MessageFormat;
  /** Reconnect delays (full-jitter exponential backoff). */
  readonly backoff?: BackoffOptions;
  /**
   * Sends `{"action":"ping"}` after this long without sending anything, inside API Gateway's 10-minute idle timeout;
   * 0 turns pings off. @default 240000 (4 min)
   */
  readonly pingIntervalMs?: number;
  /** A socket that receives nothing this long after a ping is taken as dead and replaced; 0 waits forever. @default 20000 */
  readonly pongTimeoutMs?: number;
  /** A dial (the token provider's answer, then the socket's open) not done this long after it began is given up and retried. @default 15000 */
  readonly connectTimeoutMs?: number;
  /**
   * A subscribe, unsubscribe or presence request sent and not answered this long after is given up (a subscribe or a
   * presence request is tried again, up to 5 times in all); 0 waits forever. @default 10000
   */
  readonly replyTimeoutMs?: number;
  /** Re-dialing before API Gateway's 2-hour limit. */
  readonly redial?: RedialOptions;
  /**
   * A message of a history channel that arrived ahead of its turn (a seq missing before it) is held this long for the
   * missing ones, then the channel is resumed from its position. @default 1000
   */
  readonly gapTimeoutMs?: number;
  /** How many recent message ids are kept to drop duplicates. @default 1000 */
  readonly dedupeCapacity?: number;
  /** How many frames `send` keeps while no socket is open; more are refused. @default 100 */
  readonly maxBufferedFrames?: number;
  /** The clock and timers (tests). @default the platform's */
  readonly timers?: Timers;
  /** Random numbers in [0, 1) for the jitter (tests). @default Math.random */
  readonly random?: () => number;
}

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly url: string;
  readonly token: () => string | Promise<string>;
  readonly tokenTransport: TokenTransport;
  readonly tokenQueryParameter: string;
  readonly WebSocket: WebSocketConstructor;
  readonly messageFormat: MessageFormat;
  readonly backoff: Required<BackoffOptions>;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly replyTimeoutMs: number;
  readonly redial: Required<RedialOptions>;
  readonly gapTimeoutMs: number;
  readonly dedupeCapacity: number;
  readonly maxBufferedFrames: number;
  readonly timers: Timers;
  readonly random: () => number;
}

/** Applies the defaults; throws on an option no connection could work with. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options?.url !== 'string' || !/^wss?:\/\//i.test(options.url)) {
    throw new TypeError(`url must be a ws:// or wss:// URL, got ${String(options?.url)}`);
  }
  const token = options.token;
  if (typeof token !== 'string' && typeof token !== 'function') throw new TypeError('token must be a string or a function returning one');
  const resolved: ResolvedOptions = {
    url: options.url,
    token: typeof token === 'string' ? () => token : token,
    tokenTransport: options.tokenTransport ?? 'query',
    tokenQueryParameter: options.tokenQueryParameter ?? 'token',
    WebSocket: resolveWebSocket(options.WebSocket),
    messageFormat: options.messageFormat ?? 'data',
    backoff: { ...DEFAULT_BACKOFF, ...defined(options.backoff) },
    pingIntervalMs: options.pingIntervalMs ?? 240_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 20_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    replyTimeoutMs: options.replyTimeoutMs ?? 10_000,
    redial: redialOptions(options.redial),
    gapTimeoutMs: options.gapTimeoutMs ?? 1_000,
    dedupeCapacity: options.dedupeCapacity ?? 1_000,
    maxBufferedFrames: options.maxBufferedFrames ?? 100,
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
  };
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedOptions): void {
  if (!['query', 'protocol'].includes(options.tokenTransport)) throw new RangeError(`tokenTransport must be 'query' or 'protocol', got ${options.tokenTransport}`);
  if (!['envelope', 'data'].includes(options.messageFormat)) throw new RangeError(`messageFormat must be 'envelope' or 'data', got ${options.messageFormat}`);
  const numbers: Record<string, number> = {
    'pingIntervalMs': options.pingIntervalMs,
    'pongTimeoutMs': options.pongTimeoutMs,
    'connectTimeoutMs': options.connectTimeoutMs,
    'replyTimeoutMs': options.replyTimeoutMs,
    'gapTimeoutMs': options.gapTimeoutMs,
    'dedupeCapacity': options.dedupeCapacity,
    'maxBufferedFrames': options.maxBufferedFrames,
    'backoff.initialDelayMs': options.backoff.initialDelayMs,
    'backoff.maxDelayMs': options.backoff.maxDelayMs,
    'backoff.resetAfterMs': options.backoff.resetAfterMs,
    'redial.afterMs': options.redial.afterMs,
    'redial.jitterMs': options.redial.jitterMs,
    'redial.graceMs': options.redial.graceMs,
  };
  for (const [name, value] of Object.entries(numbers)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  }
  if (!(options.backoff.multiplier >= 1)) throw new RangeError(`backoff.multiplier must be >= 1, got ${options.backoff.multiplier}`);
  if (options.backoff.maxDelayMs < options.backoff.initialDelayMs) throw new RangeError('backoff.maxDelayMs must be >= backoff.initialDelayMs');
  if (options.redial.afterMs > MAX_CONNECTION_MS) {
    throw new RangeError(`redial.afterMs must be at most 2 hours (${MAX_CONNECTION_MS} ms), when API Gateway closes the connection`);
  }
}

/**
 * The re-dial options, the jitter at most half the re-dial delay: a short `afterMs` alone keeps its meaning (with the
 * default jitter), and a re-dial never comes sooner than half of `afterMs` after the open.
 */
function redialOptions(given: RedialOptions | undefined): Required<RedialOptions> {
  const redial = { ...DEFAULT_REDIAL, ...defined(given) };
  return { ...redial, jitterMs: Math.min(redial.jitterMs, redial.afterMs / 2) };
}

/** The object without its `undefined` values, so that they do not override defaults. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
