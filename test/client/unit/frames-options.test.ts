import { WebsocketPusherClient } from '../../../client/src';
import { envelope, PING, setup } from '../support/fake-client';
import { fakeWebSocket, FakeTimers, settle } from '../support/fakes';

// What received frames become, and the options, on a fake clock (support/fake-client).

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
    // API Gateway's request id, what its logs are searched by
    expect(errors.map((e) => e.details.requestId)).toEqual([undefined, 'req-1', undefined]);
  });

  test("the envelope format routes other frames by their type: a typed frame that is not an envelope is a 'frame'", async () => {
    const { ws, client, messages } = await setup({ messageFormat: 'envelope' });
    const frames: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));
    ws.last().accept();
    ws.last().push({ type: 'notification', text: 'hi' });
    expect(frames).toEqual([{ type: 'notification', text: 'hi' }]);
    expect(messages).toEqual([]);
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

  test('a re-dial jitter larger than half the re-dial delay is cut to half of it: the re-dial comes in [afterMs / 2, afterMs]', async () => {
    const delays: number[] = [];
    for (const random of [0, 0.5, 0.999_999]) {
      // GIVEN a short re-dial delay with the default jitter (5 minutes)
      const { ws, timers, advance } = await setup({ redial: { afterMs: 1_000 }, pingIntervalMs: 0, random: () => random });
      ws.last().accept();

      // WHEN the clock moves a millisecond at a time until the re-dial's socket is made
      const opened = timers.now();
      while (ws.sockets.length === 1 && timers.now() - opened < 2_000) await advance(1);
      delays.push(timers.now() - opened);
    }

    // THEN each re-dial came between afterMs / 2 and afterMs after the open
    expect(delays.every((delay) => delay >= 500 && delay <= 1_000)).toBe(true);
    expect(delays).toEqual([1_000, 750, 501]);
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

  test("the default format is the construct's (data): a pushed object with a type field is a message, not a frame", async () => {
    // GIVEN a client with the default messageFormat
    const { ws, client, messages } = await setup({ messageFormat: undefined });
    const frames: unknown[] = [];
    const envelopes: unknown[] = [];
    client.on('frame', (frame) => frames.push(frame));
    client.on('message', (_data, env) => envelopes.push(env));
    ws.last().accept();

    // WHEN the API (MessageFormat.DATA) pushes data that has a type
    ws.last().push({ type: 'notification', text: 'hi' });
    ws.last().push({ type: 'notification', text: 'hi' });

    // THEN each is a message, as it was pushed
    expect(messages).toEqual([{ type: 'notification', text: 'hi' }, { type: 'notification', text: 'hi' }]);
    expect(envelopes).toEqual([undefined, undefined]);
    expect(frames).toEqual([]);
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
