/**
 * What went wrong, by kind:
 * - `connect`: a socket closed before it opened (refused upgrade, e.g. 401 / 403, network error, timeout); retried.
 * - `token`: the token provider threw or rejected; retried.
 * - `ping-timeout`: nothing came back within `pongTimeoutMs` of a ping; the socket is dropped and the client reconnects.
 * - `gateway`: API Gateway answered a frame with an error (`{"message":"Forbidden",…}`, `"Internal server error"`).
 * - `protocol`: an `{"type":"error",…}` reply (`code` and `ref` set).
 * - `subscription`: a channel could not be subscribed (or unsubscribed): `code` the API's (`FORBIDDEN`, `INVALID_CHANNEL`,
 *   `TOO_MANY_SUBSCRIPTIONS`, `UNAVAILABLE`, …) or the client's (`INVALID_CHANNEL`, `TIMEOUT`, `CLOSED`, `UNSUBSCRIBED`,
 *   `NOT_ENVELOPE`, `INVALID_POSITION`), `channel` set. A resume of a history channel fails as a subscribe does.
 * - `presence`: a `members()` request failed: `code` the API's (`FORBIDDEN` when not subscribed or not allowed,
 *   `NOT_ENABLED`, `INVALID_CHANNEL`, `UNAVAILABLE`, …) or the client's (`INVALID_CHANNEL`, `TIMEOUT`, `DISCONNECTED`,
 *   `CLOSED`, `NOT_ENVELOPE`, `INVALID_REPLY`), `channel` set.
 * - `frame`: a frame the client cannot read (binary).
 * - `listener`: one of the app's listeners threw.
 */
export type ClientErrorKind = 'connect' | 'token' | 'ping-timeout' | 'gateway' | 'protocol' | 'subscription' | 'presence' | 'frame' | 'listener';

/** An error the client reports through its `error` event. */
export class PusherClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    readonly details: {
      /** A protocol, subscription or presence error's `code`. */
      readonly code?: string;
      /** The channel of a subscription or presence error. */
      readonly channel?: string;
      /** The `ref` of the frame a protocol error answers. */
      readonly ref?: string;
      /** The frame, for `protocol` and `gateway` errors. */
      readonly frame?: unknown;
      /** API Gateway's request id of a `gateway` error (what its execution and access logs are searched by). */
      readonly requestId?: string;
      /** What was thrown (`token`, `listener`) or the error event (`connect`). */
      readonly cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'PusherClientError';
  }
}

/** An error reply: its `code`, `message` and `ref`. */
interface ErrorReply {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly ref?: unknown;
}

/** A subscription (or presence) error: its message `<channel>: <code>[: <why>]`. */
export function failure(code: string, channel: string, why?: string, reply?: ErrorReply, kind: ClientErrorKind = 'subscription'): PusherClientError {
  return new PusherClientError(kind, `${channel}: ${code}${why ? `: ${why}` : ''}`, { code, channel, ref: reply?.ref as string | undefined, frame: reply });
}

export function replyFailure(channel: string, reply: ErrorReply, kind?: ClientErrorKind): PusherClientError {
  return failure(String(reply.code), channel, typeof reply.message === 'string' ? reply.message : undefined, reply, kind);
}
