import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ActivityFeed, type ActivityInput } from '../../../local/activity';
import type { ConsoleBackend } from '../../../local/console/console-backend';
import { consoleHandler, REPLAYED_ACTIVITIES, startConsoleServer } from '../../../local/console/console-server';
import type { ConsoleState, PublishTarget } from '../../../local/console/console-wire';

// The console's server against a fake backend: what it serves, what it streams, what it refuses (another site's page,
// a host that is not loopback, a body that is not a request), and that a refusal breaks nothing.

const STATE: ConsoleState = {
  webSocketUrl: 'ws://127.0.0.1:9999/local',
  auth: { asks: 'user id', parameter: 'token' },
  targets: ['queue', 'topic'],
  channels: false,
  connections: [{ connectionId: 'conn-1', userId: 'alice', context: { tenant: 'acme' }, channels: [], connectedAt: '2026-01-01T00:00:00.000Z', sent: 2, live: true }],
};

class FakeBackend implements ConsoleBackend {
  readonly feed = new ActivityFeed();
  readonly published: Array<[PublishTarget, string]> = [];
  readonly disconnected: string[] = [];
  onActivity = this.feed.on.bind(this.feed);
  async state(): Promise<ConsoleState> {
    return STATE;
  }
  async publish(target: PublishTarget, body: string): Promise<string> {
    if (body.includes('refused')) throw new Error('InvalidParameterValue: the queue refused it');
    this.published.push([target, body]);
    return `sent to the ${target}`;
  }
  disconnect(connectionId: string): boolean {
    if (connectionId !== 'conn-1') return false;
    this.disconnected.push(connectionId);
    return true;
  }
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: any;
}

let backend: FakeBackend;
let served: { url: string; stop(): Promise<void> };
let port: number;

beforeEach(async () => {
  backend = new FakeBackend();
  served = await startConsoleServer(backend, 0);
  port = Number(new URL(served.url).port);
});
afterEach(() => served.stop());

/** A request with exactly these headers (Node's `fetch` would set its own Host and Origin). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => send('POST', path,
  { 'content-type': 'application/json', 'origin': `http://127.0.0.1:${port}`, ...headers }, typeof body === 'string' ? body : JSON.stringify(body));

/** Opens the event stream and collects its activities until `count` have arrived. */
function events(count: number): { readonly received: any[]; readonly done: Promise<any[]>; close(): void } {
  const received: any[] = [];
  let close = () => {};
  const done = new Promise<any[]>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/console/events', headers: { host: `127.0.0.1:${port}` } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const frames = buffer.split('\n\n');
        buffer = frames.pop()!;
        for (const frame of frames) if (frame.startsWith('data: ')) received.push(JSON.parse(frame.slice(6)));
        if (received.length >= count) resolve(received);
      });
    });
    req.on('error', (error) => (received.length >= count ? undefined : reject(error)));
    req.end();
    close = () => req.destroy();
  });
  return { received, done, close: () => close() };
}

const connected = (n: number): ActivityInput => ({ kind: 'connected', connectionId: `conn-${n}`, principalId: `user-${n}`, context: {} });

test('serves the state, on loopback only', async () => {
  // WHEN the page reads the state
  const answer = await send('GET', '/console/state');

  // THEN it is the backend's, as JSON, and the server listens on loopback
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.json).toEqual(STATE);
  expect(served.url).toBe(`http://127.0.0.1:${port}/console`);
  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (external) {
    await expect(new Promise((resolve, reject) => request({ host: external.address, port, path: '/console/state' }, resolve).on('error', reject).end()))
      .rejects.toThrow(/ECONNREFUSED/);
  }
});

test('serves the page with a policy that lets it reach only itself and the WebSocket URL', async () => {
  const page = await send('GET', '/console');
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.text).toContain('<h2 id="connections-heading">Connections');
  expect(page.headers['content-security-policy']).toContain("connect-src 'self' ws://127.0.0.1:9999");
  expect((await send('GET', '/console/console.js')).headers['content-type']).toMatch(/^text\/javascript/);
  expect((await send('GET', '/console/console.css')).headers['content-type']).toMatch(/^text\/css/);
  expect((await send('GET', '/console/nothing')).status).toBe(404);
  expect((await send('GET', '/')).headers.location).toBe('/console');
});

