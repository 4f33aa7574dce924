import { WebsocketPusherClient, type ClientOptions, type PusherClientError, type RetryInfo } from '../../../client/src';
import { fakeWebSocket, FakeTimers, settle } from '../support/fakes';

// The client's behaviour on a fake clock with sockets the test plays the server of: every delay is exact (random is
// pinned at 0.5 unless a test says otherwise).

const PING = '{"action":"ping"}';

async function setup(overrides: Partial<ClientOptions> = {}, connect = true) {
  const timers = new FakeTimers();
  const ws = fakeWebSocket();
  let issued = 0;
  const client = new WebsocketPusherClient({
    url: 'wss://api.example/prod',
    token: () => `t${++issued}`,
    WebSocket: ws.WebSocket,
    timers,
    random: () => 0.5,
    backoff: { initialDelayMs: 1_000, maxDelayMs: 8_000, multiplier: 2, resetAfterMs: 10_000 },
    pingIntervalMs: 60_000,
    pongTimeoutMs: 5_000,
    connectTimeoutMs: 10_000,
    redial: { afterMs: 3_600_000, jitterMs: 0, graceMs: 2_000 },
    ...overrides,
  });
  const states: string[] = [];
  const retries: RetryInfo[] = [];
  const errors: PusherClientError[] = [];
  const messages: unknown[] = [];
  const duplicates: string[] = [];
  let redials = 0;
  let pongs = 0;
  client.on('state', (state) => states.push(state));
  client.on('retry', (retry) => retries.push(retry));
  client.on('error', (error) => errors.push(error));
  client.on('message', (data) => messages.push(data));
  client.on('duplicate', (envelope) => duplicates.push(envelope.id));
  client.on('redial', () => redials++);
  client.on('pong', () => pongs++);
  if (connect) {
    client.connect();
    await settle();
  }
  /** Moves the clock, then lets a dial's token promise resolve. */
  const advance = async (ms: number) => {
    timers.advance(ms);
    await settle();
  };
  return { client, timers, ws, states, retries, errors, messages, duplicates, advance, redials: () => redials, pongs: () => pongs };
}

const envelope = (id: string, data: unknown = id) => ({ type: 'message', id, data });

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
});

describe('keep-alive', () => {
  test('a ping after pingIntervalMs without sending, only while open', async () => {
    const { ws, client, advance } = await setup({ pongTimeoutMs: 0 });
    await advance(120_000);
    const socket = ws.last();
    expect(socket.sent).toEqual([]);
    socket.accept();
    await advance(59_999);
    expect(socket.sent).toEqual([]);
    await advance(1);
    expect(socket.sent).toEqual([PING]);
    // What the app sends counts as activity: the next ping comes an interval after it.
    await advance(30_000);
    client.send('hello');
    await advance(59_999);
    expect(socket.sent).toEqual([PING, 'hello']);
    await advance(1);
    expect(socket.sent).toEqual([PING, 'hello', PING]);
    socket.drop();
    await advance(600_000);
    expect(socket.sent).toEqual([PING, 'hello', PING]);
  });

  test('pings off with pingIntervalMs 0', async () => {
    const { ws, advance } = await setup({ pingIntervalMs: 0 });
    ws.last().accept();
    await advance(3_000_000);
    expect(ws.last().sent).toEqual([]);
  });

  test('a pong is an event; a socket that answers nothing within pongTimeoutMs of a ping is replaced', async () => {
    const { ws, states, errors, retries, advance, pongs } = await setup();
    const socket = ws.last();
    socket.accept();
    await advance(60_000);
    socket.push({ type: 'pong' });
    await advance(5_000);
    expect(pongs()).toBe(1);
    expect(socket.closedWith).toBeUndefined();

    await advance(55_000);
    expect(socket.sent).toEqual([PING, PING]);
    await advance(5_000);
    expect(socket.closedWith).toEqual({ code: 4000, reason: 'ping timeout' });
    expect(errors.map((e) => e.kind)).toEqual(['ping-timeout']);
    expect(retries.map((r) => r.reason)).toEqual(['ping-timeout']);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
  });
});

