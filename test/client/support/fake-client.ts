import { fakeWebSocket, FakeTimers, settle } from './fakes';
import { WebsocketPusherClient, type ClientOptions, type PusherClientError, type RetryInfo } from '../../../client/src';

// A client on a fake clock with sockets the test plays the server of: every delay is exact (random is pinned at 0.5
// unless a test says otherwise). The API's format is the envelope unless a test says otherwise.

export const PING = '{"action":"ping"}';

/** A client with short delays and what it reported; connected (its token awaited) unless `connect` is false. */
export async function setup(overrides: Partial<ClientOptions> = {}, connect = true) {
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
    messageFormat: 'envelope',
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

/** A message envelope as the pusher sends it. */
export const envelope = (id: string, data: unknown = id) => ({ type: 'message', id, data });