test('streams the recent activities to a newly opened page, then each new one as it happens', async () => {
  // GIVEN more activities than are kept
  for (let n = 1; n <= REPLAYED_ACTIVITIES + 5; n++) backend.feed.emit(connected(n));

  // WHEN a page opens the stream, and something happens after
  const stream = events(REPLAYED_ACTIVITIES + 1);
  await until(() => stream.received.length === REPLAYED_ACTIVITIES);
  backend.feed.emit({ kind: 'post', connectionId: 'conn-1', bytes: 5, data: 'hello', status: 'delivered' });
  const received = await stream.done;
  stream.close();

  // THEN it got the last ones kept, oldest first, then the new one, each with its time
  expect(received.slice(0, 2).map((a) => a.connectionId)).toEqual(['conn-6', 'conn-7']);
  expect(received[REPLAYED_ACTIVITIES - 1].connectionId).toBe(`conn-${REPLAYED_ACTIVITIES + 5}`);
  expect(received[REPLAYED_ACTIVITIES]).toEqual({ kind: 'post', connectionId: 'conn-1', bytes: 5, data: 'hello', status: 'delivered', at: expect.any(Number) });
});

test('publishes the request as typed, and disconnects a connection', async () => {
  const typed = '{"data":{"text":"hello"},"users":["alice"]}';
  const published = await post('/console/publish', { target: 'topic', body: typed });
  expect(published).toMatchObject({ status: 200, json: { ok: true, message: 'sent to the topic' } });
  expect(backend.published).toEqual([['topic', typed]]);

  // A body the pusher will call invalid is still sent: the page shows the handler's verdict
  expect((await post('/console/publish', { target: 'queue', body: '{"users":["alice"]}' })).status).toBe(200);

  expect(await post('/console/disconnect', { connectionId: 'conn-1' })).toMatchObject({ status: 200, json: { ok: true, message: 'closed conn-1' } });
  expect(backend.disconnected).toEqual(['conn-1']);
  expect(await post('/console/disconnect', { connectionId: 'conn-9' })).toMatchObject({ status: 404, json: { ok: false, message: 'no live connection conn-9' } });
});

test('refuses a body over 1 MB with 413, and sends nothing', async () => {
  const huge = await post('/console/publish', { target: 'queue', body: JSON.stringify({ data: 'x'.repeat(1024 * 1024) }) });
  expect(huge).toMatchObject({ status: 413, json: { ok: false, message: 'the body is over 1048576 bytes' } });
  expect(backend.published).toEqual([]);
});

test.each<[string, Record<string, string>]>([
  ['another site\'s page', { origin: 'https://evil.example' }],
  ['a page of another loopback port', { origin: 'http://127.0.0.1:1' }],
  ['a rebound DNS name', { host: 'evil.example' }],
  ['a form post (text/plain)', { 'content-type': 'text/plain' }],
  ['a form post (urlencoded)', { 'content-type': 'application/x-www-form-urlencoded' }],
])('refuses a POST from %s with 403, and does nothing', async (_, headers) => {
  const withHost = headers.host === 'evil.example' ? { ...headers, host: `evil.example:${port}` } : headers;
  const publish = await post('/console/publish', { target: 'queue', body: '{"data":1}' }, withHost);
  const disconnect = await post('/console/disconnect', { connectionId: 'conn-1' }, withHost);
  expect([publish.status, disconnect.status]).toEqual([403, 403]);
  expect(publish.json.ok).toBe(false);
  expect(backend.published).toEqual([]);
  expect(backend.disconnected).toEqual([]);
});

test('refuses to serve anything to a host that is not loopback (DNS rebinding)', async () => {
  expect((await send('GET', '/console/state', { host: `evil.example:${port}` })).status).toBe(403);
  expect((await send('GET', '/console', { host: `localhost:${port}` })).status).toBe(200);
});

test.each<[string, unknown, RegExp]>([
  ['a body that is not JSON', '{"target": "queue", ', /^the body is not JSON/],
  ['an unknown target', { target: 'bus', body: '{}' }, /^target must be one of queue, topic, got "bus"/],
  ['no request', { target: 'queue' }, /^body must be the request JSON/],
  ['a request the queue refuses', { target: 'queue', body: '{"data":"refused"}' }, /^not published: InvalidParameterValue: the queue refused it$/],
])('answers %s with 400 and a clear message, and goes on', async (_, body, message) => {
  const answer = await post('/console/publish', body);
  expect(answer.status).toBe(400);
  expect(answer.json.message).toMatch(message);
  expect((await send('GET', '/console/state')).status).toBe(200);
});

test('mounted on another server, answers only the paths under /console', async () => {
  // GIVEN the handler on a server that answers the rest itself (as the emulator's Management API does)
  const handle = consoleHandler(backend);
  const server: Server = createServer((req, res) => handle(req, res) || res.writeHead(200).end('management api'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const otherPort = (server.address() as AddressInfo).port;
  const get = (path: string) => new Promise<string>((resolve) => request({ host: '127.0.0.1', port: otherPort, path }, (res) => {
    let text = '';
    res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text));
  }).end());
  try {
    expect(await get('/local/@connections/abc')).toBe('management api');
    expect(await get('/consoles')).toBe('management api');
    expect(JSON.parse(await get('/console/state'))).toEqual(STATE);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
