import { fakeWebSocket, FakeTimers, settle } from './support/fakes';
import { MAX_FRAME_BYTES, SUBPROTOCOL, WebsocketPusherClient } from '../../client/src';
import { MAX_CONNECTION_MS } from '../../client/src/schedule';
import { API_GATEWAY_LIMITS } from '../../local/api-gateway/websocket-upgrades';
import { LIMITS, TOKEN_PROTOCOL } from '../../src/shared/constants';

// The client package has no runtime dependency (it runs in browsers), so it keeps its own copies of the library's
// constants; these tests keep the twins equal.

test("the client's subprotocol is the one the library's JWT authorizer and $connect answer select", () => {
  expect(SUBPROTOCOL).toBe(TOKEN_PROTOCOL);
});

test("the client's largest frame is API Gateway's frame size limit, as the library and the emulator have it", () => {
  expect(MAX_FRAME_BYTES).toBe(LIMITS.MAX_FRAME_BYTES);
});

test("the client's 2-hour limit is the emulator's; its default ping comes inside the emulator's idle timeout", async () => {
  expect(MAX_CONNECTION_MS).toBe(API_GATEWAY_LIMITS.maxDurationMs);
  // GIVEN a client with the default ping interval, open
  const timers = new FakeTimers();
  const ws = fakeWebSocket();
  new WebsocketPusherClient({ url: 'wss://a/b', token: 't', WebSocket: ws.WebSocket, timers }).connect();
  await settle();
  ws.last().accept();
  // WHEN the idle timeout has all but passed, THEN it has pinged
  timers.advance(API_GATEWAY_LIMITS.idleTimeoutMs - 1);
  expect(ws.last().sent.length).toBeGreaterThan(0);
});
