/** What one `POST @connections/{id}` attempt came to, by the Management API's error names. */
export type PostResult =
  | { readonly status: 'delivered' }
  /** 410 GoneException: the connection is closed; its row is stale. */
  | { readonly status: 'gone' }
  /** Throttling (LimitExceededException, 429), 5xx, or a network error: worth retrying. */
  | { readonly status: 'retryable'; readonly reason: string }
  /** 413 PayloadTooLargeException: no connection will ever accept this payload. */
  | { readonly status: 'payload-too-large'; readonly reason: string }
  /** 403 ForbiddenException: missing execute-api:ManageConnections, or a wrong CALLBACK_URL. */
  | { readonly status: 'forbidden'; readonly reason: string }
  /** Any other 4xx (e.g. a malformed connection id): permanent for this connection only. */
  | { readonly status: 'rejected'; readonly reason: string };

/**
 * Posts a payload to one connection and never throws: every answer and network error becomes a {@link PostResult}.
 * `SignedHttpSender` (signed-http-sender.ts) is the implementation; tests use fakes.
 */
export interface Sender {
  post(connectionId: string, payload: Uint8Array): Promise<PostResult>;
}

const RETRYABLE_NAMES = new Set([
  'LimitExceededException', 'TooManyRequestsException', 'ThrottlingException', 'InternalServerErrorException',
  'ServiceUnavailableException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);

/** Classifies a Management API error by `name` first, then by `$metadata.httpStatusCode`. */
export function classifyPostError(error: unknown): PostResult {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = typeof e.code === 'string' ? ` ${e.code}` : '';
  const reason = `${name}${status ? ` (${status})` : ''}${code}: ${typeof e.message === 'string' ? e.message : String(error)}`;

  if (name === 'GoneException' || status === 410) return { status: 'gone' };
  if (name === 'PayloadTooLargeException' || status === 413) return { status: 'payload-too-large', reason };
  if (name === 'ForbiddenException' || name === 'AccessDeniedException' || status === 403) return { status: 'forbidden', reason };
  if (RETRYABLE_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500)) return { status: 'retryable', reason };
  // No HTTP answer at all: ECONNRESET, ECONNREFUSED, socket timeouts, DNS hiccups.
  if (status === undefined) return { status: 'retryable', reason };
  return { status: 'rejected', reason };
}
