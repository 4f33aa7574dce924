/**
 * What went wrong, by kind:
 * - `connect`: a socket closed before it opened (refused upgrade, e.g. 401 / 403, network error, timeout); retried.
 * - `token`: the token provider threw or rejected; retried.
 * - `ping-timeout`: nothing came back within `pongTimeoutMs` of a ping; the socket is dropped and the client reconnects.
 * - `gateway`: API Gateway answered a frame with an error (`{"message":"Forbidden",…}`, `"Internal server error"`).
 * - `protocol`: an `{"type":"error",…}` reply (`code` and `ref` set).
 * - `subscription`: a channel could not be subscribed (or unsubscribed): `code` the API's (`FORBIDDEN`, `INVALID_CHANNEL`,
 *   `TOO_MANY_SUBSCRIPTIONS`, `UNAVAILABLE`, …) or the client's (`INVALID_CHANNEL`, `TIMEOUT`, `CLOSED`, `UNSUBSCRIBED`,
 *   `NOT_ENVELOPE`), `channel` set.
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