describe('re-dial before the 2-hour limit (make-before-break)', () => {
  const redial = { afterMs: 3_600_000, jitterMs: 600_000, graceMs: 2_000 };

  test('the new socket opens first, takes over, and the old one drains for the grace period; nothing twice', async () => {
    const { ws, client, states, messages, duplicates, advance, redials } = await setup({ redial, pingIntervalMs: 0 });
    const [old] = ws.sockets;
    old.accept();
    // random 0.5: the re-dial comes 0.5 × jitter before afterMs.
    await advance(3_300_000 - 1);
    expect(ws.sockets).toHaveLength(1);
    await advance(1);
    const fresh = ws.last();
    expect(ws.sockets).toHaveLength(2);
    expect(fresh.url).toBe('wss://api.example/prod?token=t2');

    // Until the new socket opens, the old one is the client's
    client.send('before');
    old.push(envelope('m1'));
    fresh.accept();
    client.send('after');
    expect([old.sent, fresh.sent]).toEqual([['before'], ['after']]);
    expect(redials()).toBe(1);

    // Both sockets receive what is sent to the user: once each by id; what only the old one gets still arrives
    old.push(envelope('m1'));
    fresh.push(envelope('m2'));
    old.push(envelope('m2'));
    old.push(envelope('m3'));
    expect(messages).toEqual(['m1', 'm2', 'm3']);
    expect(duplicates).toEqual(['m1', 'm2']);

    await advance(1_999);
    expect(old.closedWith).toBeUndefined();
    await advance(1);
    expect(old.closedWith).toEqual({ code: 1000, reason: 're-dialed' });
    old.drop(1000);
    expect(states).toEqual(['connecting', 'open']);

    // The new socket is re-dialed in its turn
    await advance(3_300_000);
    expect(ws.sockets).toHaveLength(3);
  });

  test('a re-dial that fails is retried with backoff while the open socket carries on', async () => {
    const { ws, client, states, retries, advance, redials } = await setup({ redial, pingIntervalMs: 0 });
    ws.last().accept();
    await advance(3_300_000);
    ws.last().refuse();
    expect(retries).toEqual([{ attempt: 1, delayMs: 500, reason: 'connect-failed', code: 1006, redial: true }]);
    expect(states).toEqual(['connecting', 'open']);
    expect(client.send('still here')).toBe(true);
    expect(ws.sockets[0].sent).toEqual(['still here']);
    await advance(500);
    ws.last().accept();
    expect(redials()).toBe(1);
    expect(ws.sockets).toHaveLength(3);
  });

  test('when the open socket is lost during a re-dial, the re-dial becomes the reconnect', async () => {
    const { ws, states, retries, advance, redials } = await setup({ redial, pingIntervalMs: 0 });
    ws.last().accept();
    await advance(3_300_000);
    ws.sockets[0].drop(1001);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    expect(retries).toEqual([]);
    ws.last().accept();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(redials()).toBe(0);
    expect(ws.sockets).toHaveLength(2);
  });

  test('off with redial.afterMs 0', async () => {
    const { ws, advance } = await setup({ redial: { afterMs: 0 }, pingIntervalMs: 0 });
    ws.last().accept();
    await advance(7_200_000);
    expect(ws.sockets).toHaveLength(1);
  });
});

describe('send', () => {
  test('while reconnecting, frames are buffered (bounded) and sent in order before the open listeners run', async () => {
    const { ws, client, retries, advance } = await setup({ maxBufferedFrames: 2, pingIntervalMs: 0 });
    ws.last().accept();
    ws.last().drop();
    expect([client.send('a'), client.send({ b: 1 }), client.send('c')]).toEqual([true, true, false]);
    expect(client.bufferedFrames).toBe(2);
    let sentWhenOpen: string[] = [];
    client.on('state', (state) => {
      if (state === 'open') sentWhenOpen = [...ws.last().sent];
    });
    await advance(retries[0].delayMs);
    ws.last().accept();
    expect(sentWhenOpen).toEqual(['a', '{"b":1}']);
    expect(client.bufferedFrames).toBe(0);
  });

  test('frames sent before connect() go out on the first socket', async () => {
    const { ws, client } = await setup({}, false);
    expect(client.send('early')).toBe(true);
    client.connect();
    await settle();
    ws.last().accept();
    expect(ws.last().sent).toEqual(['early']);
  });

  test("a frame over API Gateway's 128 KB is refused before it could close the connection", async () => {
    const { ws, client } = await setup();
    ws.last().accept();
    expect(() => client.send('x'.repeat(128 * 1024 + 1))).toThrow(RangeError);
    expect(() => client.send('é'.repeat(64 * 1024 + 1))).toThrow(/131074 bytes/);
    expect(client.send('x'.repeat(128 * 1024))).toBe(true);
  });
});

describe('close', () => {
  test('closes the socket, stops every timer, never reconnects; send is refused', async () => {
    const { ws, client, states, retries, timers, advance } = await setup();
    const socket = ws.last();
    socket.accept();
    client.close();
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'client closed' });
    expect(states).toEqual(['connecting', 'open', 'closed']);
    expect(timers.count).toBe(0);
    socket.drop(1000);
    await advance(7_200_000);
    expect(ws.sockets).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(client.send('late')).toBe(false);
  });

  test('while the token is awaited, no socket is made; connect() starts again', async () => {
    let release: (token: string) => void = () => {};
    const { ws, client, states } = await setup({ token: () => new Promise<string>((resolve) => (release = resolve)) });
    client.close();
    release('late');
    await settle();
    expect(ws.sockets).toHaveLength(0);
    client.connect();
    release('again');
    await settle();
    expect(ws.sockets.map((s) => s.url)).toEqual(['wss://api.example/prod?token=again']);
    expect(states).toEqual(['connecting', 'closed', 'connecting']);
  });
});

