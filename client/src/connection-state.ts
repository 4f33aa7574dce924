/** The connection's state and retries, as the client reports them (its `state` and `retry` events). */

/**
 * `idle` before `connect()`; `connecting` for the first dial; `open` while a socket is open (a re-dial keeps it
 * `open`); `reconnecting` after a socket was lost or a dial failed, until one opens; `closed` after `close()`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a retry is scheduled. */
export type RetryReason = 'closed' | 'connect-failed' | 'token' | 'ping-timeout';

/** A retry the client scheduled: the `retry` event. */
export interface RetryInfo {
  /**
   * 1 for the first retry after a socket opened; counts on while retries fail. A socket lost within
   * `backoff.resetAfterMs` of its open (accepted, then dropped at once) is no success: the count goes on from before it.
   */
  readonly attempt: number;
  /** How long until the dial. */
  readonly delayMs: number;
  readonly reason: RetryReason;
  /** The close code of the socket whose loss or failure this follows (1001: API Gateway's limits; 1006: no close frame). */
  readonly code?: number;
  /** A re-dial is retried while the current socket stays open. */
  readonly redial: boolean;
}
