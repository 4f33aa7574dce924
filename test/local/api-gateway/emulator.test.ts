import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { RecordingClient } from '../../../local/client/recording-client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/identity';
import { useLocalSystem } from '../../e2e/support';

// The emulator on its own, driven by the AWS SDK's own Management API client: if the SDK maps its answers to
// the right exceptions, the pusher sees what it would see in AWS.

const local = useLocalSystem({ handler: false });
let api: ApiGatewayManagementApiClient;

beforeEach(() => {
  api = new ApiGatewayManagementApiClient({
    endpoint: local.system.emulator.callbackUrl,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterEach(() => {
  api.destroy();
});

const post = (connectionId: string, data: string | Uint8Array) =>
  api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: typeof data === 'string' ? Buffer.from(data) : data }));

describe('connections', () => {
  test('connecting writes the row before the handshake completes; disconnecting deletes it', async () => {
    // WHEN alice connects twice, bob once
    const [a1, a2] = await local.system.connect('alice', 2);
    const [b1] = await local.system.connect('bob', 1);

    // THEN each has a row by the time its handshake completed
    expect(a1.connectionId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(new Set([a1.connectionId, a2.connectionId, b1.connectionId]).size).toBe(3);
    expect(await local.system.keys()).toEqual(expect.arrayContaining([
      { userId: 'alice', connectionId: a1.connectionId },
      { userId: 'alice', connectionId: a2.connectionId },
      { userId: 'bob', connectionId: b1.connectionId },
    ]));
    expect(await local.system.rows()).toHaveLength(3);

    // WHEN one of alice's clients disconnects
    await local.system.disconnect(a1);

    // THEN its row is deleted
    expect(await local.system.keys()).toEqual(expect.arrayContaining([
      { userId: 'alice', connectionId: a2.connectionId },
      { userId: 'bob', connectionId: b1.connectionId },
    ]));
    expect(await local.system.rows()).toHaveLength(2);
  });

  test('a client without a user id is refused, as by a $connect authorizer', async () => {
    // WHEN / THEN
    await expect(RecordingClient.connect(local.system.emulator.connectUrl(), '')).rejects.toThrow(/401/);
    expect(await local.system.keys()).toEqual([]);
  });

  test('a row carries the TTL the template writes: a Number, connect time + connectionTtl', async () => {
    // GIVEN an app whose routes write an expiry 2 hours after connecting
    await local.restart({ app: { connectionTtlSeconds: 7200 } });
    const before = Math.floor(Date.now() / 1000);

    // WHEN
    const [client] = await local.system.connect('alice');

    // THEN
    const [row] = await local.system.rows();
    expect(row.connectionId).toBe(client.connectionId);
    expect(row.expiresAt).toBeGreaterThanOrEqual(before + 7200);
    expect(row.expiresAt).toBeLessThanOrEqual(before + 7201 + 60);
  });
});

describe('Management API', () => {
  test('frames written to a connection count its routes\' replies too (deliveries() waits for both)', async () => {
    // GIVEN alice, answered once by the ping route
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'ping' })).resolves.toEqual({ type: 'pong' });
    expect(local.system.emulator.framesTo(client.connectionId)).toBe(1);

    // WHEN a post follows
    await post(client.connectionId, 'after the pong');
    await local.system.deliveries();

    // THEN both frames are counted, and both were read when deliveries() returned
    expect(local.system.emulator.framesTo(client.connectionId)).toBe(2);
    expect(client.messages).toEqual([JSON.stringify({ type: 'pong' }), 'after the pong']);
  });

  test('a connection\'s frame count outlives it: a post just before a DELETE is still waited for', async () => {
    // GIVEN alice, sent a frame, then closed by the Management API
    const [client] = await local.system.connect('alice');
    await post(client.connectionId, 'last words');
    await api.send(new DeleteConnectionCommand({ ConnectionId: client.connectionId }));

    // THEN the emulator no longer knows the connection, but still how many frames it wrote to it
    await expect(post(client.connectionId, 'too late')).rejects.toBeInstanceOf(GoneException);
    expect(local.system.emulator.framesTo(client.connectionId)).toBe(1);
    await client.whenClosed();
    expect(client.messages).toEqual(['last words']);
  });

  test('POST delivers the bytes as one text frame to that connection only', async () => {
    // GIVEN alice with two connections
    const [a1, a2] = await local.system.connect('alice', 2);
    const payload = JSON.stringify({ hello: 'wörld', n: [1, 2, 3] });

    // WHEN
    await post(a1.connectionId, payload);
    await local.system.deliveries();

    // THEN
    expect(a1.messages).toEqual([payload]);
    expect(a1.binaryFrames).toBe(0);
    expect(a2.messages).toEqual([]);
    expect(local.system.emulator.stats.byStatus).toEqual({ 200: 1 });
  });

  test('GET describes the connection, DELETE closes it and $disconnect deletes its row', async () => {
    // GIVEN a connected client
    const [client] = await local.system.connect('alice');

    // WHEN
    const info = await api.send(new GetConnectionCommand({ ConnectionId: client.connectionId }));

    // THEN
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    expect(info.LastActiveAt).toBeInstanceOf(Date);

    // WHEN the connection is deleted
    const deleted = await api.send(new DeleteConnectionCommand({ ConnectionId: client.connectionId }));
    await client.whenClosed();
    await local.system.emulator.settled();

    // THEN
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await local.system.keys()).toEqual([]);
    await expect(post(client.connectionId, 'x')).rejects.toBeInstanceOf(GoneException);
  });

  test('an unknown connection is 410 GoneException with the x-amzn-ErrorType header', async () => {
    // WHEN posting to a connection id the emulator never issued
    const error = await post('Zm9vYmFyYmF6cXV4PQ=', 'x').catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(GoneException);
    expect(error.$metadata.httpStatusCode).toBe(410);
    await expect(api.send(new GetConnectionCommand({ ConnectionId: 'nope' }))).rejects.toBeInstanceOf(GoneException);
    await expect(api.send(new DeleteConnectionCommand({ ConnectionId: 'nope' }))).rejects.toBeInstanceOf(GoneException);
  });

  test('a stale connection: the socket is gone, the row stays, POST is 410', async () => {
    // GIVEN a connected client
    const [client] = await local.system.connect('alice');

    // WHEN
    await local.system.makeStale(client);
    await local.system.emulator.settled();

    // THEN
    expect(await local.system.keys()).toEqual([{ userId: 'alice', connectionId: client.connectionId }]);
    await expect(post(client.connectionId, 'x')).rejects.toBeInstanceOf(GoneException);
    expect(client.messages).toEqual([]);
  });

  test('a payload over 128 KB is 413 PayloadTooLargeException; exactly 128 KB is delivered', async () => {
    // GIVEN a connected client
    const [client] = await local.system.connect('alice');

    // WHEN / THEN
    await expect(post(client.connectionId, 'a'.repeat(128 * 1024 + 1))).rejects.toBeInstanceOf(PayloadTooLargeException);
    await post(client.connectionId, 'b'.repeat(128 * 1024));
    await local.system.deliveries();
    expect(client.messages).toEqual(['b'.repeat(128 * 1024)]);
  });

  test('an unsigned request is 403 ForbiddenException', async () => {
    // GIVEN a connected client
    const [client] = await local.system.connect('alice');

    // WHEN a POST without a signature reaches the callback URL
    const res = await fetch(`${local.system.emulator.callbackUrl}/@connections/${encodeURIComponent(client.connectionId)}`, { method: 'POST', body: 'x' });

    // THEN
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(client.messages).toEqual([]);
  });

  test.each([
    ['the wrong secret', { credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' } }, 'The request signature we calculated does not match the signature you provided.'],
    ['an unknown access key', { credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'local' } }, 'The security token included in the request is invalid.'],
    ['another Region', { region: 'eu-west-1' }, 'Credential should be scoped to a valid region (us-east-1) and service (execute-api).'],
  ])('a request signed with %s is 403 ForbiddenException with API Gateway\'s message', async (_label, override, message) => {
    // GIVEN the SDK's own client, signing with something other than the stack's credentials and Region
    const [client] = await local.system.connect('alice');
    const wrong = new ApiGatewayManagementApiClient({
      endpoint: local.system.emulator.callbackUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, ...override,
    });

    // WHEN / THEN it is refused with API Gateway's message, and nothing is delivered
    try {
      const error = await wrong.send(new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: Buffer.from('x') })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForbiddenException);
      expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 403 } });
    } finally {
      wrong.destroy();
    }
    await post(client.connectionId, 'signed right');
    await local.system.deliveries();
    expect(client.messages).toEqual(['signed right']);
  });
});

