import { setup } from '../support/fake-client';
import { settle } from '../support/fakes';

// Connecting, retrying with backoff, the connect timeout and the token provider, on a fake clock (support/fake-client).

describe('connecting', () => {
  test('a fresh token on every dial, in the query string by default', async () => {
    const { ws, states, retries, advance } = await setup();
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=t1']);
    expect(ws.last().protocols).toBeUndefined();
    ws.last().accept();
    expect(states).toEqual(['connecting', 'open']);

    // WHEN API Gateway closes the connection (1001), THEN a retry after the jittered delay, with a new token
    ws.last().drop(1001);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'closed', code: 1001, redial: false }]);
    await advance(499);
    expect(ws.sockets).toHaveLength(1);
    await advance(1);
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=t1', 'wss://api.example/prod?token=t2']);
    ws.last().accept();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  test("with tokenTransport 'protocol', the token is the second subprotocol and the URL stays as given", async () => {
    const { ws } = await setup({ tokenTransport: 'protocol' });
    expect(ws.last().url).toBe('wss://api.example/prod');
    expect(ws.last().protocols).toEqual(['websocket-pusher', 't1']);
  });

  test('an async token provider; one that fails is reported, and retried with backoff', async () => {
    let calls = 0;
    const { ws, errors, retries, advance } = await setup({
      token: async () => {
        calls++;
        if (calls === 1) throw new Error('session expired');
        return 'fresh';
      },
    });
    expect(ws.sockets).toHaveLength(0);
    expect(errors.map((e) => [e.kind, e.message])).toEqual([['token', 'the token provider failed: session expired']]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'token', code: undefined, redial: false }]);
    await advance(500);
    expect(ws.last().url).toBe('wss://api.example/prod?token=fresh');
  });

  test('refused upgrades (401) back off exponentially, bounded, each reported', async () => {
    const { ws, states, retries, errors, advance } = await setup();
    for (let i = 0; i < 5; i++) {
      ws.last().refuse();
      await advance(retries[retries.length - 1].delayMs);
    }
    expect(retries.map((r) => [r.attempt, r.delayMs, r.reason, r.code])).toEqual([
      [1, 500, 'connect-failed', 1006], [2, 1_000, 'connect-failed', 1006], [3, 2_000, 'connect-failed', 1006],
      [4, 4_000, 'connect-failed', 1006], [5, 4_000, 'connect-failed', 1006],
    ]);
    expect(errors.map((e) => e.kind)).toEqual(['connect', 'connect', 'connect', 'connect', 'connect']);
    expect(errors[0].message).toBe('could not connect: Unexpected server response: 401 (close code 1006)');
    ws.last().accept();
    expect(states).toEqual(['connecting', 'reconnecting', 'open']);
  });

  test('the backoff starts over after a connection that stayed open resetAfterMs, not after one dropped at once', async () => {
    const { ws, retries, advance } = await setup({ pingIntervalMs: 0 });
    ws.last().accept();
    ws.last().drop();
    await advance(retries[0].delayMs);
    ws.last().accept();
    ws.last().drop();
    await advance(retries[1].delayMs);
    ws.last().accept();
    await advance(10_000);
    ws.last().drop();
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 1]);
  });

  test('a dial that does not open within connectTimeoutMs is given up and retried; its late open is ignored', async () => {
    const { ws, states, errors, retries, advance } = await setup();
    const hung = ws.last();
    await advance(10_000);
    expect(hung.closedWith).toEqual({ code: 4000, reason: 'connect timeout' });
    expect(errors.map((e) => e.message)).toEqual(['could not connect: not open after 10000 ms']);
    expect(retries).toHaveLength(1);
    hung.accept();
    expect(states).toEqual(['connecting', 'reconnecting']);
    await advance(retries[0].delayMs);
    expect(ws.sockets).toHaveLength(2);
  });

  test('a token provider that never answers is given up after connectTimeoutMs and retried; its late token is ignored', async () => {
    // GIVEN a provider whose first call never settles (until the test releases it)
    let release: (token: string) => void = () => {};
    let calls = 0;
    const { ws, states, errors, retries, advance } = await setup({
      token: () => (++calls === 1 ? new Promise<string>((resolve) => (release = resolve)) : 'fresh'),
    });

    // WHEN the connect timeout passes, THEN the dial is given up and a retry scheduled
    await advance(9_999);
    expect(retries).toEqual([]);
    await advance(1);
    expect(errors.map((e) => [e.kind, e.message])).toEqual([['token', 'the token provider did not answer within 10000 ms']]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'token', code: undefined, redial: false }]);
    expect(states).toEqual(['connecting', 'reconnecting']);

    // WHEN the hung token comes after all, THEN it dials nothing; the retry's token connects
    release('late');
    await settle();
    expect(ws.sockets).toHaveLength(0);
    await advance(500);
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=fresh']);
    ws.last().accept();
    expect(states).toEqual(['connecting', 'reconnecting', 'open']);
  });

  test('a re-dial whose token never comes is given up and retried as a re-dial', async () => {
    // GIVEN an open socket, and a provider that hangs on the re-dial's token
    let calls = 0;
    const { ws, states, retries, advance, redials } = await setup({
      token: () => (++calls === 2 ? new Promise<string>(() => {}) : `t${calls}`),
      redial: { afterMs: 60_000, jitterMs: 0, graceMs: 1_000 },
      pingIntervalMs: 0,
    });
    ws.last().accept();

    // WHEN the re-dial hangs past the connect timeout, THEN it is retried as a re-dial, the socket still open
    await advance(70_000);
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'token', code: undefined, redial: true }]);
    await advance(500);
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=t1', 'wss://api.example/prod?token=t3']);
    ws.last().accept();
    expect(redials()).toBe(1);
    expect(states).toEqual(['connecting', 'open']);
  });

  test('a socket lost while its re-dial waits for a token that never comes: the dial times out, and the client reconnects', async () => {
    // GIVEN an open socket whose re-dial hangs on its token
    let calls = 0;
    const { ws, states, retries, errors, advance } = await setup({
      token: () => (++calls === 2 ? new Promise<string>(() => {}) : `t${calls}`),
      redial: { afterMs: 60_000, jitterMs: 0, graceMs: 1_000 },
      pingIntervalMs: 0,
    });
    ws.last().accept();
    await advance(60_000);
    expect(calls).toBe(2);

    // WHEN the socket is lost meanwhile, THEN the client waits for the dial under way
    ws.last().drop(1001);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    expect(retries).toEqual([]);

    // WHEN the connect timeout passes, THEN the dial is given up and a reconnect scheduled, which connects
    await advance(10_000);
    expect(errors.map((e) => e.kind)).toEqual(['token']);
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'token', code: undefined, redial: false }]);
    await advance(500);
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=t1', 'wss://api.example/prod?token=t3']);
    ws.last().accept();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  test('the retry count starts over once a socket opens: a failed re-dial backs off from the first delay', async () => {
    // GIVEN three refused dials, then a socket open
    const { ws, retries, advance } = await setup({ pingIntervalMs: 0 });
    for (let i = 0; i < 3; i++) {
      ws.last().refuse();
      await advance(retries[retries.length - 1].delayMs);
    }
    ws.last().accept();

    // WHEN its re-dial is refused
    await advance(3_600_000);
    ws.last().refuse();

    // THEN the re-dial's retry is the first after a success
    expect(retries.map((r) => [r.attempt, r.delayMs, r.redial])).toEqual([[1, 500, false], [2, 1_000, false], [3, 2_000, false], [1, 500, true]]);
  });

  test('a socket dropped at once after failed dials is no success: the backoff goes on from before it', async () => {
    const { ws, retries, advance } = await setup({ pingIntervalMs: 0 });
    for (let i = 0; i < 2; i++) {
      ws.last().refuse();
      await advance(retries[retries.length - 1].delayMs);
    }
    ws.last().accept();
    await advance(9_999);
    ws.last().drop(1006);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.reason])).toEqual([[1, 500, 'connect-failed'], [2, 1_000, 'connect-failed'], [3, 2_000, 'closed']]);
  });
});