describe('frames', () => {
  test('envelopes once each by id; pong; protocol and API Gateway errors; other protocol frames', async () => {
    const { ws, client, messages, duplicates, errors, pongs } = await setup();
    const frames: unknown[] = [];
    const envelopes: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));
    client.on('message', (_data, env) => envelopes.push(env));
    ws.last().accept();
    ws.last().push(envelope('m-1', { status: 'paid' }));
    ws.last().push(envelope('m-1', { status: 'paid' }));
    ws.last().push({ type: 'pong' });
    ws.last().push({ type: 'error', code: 'INVALID_FRAME', message: 'unknown action', ref: 'r-1' });
    ws.last().push({ message: 'Forbidden', connectionId: 'abc=', requestId: 'req-1' });
    ws.last().push({ type: 'subscribed', channel: 'room/42' });
    ws.last().push(new Uint8Array([1, 2]));
    expect(messages).toEqual([{ status: 'paid' }]);
    expect(envelopes).toEqual([{ type: 'message', id: 'm-1', data: { status: 'paid' } }]);
    expect(duplicates).toEqual(['m-1']);
    expect(pongs()).toBe(1);
    expect(frames).toEqual([{ type: 'subscribed', channel: 'room/42' }]);
    expect(errors.map((e) => [e.kind, e.message, e.details.code, e.details.ref])).toEqual([
      ['protocol', 'INVALID_FRAME: unknown action', 'INVALID_FRAME', 'r-1'],
      ['gateway', 'API Gateway answered: Forbidden', undefined, undefined],
      ['frame', 'a binary frame was received: the API sends text frames only', undefined, undefined],
    ]);
  });

  test('the data format: every frame is the data, no envelope, nothing dropped (no id to drop by)', async () => {
    const { ws, client, messages } = await setup({ messageFormat: 'data' });
    const envelopes: unknown[] = [];
    client.on('message', (_data, env) => envelopes.push(env));
    ws.last().accept();
    ws.last().push({ status: 'paid' });
    ws.last().push({ status: 'paid' });
    expect(messages).toEqual([{ status: 'paid' }, { status: 'paid' }]);
    expect(envelopes).toEqual([undefined, undefined]);
  });

  test('a listener that throws is reported as an error; the client carries on', async () => {
    const { ws, client, states, errors } = await setup();
    client.on('message', () => {
      throw new Error('render failed');
    });
    ws.last().accept();
    ws.last().push(envelope('m-1'));
    expect(errors.map((e) => [e.kind, e.message])).toEqual([['listener', "a 'message' listener threw: render failed"]]);
    expect(states).toEqual(['connecting', 'open']);
  });
});

describe('options', () => {
  const WebSocket = fakeWebSocket().WebSocket;

  test('a URL that is not ws:// or wss:// is refused', () => {
    expect(() => new WebsocketPusherClient({ url: 'https://api.example/prod', token: 't', WebSocket })).toThrow(/ws:\/\/ or wss:\/\//);
  });

  test('a re-dial later than 2 hours, or a negative delay, is refused', () => {
    expect(() => new WebsocketPusherClient({ url: 'wss://a/b', token: 't', WebSocket, redial: { afterMs: 7_300_000 } })).toThrow(/at most 2 hours/);
    expect(() => new WebsocketPusherClient({ url: 'wss://a/b', token: 't', WebSocket, pingIntervalMs: -1 })).toThrow(/pingIntervalMs must be a number >= 0/);
  });

  test('a re-dial jitter larger than the re-dial delay is cut to it', async () => {
    const { ws, advance } = await setup({ redial: { afterMs: 1_000 }, pingIntervalMs: 0, random: () => 0.999_999 });
    ws.last().accept();
    await advance(1);
    expect(ws.sockets).toHaveLength(2);
  });

  test('without a WebSocket constructor and without a global one, the error says to pass one', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new WebsocketPusherClient({ url: 'wss://a/b', token: 't' })).toThrow(/pass one, e.g. `WebSocket` from the ws package/);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });

  test('the defaults: ping every 4 minutes, inside the 10-minute idle timeout', async () => {
    const timers = new FakeTimers();
    const ws = fakeWebSocket();
    new WebsocketPusherClient({ url: 'wss://a/b', token: 't', WebSocket: ws.WebSocket, timers }).connect();
    await settle();
    ws.last().accept();
    timers.advance(240_000);
    expect(ws.last().sent).toEqual([PING]);
  });
});
