import { classifyPostError } from '../../../lambda/adapters/post-error';

// The errors classifyPostError receives: a Management API error answer as errorFromAnswer shapes it (name from
// x-amzn-ErrorType, status in $metadata), or a Node.js network error (a code, no status).
const withStatus = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

describe('classifyPostError', () => {
  test.each([
    ['GoneException', withStatus('GoneException', 410), 'gone'],
    ['a bare 410', withStatus('HTTP410', 410), 'gone'],
    ['LimitExceededException', withStatus('LimitExceededException', 429), 'retryable'],
    ['a bare 429', withStatus('HTTP429', 429), 'retryable'],
    ['500 InternalServerErrorException', withStatus('InternalServerErrorException', 500), 'retryable'],
    ['a bare 502 (a proxy page)', withStatus('HTTP502', 502), 'retryable'],
    ['503', withStatus('ServiceUnavailableException', 503), 'retryable'],
    ['ECONNRESET', withStatus('Error', undefined, { code: 'ECONNRESET' }), 'retryable'],
    ['ECONNREFUSED', withStatus('Error', undefined, { code: 'ECONNREFUSED' }), 'retryable'],
    ['a socket TimeoutError', withStatus('TimeoutError', undefined), 'retryable'],
    ['a non-Error value', 'socket hang up', 'retryable'],
    ['PayloadTooLargeException', withStatus('PayloadTooLargeException', 413), 'payload-too-large'],
    ['ForbiddenException', withStatus('ForbiddenException', 403), 'forbidden'],
    ['a bare 403', withStatus('AccessDeniedException', 403), 'forbidden'],
    ['400 BadRequestException', withStatus('BadRequestException', 400), 'rejected'],
  ])('%s: the post is %s', (_label, error, status) => {
    // WHEN / THEN
    expect(classifyPostError(error).status).toBe(status);
  });

  test('a network error keeps its code in the reason, for the logs', () => {
    // WHEN / THEN
    expect(classifyPostError(withStatus('Error', undefined, { code: 'ECONNRESET' }))).toEqual({
      status: 'retryable', reason: 'Error ECONNRESET: Error happened',
    });
  });

  test('an error answer\'s reason names the error and the status', () => {
    // WHEN / THEN
    expect(classifyPostError(withStatus('LimitExceededException', 429))).toEqual({
      status: 'retryable', reason: 'LimitExceededException (429): LimitExceededException happened',
    });
  });
});
