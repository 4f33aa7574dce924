import { fakeWebSocket, FakeTimers, settle } from './support/fakes';
import { isChannelName, MAX_FRAME_BYTES, SUBPROTOCOL, WebsocketPusherClient } from '../../client/src';
import { MAX_CONNECTION_MS } from '../../client/src/schedule';
import { API_GATEWAY_LIMITS } from '../../local/api-gateway/websocket-upgrades';
import { isChannelName as libraryIsChannelName, MAX_CHANNEL_SEGMENTS, MAX_REF_LENGTH } from '../../src/shared/channels';
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

test("the client's channel names are the library's (src/shared/channels.ts isChannelName), on edge cases and 20,000 random names", () => {
  const segment = (n: number, char = 'a') => char.repeat(n);
  const edges: unknown[] = [
    '', '/', 'a', 'a/', '/a', 'a//b', segment(64), segment(65), 'A-z_0.9=@:+|~', 'room 1', 'room#1', 'é', 'a*', '{userId}', 'a\nb', 'a\n',
    Array(MAX_CHANNEL_SEGMENTS).fill('s').join('/'), Array(MAX_CHANNEL_SEGMENTS + 1).fill('s').join('/'),
    Array(MAX_CHANNEL_SEGMENTS).fill(segment(64)).join('/'), `${segment(64)}/${segment(65)}`, 42, null, undefined, ['a'],
  ];
  // A seeded generator (Park-Miller): names of valid characters, '/', and a few that are not, of lengths around the limits.
  let seed = 24;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  const alphabet = 'aZ09_-.=@:+|~//// #*é\n%';
  const names = Array.from({ length: 20_000 }, () => {
    const length = Math.floor(random() * (random() < 0.1 ? 600 : 20));
    return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  });
  const differing = [...edges, ...names].filter((name) => isChannelName(name) !== libraryIsChannelName(name));
  expect(differing).toEqual([]);
  // Both outcomes were exercised
  expect(names.filter((name) => libraryIsChannelName(name)).length).toBeGreaterThan(1_000);
});

test("the client's refs fit the API's limit on a frame's ref", async () => {
  const ws = fakeWebSocket();
  const client = new WebsocketPusherClient({ url: 'wss://a/b', token: 't', WebSocket: ws.WebSocket, timers: new FakeTimers(), messageFormat: 'envelope' }).connect();
  await settle();
  ws.last().accept();
  const subscribed = client.subscribe('room/1').catch(() => undefined);
  const { ref } = JSON.parse(ws.last().sent[0]);
  expect(typeof ref === 'string' && ref.length <= MAX_REF_LENGTH).toBe(true);
  client.close();
  await subscribed;
});
