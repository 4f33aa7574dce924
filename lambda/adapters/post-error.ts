import type { PostResult } from '../core/ports/sender';

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

/**
 * The Management API's error answer as the SDK would raise it: the name from the `x-amzn-ErrorType` header
 * (`GoneException:http://internal.amazon.com/...` → `GoneException`) or the body's `__type`, the status code
 * in `$metadata`, and the body's `message`.
 */
export function errorFromAnswer(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer) {
  let parsed: { message?: unknown; Message?: unknown; __type?: unknown } = {};
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // A body that is not JSON (a proxy's HTML page): the status code alone classifies it.
  }
  const header = headers['x-amzn-errortype'];
  const typeName = (Array.isArray(header) ? header[0] : header) ?? (typeof parsed.__type === 'string' ? parsed.__type : undefined);
  const name = typeName?.split(':')[0].split('#').pop() || `HTTP${status}`;
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : `HTTP ${status}`;
  return { name, message, $metadata: { httpStatusCode: status } };
}