describe('faults', () => {
  test('a rate limit answers 429 LimitExceededException beyond the bucket', async () => {
    // GIVEN a bucket of 2 that hardly refills
    const [client] = await local.system.connect('alice');
    local.system.setFaults({ rateLimitPerSecond: 0.001, burst: 2 });

    // WHEN
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => post(client.connectionId, `m${n}`)));
    await local.system.deliveries();

    // THEN
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    rejected.forEach((r) => expect(r.reason).toBeInstanceOf(LimitExceededException));
    expect(client.messages).toHaveLength(2);
  });

  test('failFirstN answers 500 to the first posts of each connection, then delivers', async () => {
    // GIVEN failFirstN 2
    const [client] = await local.system.connect('alice');
    local.system.setFaults({ failFirstN: 2 });

    // WHEN
    const first = await post(client.connectionId, 'one').catch((e) => e);
    const second = await post(client.connectionId, 'two').catch((e) => e);
    await post(client.connectionId, 'three');
    await local.system.deliveries();

    // THEN
    expect(first.$metadata.httpStatusCode).toBe(500);
    expect(first.name).toBe('InternalServerErrorException');
    expect(second.$metadata.httpStatusCode).toBe(500);
    expect(client.messages).toEqual(['three']);
  });

  test('throttleFirstN answers 429 to the first posts of all, whichever connection, then delivers', async () => {
    // GIVEN throttleFirstN 2 and two clients
    const [alice] = await local.system.connect('alice');
    const [bob] = await local.system.connect('bob');
    local.system.setFaults({ throttleFirstN: 2 });

    // WHEN
    const first = await post(alice.connectionId, 'one').catch((e) => e);
    const second = await post(bob.connectionId, 'two').catch((e) => e);
    await post(alice.connectionId, 'three');
    await post(bob.connectionId, 'four');
    await local.system.deliveries();

    // THEN
    expect([first, second].map((e) => e.name)).toEqual(['LimitExceededException', 'LimitExceededException']);
    expect(first.$metadata.httpStatusCode).toBe(429);
    expect([alice.messages, bob.messages]).toEqual([['three'], ['four']]);
  });

  test('errorRate is reproducible from the seed', async () => {
    // GIVEN a run of 20 posts with half of them failing at random
    const [client] = await local.system.connect('alice');
    const run = async () => {
      local.system.setFaults({ errorRate: 0.5 });
      const outcomes: number[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(await post(client.connectionId, 'x').then(() => 200, (e) => e.$metadata.httpStatusCode));
      }
      return outcomes;
    };

    // WHEN
    const outcomes = await run();
    const again = await run();

    // THEN
    expect(again).toEqual(outcomes);
    expect(outcomes.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(outcomes.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(outcomes.every((s) => s === 200 || s === 500)).toBe(true);
  });

  test('forbidden answers 403 ForbiddenException', async () => {
    // GIVEN
    const [client] = await local.system.connect('alice');
    local.system.setFaults({ forbidden: true });

    // WHEN / THEN
    await expect(post(client.connectionId, 'x')).rejects.toBeInstanceOf(ForbiddenException);
  });

  test('latency holds requests, and the in-flight high-water mark counts them', async () => {
    // GIVEN five connections and 50 ms added to every request
    const clients = await local.system.connect('alice', 5);
    local.system.setFaults({ latencyMs: 50 });
    local.system.emulator.resetStats();

    // WHEN
    await Promise.all(clients.map((c) => post(c.connectionId, 'x')));
    await local.system.deliveries();

    // THEN
    expect(local.system.emulator.stats.maxInFlight).toBe(5);
    expect(local.system.emulator.stats.delivered).toBe(5);
    clients.forEach((c) => expect(c.messages).toEqual(['x']));
  });

  test('a reset while a request is in flight: the new counters see it answered (none left in flight)', async () => {
    // GIVEN a request held 200 ms
    const [client] = await local.system.connect('alice', 1);
    local.system.setFaults({ latencyMs: 200 });
    const posting = post(client.connectionId, 'x');
    await new Promise((resolve) => setTimeout(resolve, 50));

    // WHEN the counters are reset while it is held
    local.system.emulator.resetStats();
    expect(local.system.emulator.stats.inFlight).toBe(1);
    await posting;

    // THEN
    expect(local.system.emulator.stats).toMatchObject({ inFlight: 0, maxInFlight: 1, delivered: 1 });
  });
});

