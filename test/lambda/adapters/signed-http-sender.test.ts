import * as crypto from 'node:crypto';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { refreshingCredentials } from '../../../lambda/adapters/lambda-credentials';
import { errorFromAnswer } from '../../../lambda/adapters/post-error';
import { SignedHttpSender } from '../../../lambda/adapters/signed-http-sender';
import { errorAnswer, OK, ScriptedManagementApi, type Answer, type Received } from '../support/management-api';

const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret', sessionToken: 'local-session-token' };
const REGION = 'eu-west-1';

/** The headers a request signed, less the SDK's own user-agent bookkeeping. */
const signed = (r: Received) => /SignedHeaders=([^,]+)/.exec(r.headers.authorization!)![1].split(';')
  .filter((h) => !h.startsWith('amz-sdk') && h !== 'x-amz-user-agent');

describe('SignedHttpSender', () => {
  let api: ScriptedManagementApi | undefined;
  let sender: SignedHttpSender | undefined;
  afterEach(async () => {
    sender?.destroy();
    await api?.close();
    api = undefined;
    sender = undefined;
  });

  /** A Management API that verifies signatures with CREDENTIALS and answers `answer`, and a sender pointed at it. */
  const start = async (answer: Answer = OK, options: { timeoutMs?: number; maxSockets?: number } = {}) => {
    api = await ScriptedManagementApi.start({ stage: 'live', credentials: CREDENTIALS, region: REGION });
    api.answerAll(answer);
    sender = new SignedHttpSender({
      callbackUrl: api.url,
      region: REGION,
      maxSockets: options.maxSockets ?? 4,
      credentials: async () => CREDENTIALS,
      requestTimeoutMs: options.timeoutMs,
    });
    return { api, sender };
  };

  test('POSTs the payload to {callbackUrl}/@connections/{id}, signed with SigV4', async () => {
    // GIVEN a Management API that verifies signatures
    const { api: server, sender: s } = await start();
    const payload = Buffer.from(JSON.stringify({ hello: 'world' }));

    // WHEN posting to a connection id with base64 characters
    const result = await s.post('Reefv2y+8Vz/RTg=', payload);

    // THEN it is delivered, to the encoded path, with the payload byte for byte, signed (the verifier accepts it),
    // with the session token
    expect(result).toEqual({ status: 'delivered' });
    expect(server.received).toHaveLength(1);
    const [r] = server.received;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/live/@connections/Reefv2y%2B8Vz%2FRTg%3D');
    expect(r.body.equals(payload)).toBe(true);
    expect(r.verdict).toEqual({ ok: true });
    expect(r.headers['x-amz-security-token']).toBe('local-session-token');
    expect(r.headers['x-amz-content-sha256']).toBe(crypto.createHash('sha256').update(payload).digest('hex'));
    expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=/);
  });

  test('sends the same request as the SDK PostToConnectionCommand: path, body, signed headers', async () => {
    // GIVEN the AWS SDK client and the lean sender
    const { api: server, sender: s } = await start();
    const sdk = new ApiGatewayManagementApiClient({ endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    const payload = Buffer.from('{"a":1}');

    // WHEN each sends the same payload to the same connection
    await sdk.send(new PostToConnectionCommand({ ConnectionId: 'Reefv2y+8Vz/RTg=', Data: payload }));
    sdk.destroy();
    await s.post('Reefv2y+8Vz/RTg=', payload);

    // THEN the verifier accepts both, and they agree on everything API Gateway reads
    const [bySdk, byLean] = server.received;
    expect(bySdk.verdict).toEqual({ ok: true });
    expect(byLean.verdict).toEqual({ ok: true });
    expect(byLean.url).toBe(bySdk.url);
    expect(byLean.body.equals(bySdk.body)).toBe(true);
    expect(signed(byLean)).toEqual(signed(bySdk));
  });

  test('disconnect sends the same DELETE as the SDK DeleteConnectionCommand, and a 204 means closed', async () => {
    // GIVEN the AWS SDK client and the lean sender, and a Management API answering 204
    const { api: server, sender: s } = await start({ status: 204 });
    const sdk = new ApiGatewayManagementApiClient({ endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });

    // WHEN each closes the same connection
    await sdk.send(new DeleteConnectionCommand({ ConnectionId: 'Reefv2y+8Vz/RTg=' }));
    sdk.destroy();
    const result = await s.disconnect('Reefv2y+8Vz/RTg=');

    // THEN both are accepted and agree on method, path, body and signed headers
    expect(result).toEqual({ status: 'delivered' });
    const [bySdk, byLean] = server.received;
    expect([bySdk.method, byLean.method]).toEqual(['DELETE', 'DELETE']);
    expect(bySdk.verdict).toEqual({ ok: true });
    expect(byLean.verdict).toEqual({ ok: true });
    expect(byLean.url).toBe(bySdk.url);
    expect(byLean.body.length).toBe(0);
    expect(signed(byLean)).toEqual(signed(bySdk));
  });

  test('a signature made with the wrong secret is refused, and the post is forbidden', async () => {
    // GIVEN a sender with the wrong secret
    const { api: server } = await start();
    const wrong = new SignedHttpSender({
      callbackUrl: server.url, region: REGION, maxSockets: 1, credentials: async () => ({ ...CREDENTIALS, secretAccessKey: 'wrong' }),
    });

    // WHEN
    const result = await wrong.post('abc=', Buffer.from('{}'));
    wrong.destroy();

    // THEN the check can fail, and the sender reads the refusal as forbidden
    expect(server.received[0].verdict).toEqual({ ok: false, reason: 'The request signature we calculated does not match the signature you provided.' });
    expect(result).toEqual({
      status: 'forbidden',
      reason: 'ForbiddenException (403): The request signature we calculated does not match the signature you provided.',
    });
  });

  test('a signature scoped to another Region is refused', async () => {
    // GIVEN a sender signing for us-west-2
    const { api: server } = await start();
    const elsewhere = new SignedHttpSender({ callbackUrl: server.url, region: 'us-west-2', maxSockets: 1, credentials: async () => CREDENTIALS });

    // WHEN
    const result = await elsewhere.post('abc=', Buffer.from('{}'));
    elsewhere.destroy();

    // THEN
    expect(result.status).toBe('forbidden');
    expect(server.received[0].verdict.ok).toBe(false);
  });

  test('keep-alive sockets: never more than maxSockets, reused by later posts', async () => {
    // GIVEN a sender with 3 sockets
    const { api: server, sender: s } = await start(OK, { maxSockets: 3 });
    const payload = Buffer.from('{}');

    // WHEN 12 posts are made at once, then 12 more
    await Promise.all(Array.from({ length: 12 }, (_, i) => s.post(`a${i}`, payload)));
    const afterFirst = server.connectionsAccepted;
    await Promise.all(Array.from({ length: 12 }, (_, i) => s.post(`b${i}`, payload)));

    // THEN all 24 arrived over the same 3 connections
    expect(server.posted()).toHaveLength(24);
    expect(afterFirst).toBe(3);
    expect(server.connectionsAccepted).toBe(3);
  });

  test('one attempt per post: a 500 goes back to the caller, not retried inside', async () => {
    // GIVEN an API answering 500
    const { api: server, sender: s } = await start(errorAnswer(500, 'InternalServerErrorException'));

    // WHEN / THEN the post is retryable (the caller's backoff retries it) and was made once
    expect((await s.post('abc=', Buffer.from('{}'))).status).toBe('retryable');
    expect(server.posted()).toEqual(['abc=']);
  });

  test('a connection reset before any answer is a retryable network error', async () => {
    // GIVEN an API resetting the connection
    const { sender: s } = await start('reset');

    // WHEN
    const result = await s.post('abc=', Buffer.from('{}'));

    // THEN
    expect(result).toEqual({ status: 'retryable', reason: expect.stringMatching(/ECONNRESET/) });
  });

  test('the payload SHA-256 is computed once per payload, not once per connection', async () => {
    // GIVEN one payload for many connections, and every SHA-256 update in this process observed
    const { api: server, sender: s } = await start();
    const payload = Buffer.from(JSON.stringify({ n: 1 }));
    const update = jest.spyOn(crypto.Hash.prototype, 'update');

    // WHEN it is posted to 10 connections
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.post(`c${i}`, payload)));

      // THEN all 10 are delivered with valid signatures, and the payload itself was hashed exactly once
      expect(results.every((r) => r.status === 'delivered')).toBe(true);
      expect(server.received.map((r) => r.verdict.ok)).toEqual(Array(10).fill(true));
      expect(update.mock.calls.filter(([data]) => data === payload)).toHaveLength(1);
    } finally {
      update.mockRestore();
    }
  });

  test.each([
    ['GoneException', 410, 'gone'],
    ['LimitExceededException', 429, 'retryable'],
    ['PayloadTooLargeException', 413, 'payload-too-large'],
    ['ForbiddenException', 403, 'forbidden'],
    ['InternalServerErrorException', 500, 'retryable'],
    ['BadRequestException', 400, 'rejected'],
  ])('an answer %s (%i) is classified %s, as the SDK sender did', async (type, status, expected) => {
    // GIVEN
    const { sender: s } = await start(errorAnswer(status, type));

    // WHEN / THEN
    expect((await s.post('abc=', Buffer.from('{}'))).status).toBe(expected);
  });

  test('an error type with a namespace suffix, a __type body, a non-JSON body: all classified', () => {
    // WHEN / THEN
    expect(errorFromAnswer(410, { 'x-amzn-errortype': 'GoneException:http://internal.amazon.com/coral/com.amazonaws.gatewayapi/' }, Buffer.from('{}')))
      .toEqual({ name: 'GoneException', message: 'HTTP 410', $metadata: { httpStatusCode: 410 } });
    expect(errorFromAnswer(429, {}, Buffer.from('{"__type":"com.amazonaws#LimitExceededException","message":"slow down"}')))
      .toEqual({ name: 'LimitExceededException', message: 'slow down', $metadata: { httpStatusCode: 429 } });
    expect(errorFromAnswer(502, {}, Buffer.from('<html>Bad Gateway</html>')))
      .toEqual({ name: 'HTTP502', message: 'HTTP 502', $metadata: { httpStatusCode: 502 } });
  });

  test('no answer within the request timeout is a retryable network error', async () => {
    // GIVEN an API that never answers, and a timeout of 200 ms
    const { sender: s } = await start('hang', { timeoutMs: 200 });

    // WHEN
    const result = await s.post('abc=', Buffer.from('{}'));

    // THEN
    expect(result).toEqual({ status: 'retryable', reason: expect.stringContaining('TimeoutError') });
  });

  test('a refused connection is a retryable network error', async () => {
    // GIVEN a callback URL nothing listens on any more
    const { api: server } = await start();
    const url = server.url;
    await server.close();
    api = undefined;
    const s = new SignedHttpSender({ callbackUrl: url, region: REGION, maxSockets: 1, credentials: async () => CREDENTIALS });

    // WHEN
    const result = await s.post('abc=', Buffer.from('{}'));
    s.destroy();

    // THEN
    expect(result).toEqual({ status: 'retryable', reason: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('refreshingCredentials', () => {
  test('reuses credentials; within 5 minutes of expiry serves them while it fetches new ones; concurrent callers share a fetch', async () => {
    // GIVEN a provider whose credentials expire in 10 minutes
    let clock = 0;
    let fetches = 0;
    const provider = jest.fn(async () => {
      fetches++;
      return { accessKeyId: `AKID${fetches}`, secretAccessKey: 's', expiration: new Date(clock + 10 * 60_000) };
    });
    const credentials = refreshingCredentials(provider, 5 * 60_000, () => clock);

    // WHEN many callers ask at once, and again later
    const first = await Promise.all([credentials(), credentials(), credentials()]);
    clock += 4 * 60_000;
    const stillValid = await credentials();
    clock += 2 * 60_000; // 4 minutes left: inside the margin
    const duringRefresh = await credentials();
    await new Promise((resolve) => setImmediate(resolve));
    const refreshed = await credentials();

    // THEN one fetch served the first callers, the cache the next; inside the margin the old ones are served while
    // one background fetch brings the new ones
    expect(first.map((c) => c.accessKeyId)).toEqual(['AKID1', 'AKID1', 'AKID1']);
    expect(stillValid.accessKeyId).toBe('AKID1');
    expect(duringRefresh.accessKeyId).toBe('AKID1');
    expect(refreshed.accessKeyId).toBe('AKID2');
    expect(provider).toHaveBeenCalledTimes(2);
  });

  test('expired credentials, or forceRefresh, make the caller wait for new ones; a failed background refresh keeps the old', async () => {
    let clock = 0;
    let fetches = 0;
    let failNext = false;
    const provider = jest.fn(async () => {
      if (failNext) { failNext = false; throw new Error('endpoint down'); }
      fetches++;
      return { accessKeyId: `AKID${fetches}`, secretAccessKey: 's', expiration: new Date(clock + 10 * 60_000) };
    });
    const credentials = refreshingCredentials(provider, 5 * 60_000, () => clock);
    expect((await credentials()).accessKeyId).toBe('AKID1');

    // A refresh inside the margin fails: the still-valid credentials keep being served
    clock += 6 * 60_000;
    failNext = true;
    expect((await credentials()).accessKeyId).toBe('AKID1');
    await new Promise((resolve) => setImmediate(resolve));

    // Past the expiry the caller waits for the next fetch; forceRefresh fetches even fresh ones
    clock += 4 * 60_000;
    expect((await credentials()).accessKeyId).toBe('AKID2');
    expect((await credentials({ forceRefresh: true } as never)).accessKeyId).toBe('AKID3');
    expect(provider).toHaveBeenCalledTimes(4);
  });

  test('credentials without an expiry (Lambda environment) are fetched once', async () => {
    // GIVEN a provider whose credentials have no expiry
    const provider = jest.fn(async () => ({ accessKeyId: 'A', secretAccessKey: 's' }));
    const credentials = refreshingCredentials(provider);

    // WHEN they are asked for twice
    await credentials();
    await credentials();

    // THEN
    expect(provider).toHaveBeenCalledTimes(1);
  });

  test('a failed fetch is not cached', async () => {
    // GIVEN a provider that fails once, then answers
    const provider = jest.fn()
      .mockRejectedValueOnce(new Error('IMDS unreachable'))
      .mockResolvedValueOnce({ accessKeyId: 'A', secretAccessKey: 's' });
    const credentials = refreshingCredentials(provider);

    // WHEN / THEN the second call fetches again
    await expect(credentials()).rejects.toThrow('IMDS unreachable');
    await expect(credentials()).resolves.toEqual({ accessKeyId: 'A', secretAccessKey: 's' });
  });
});
