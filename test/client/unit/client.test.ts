import { envelope, PING, setup } from '../support/fake-client';
import { settle } from '../support/fakes';

// Keep-alive, the re-dial before the 2-hour limit, send and close, on a fake clock (support/fake-client).

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

  test("a frame over API Gateway's 32 KB frame size limit (UTF-8 bytes) is refused before it could close the connection", async () => {
    const { ws, client } = await setup();
    ws.last().accept();
    expect(() => client.send('x'.repeat(32 * 1024 + 1))).toThrow(RangeError);
    expect(() => client.send('é'.repeat(16 * 1024 + 1)))
      .toThrow("a frame of 32770 bytes is over API Gateway's WebSocket frame size limit of 32 KB (32768 bytes): it would close the connection (1009)");
    expect(() => client.send({ text: '😀'.repeat(8 * 1024) })).toThrow(/^a frame of 32779 bytes/);
    expect(() => client.send('x'.repeat(128 * 1024))).toThrow(RangeError);
    expect(client.send('x'.repeat(32 * 1024))).toBe(true);
    expect(client.send('é'.repeat(16 * 1024))).toBe(true);
    expect(ws.last().sent.map((frame) => frame.length)).toEqual([32 * 1024, 16 * 1024]);
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