describe('virtual connections', () => {
  test('receive like real ones and have rows', async () => {
    // GIVEN two virtual connections
    const [v1, v2] = await local.system.connectVirtual(['u1', 'u2'], { keepMessages: true });

    // WHEN
    await post(v1.connectionId, 'hello');

    // THEN
    expect(v1.messages).toEqual(['hello']);
    expect(v2.received).toBe(0);
    expect(await local.system.rows()).toHaveLength(2);

    // WHEN one of them goes stale
    local.system.emulator.makeStale(v2.connectionId);

    // THEN a post to it is 410 and its row stays
    await expect(post(v2.connectionId, 'x')).rejects.toBeInstanceOf(GoneException);
    expect(await local.system.rows()).toHaveLength(2);
  });
});

describe('API Gateway\'s idle timeout, shortened', () => {
  // The 2-hour limit left as it is: only the idle timeout can close the connection within the test.
  const limited = useLocalSystem({ connectionLimits: { idleTimeoutMs: 300 }, handler: false });

  test('an idle client is closed (1001) after the idle timeout, and $disconnect deletes its row', async () => {
    // Before the connect: the emulator's timer starts later (at its accept), so the close comes at least 300 ms after this.
    const started = Date.now();
    const [client] = await limited.system.connect('idle');
    const gone = limited.system.emulator.disconnected(client.connectionId);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.whenClosed(), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
    expect(client.closeCode).toBe(1001);
    await gone;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await limited.system.keys()).toEqual([]);
  });
});

describe('API Gateway\'s 2-hour limit, shortened', () => {
  const limited = useLocalSystem({ connectionLimits: { maxDurationMs: 1_500, idleTimeoutMs: 500 }, handler: false });

  test('frames from the client keep it past the idle timeout; the longest connection still ends at the limit', async () => {
    const started = Date.now();
    const [client] = await limited.system.connect('busy');
    const pinging = setInterval(() => client.send({ action: 'ping' }), 100);
    await client.whenClosed();
    clearInterval(pinging);
    expect(client.closeCode).toBe(1001);
    // Three idle timeouts long: the frames kept it open, and the close is the limit's.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
  });
});
