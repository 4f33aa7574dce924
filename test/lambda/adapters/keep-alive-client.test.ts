import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpAnswerParser, HttpParseError } from '../../../lambda/adapters/http-answer-parser';
import { KeepAliveClient } from '../../../lambda/adapters/keep-alive-client';
import { loopbackTls } from '../../../local/tls/loopback-tls';

const { cert: CERT, key: KEY } = loopbackTls();

/** What a server does with each request it reads: the raw bytes it answers, or an act on the socket. */
type Script = (socket: net.Socket, request: number) => void;

/**
 * A raw TCP (or TLS) server that reads whole requests (head + content-length body) and runs `script` for each, so
 * that a test can answer byte for byte what a real endpoint may send: chunked bodies, `Connection: close`, a reset.
 */
class RawServer {
  static async start(script: Script, secure = false): Promise<RawServer> {
    const server = new RawServer(script, secure);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  connections = 0;
  requests = 0;
  /** For a TLS server: whether each connection resumed an earlier TLS session. */
  readonly resumed: boolean[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly script: Script, secure: boolean) {
    const onSocket = (socket: net.Socket) => {
      this.connections++;
      if (socket instanceof tls.TLSSocket) this.resumed.push(socket.isSessionReused());
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const length = Number(/content-length: *(\d+)/i.exec(buffer.toString('latin1', 0, end))?.[1] ?? 0);
          if (buffer.length < end + 4 + length) return;
          buffer = buffer.subarray(end + 4 + length);
          this.script(socket, ++this.requests);
        }
      });
    };
    this.server = secure ? tls.createServer({ key: KEY, cert: CERT }, onSocket) : net.createServer(onSocket);
  }

  get url(): string {
    return `${this.server instanceof tls.Server ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const HEAD = (requestPath: string, host: string) => `POST ${requestPath} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 2\r\n\r\n`;
const BODY = Buffer.from('{}');

type Outcome = { status: number; body: string; errortype?: string } | { error: string };

/** What kind of failure an error is: a timeout, a malformed answer (llhttp's HPE_* codes, ours), or a network error. */
function errorKind(e: Error & { code?: string }): string {
  if (e.name === 'TimeoutError') return 'timeout';
  if (e.code?.startsWith('HPE_')) return 'malformed';
  return 'network';
}

/** One request through the keep-alive client. */
async function viaClient(client: KeepAliveClient, url: string): Promise<Outcome> {
  try {
    const answer = await client.request(HEAD('/live/@connections/abc%3D', new URL(url).host), BODY);
    return { status: answer.status, body: answer.body.toString(), ...(answer.headers['x-amzn-errortype'] ? { errortype: answer.headers['x-amzn-errortype'] } : {}) };
  } catch (e) {
    return { error: errorKind(e as Error) };
  }
}

/** The same request through Node's own client (a keep-alive agent), the reference the client must equal. */
function viaNode(agent: http.Agent, url: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = (url.startsWith('https') ? https : http).request(`${url}/live/@connections/abc%3D`, {
      method: 'POST', agent, headers: { 'content-length': 2 }, timeout: timeoutMs, ...(url.startsWith('https') ? { ca: CERT } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode!,
        body: Buffer.concat(chunks).toString(),
        ...(res.headers['x-amzn-errortype'] ? { errortype: String(res.headers['x-amzn-errortype']) } : {}),
      }));
      res.on('error', (e) => resolve({ error: errorKind(e) }));
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    request.on('error', (e) => resolve({ error: errorKind(e) }));
    request.end(BODY);
  });
}

/** A TCP reset; a TLS socket cannot be reset from Node, so it is cut without a close_notify. */
const reset = (socket: net.Socket) => (socket instanceof tls.TLSSocket ? socket.destroy() : socket.resetAndDestroy());
const ok = (socket: net.Socket) => socket.write('HTTP/1.1 200 OK\r\nx-amzn-RequestId: r\r\ncontent-length: 0\r\n\r\n');
const gone = '{"message": "GoneException"}';

/** Server behaviours, each answered to the client and to Node's client alike: the outcomes must be equal. */
const SCRIPTS: Record<string, Script> = {
  'a 200 with an empty body': ok,
  '410 with a JSON body and x-amzn-ErrorType': (s) => s.write(`HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException:http://internal.amazon.com/\r\ncontent-type: application/json\r\ncontent-length: ${gone.length}\r\n\r\n${gone}`),
  'a chunked body in pieces, with an extension and a trailer': (s) => {
    s.write('HTTP/1.1 429 Too Many Requests\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\n{"mes');
    setTimeout(() => s.write('sage":\r\n1'), 5);
    setTimeout(() => s.write('7\r\n "LimitExceeded"}\r\n0\r\nx-trailer: t\r\n\r\n'), 10);
  },
  'Connection: close after the answer': (s) => { s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'); s.end(); },
  'a body framed by the end of the connection': (s) => { s.write('HTTP/1.1 500 Internal Server Error\r\nconnection: close\r\n\r\n{"message":"boom"}'); s.end(); },
  'an interim 100 Continue before the answer': (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
  'an HTTP/1.0 answer (not kept alive)': (s) => { s.write('HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok'); s.end(); },
  'a reset in the middle of the head': (s) => { s.write('HTTP/1.1 200 OK\r\ncontent-le'); setTimeout(() => reset(s), 5); },
  'a reset in the middle of the body': (s) => { s.write('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 100\r\n\r\n{"mess'); setTimeout(() => reset(s), 5); },
  'the socket closed before any answer': (s) => s.end(),
  'a slow answer (past the timeout)': () => undefined,
  'a status line that is not HTTP': (s) => s.write('SMTP 220 hello\r\n\r\n'),
};

describe('KeepAliveClient', () => {
  let server: RawServer | undefined;
  let client: KeepAliveClient | undefined;
  afterEach(async () => {
    client?.destroy();
    await server?.close();
    server = undefined;
    client = undefined;
  });

  test.each(Object.entries(SCRIPTS))('answers as Node\'s http client does: %s', async (_, script) => {
    // GIVEN a server with this behaviour on every request
    server = await RawServer.start(script);
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 2, timeoutMs: 300 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

    // WHEN the same request is sent twice through each client
    const ours = [await viaClient(client, server.url), await viaClient(client, server.url)];
    const node = [await viaNode(agent, server.url, 300), await viaNode(agent, server.url, 300)];
    agent.destroy();

    // THEN the outcomes are the same: status, body and error type, or the same kind of failure
    expect(ours).toEqual(node);
  });

  test('keeps one socket for sequential requests, and opens a new one after Connection: close', async () => {
    let closeNext = false;
    server = await RawServer.start((s) => {
      if (closeNext) { s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'); s.end(); } else {ok(s);}
    });
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 4, timeoutMs: 1_000 });
    for (let i = 0; i < 5; i++) expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(1);
    closeNext = true;
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    closeNext = false;
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(2);
  });

  test('an idle socket is kept past timeoutMs, as Node\'s agent keeps it, and its next request is still bounded', async () => {
    server = await RawServer.start((s, n) => (n === 3 ? undefined : ok(s)));
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 100 });
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(1);
    // The third request gets no answer: the re-armed timer fails it
    const started = Date.now();
    expect(await viaClient(client, server.url)).toEqual({ error: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  test('destroy(): the request in flight and the waiting ones fail, no socket is opened after, later requests are refused', async () => {
    server = await RawServer.start(() => undefined);
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 5_000 });
    const inFlight = client.request(HEAD('/x', 'h'), BODY).catch((e: NodeJS.ErrnoException) => e);
    const waiting = client.request(HEAD('/x', 'h'), BODY).catch((e: NodeJS.ErrnoException) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    expect((await inFlight as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect((await waiting as NodeJS.ErrnoException).code).toBe('ERR_CLIENT_DESTROYED');
    await expect(client.request(HEAD('/x', 'h'), BODY)).rejects.toMatchObject({ code: 'ERR_CLIENT_DESTROYED' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.connections).toBe(1);
  });

  test('over TLS by name: the certificate is checked for the host name (SNI), as for execute-api.{region}.amazonaws.com', async () => {
    server = await RawServer.start(ok, true);
    const byName = server.url.replace('127.0.0.1', 'localhost');
    client = new KeepAliveClient({ origin: new URL(byName), maxSockets: 1, timeoutMs: 1_000, ca: CERT });
    expect(await viaClient(client, byName)).toEqual({ status: 200, body: '' });
  });

  test('an idle socket the server closed is not used again', async () => {
    server = await RawServer.start((s) => { ok(s); setTimeout(() => s.end(), 10); });
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 1_000 });
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(2);
  });

  test('a reset socket fails only its request: the next one gets a new socket and succeeds', async () => {
    server = await RawServer.start((s, n) => (n === 2 ? reset(s) : ok(s)));
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 1_000 });
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    const failed = await client.request(HEAD('/x', 'h'), BODY).catch((e: NodeJS.ErrnoException) => e);
    expect((failed as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(2);
  });

  test('never opens more than maxSockets; requests beyond wait for a free socket', async () => {
    const open = new Set<net.Socket>();
    let most = 0;
    server = await RawServer.start((s) => {
      open.add(s);
      most = Math.max(most, open.size);
      setTimeout(() => { open.delete(s); ok(s); }, 10);
    });
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 3, timeoutMs: 1_000 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => viaClient(client!, server!.url)));
    expect(outcomes).toEqual(Array(20).fill({ status: 200, body: '' }));
    expect(server.connections).toBe(3);
    expect(most).toBe(3);
  });

  test('a slow answer fails with TimeoutError after timeoutMs, and frees its socket slot', async () => {
    server = await RawServer.start((s, n) => (n === 1 ? undefined : ok(s)));
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 150 });
    const started = Date.now();
    const slow = await client.request(HEAD('/x', 'h'), BODY).catch((e: Error) => e);
    expect((slow as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
  });

  test('over TLS: verifies the certificate, keeps the socket alive and resumes the TLS session on a new socket', async () => {
    server = await RawServer.start(ok, true);
    client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 2, timeoutMs: 1_000, ca: CERT });
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(await viaClient(client, server.url)).toEqual({ status: 200, body: '' });
    expect(server.connections).toBe(1);
    const both = await Promise.all([viaClient(client, server.url), viaClient(client, server.url)]);
    expect(both).toEqual([{ status: 200, body: '' }, { status: 200, body: '' }]);
    expect(server.connections).toBe(2);
    expect(server.resumed).toEqual([false, true]);

    // A client that does not trust the certificate refuses the server
    const untrusting = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 1, timeoutMs: 1_000 });
    const refused = await untrusting.request(HEAD('/x', 'h'), BODY).catch((e: NodeJS.ErrnoException) => e);
    untrusting.destroy();
    expect((refused as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  test('TLS answers equal Node\'s https client on every scripted behaviour', async () => {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      server = await RawServer.start(script, true);
      client = new KeepAliveClient({ origin: new URL(server.url), maxSockets: 2, timeoutMs: 300, ca: CERT });
      const agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
      const ours = await viaClient(client, server.url);
      const node = await viaNode(agent, server.url, 300);
      agent.destroy();
      client.destroy();
      await server.close();
      server = undefined;
      expect({ name, outcome: ours }).toEqual({ name, outcome: node });
    }
  });
});

describe('HttpAnswerParser', () => {
  const answers = [
    'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 410 Gone\r\nX-Amzn-ErrorType: GoneException\r\ncontent-length: 13\r\n\r\n{"message":1}',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 429 Slow Down\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nA;x=y\r\n0123456789\r\n0\r\ntrailer: 1\r\n\r\n',
  ];

  test.each(answers)('reads the same answer whole or one byte at a time: %j', (raw) => {
    const whole = new HttpAnswerParser().push(Buffer.from(raw));
    const parser = new HttpAnswerParser();
    const bytes = Buffer.from(raw);
    let bytewise;
    for (let i = 0; i < bytes.length; i++) {
      const answer = parser.push(bytes.subarray(i, i + 1));
      if (answer) {
        expect(i).toBe(bytes.length - 1);
        bytewise = answer;
      }
    }
    expect(whole).toBeDefined();
    expect({ ...bytewise, body: bytewise!.body.toString() }).toEqual({ ...whole, body: whole!.body.toString() });
    expect(whole!.reusable).toBe(true);
  });

  test('a header named like an Object property is an ordinary header', () => {
    const answer = new HttpAnswerParser().push(Buffer.from('HTTP/1.1 200 OK\r\nconstructor: x\r\n__proto__: y\r\ncontent-length: 0\r\n\r\n'))!;
    expect(answer.headers.constructor).toBe('x');
    expect(Object.keys(answer.headers)).toEqual(['constructor', '__proto__', 'content-length']);
  });

  test('joins repeated headers, lower-cases names, and reads the chunked body', () => {
    const answer = new HttpAnswerParser().push(Buffer.from(answers[3].replace('trailer', 'x').replace('429 Slow Down\r\n', '429 Slow Down\r\nVia: a\r\nvia: b\r\n')))!;
    expect(answer.headers.via).toBe('a, b');
    expect(answer.body.toString()).toBe('abc0123456789');
  });

  test.each([
    ['not HTTP', 'HELLO\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['an invalid content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n'],
    ['an unsupported transfer-encoding', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n'],
    ['an invalid chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nab\r\n'],
    ['a head over 16 KiB', `HTTP/1.1 200 OK\r\nx: ${'a'.repeat(17_000)}`],
    ['interim answers over 16 KiB in all', 'HTTP/1.1 100 Continue\r\nx: aaaaaaaaaaaaaaaaaaaa\r\n\r\n'.repeat(400)],
    ['both transfer-encoding and content-length', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n'],
    ['whitespace before a header\'s colon', 'HTTP/1.1 200 OK\r\ncontent-length : 0\r\n\r\n'],
  ])('refuses %s', (_, raw) => {
    expect(() => new HttpAnswerParser().push(Buffer.from(raw))).toThrow(HttpParseError);
  });

  test('bytes past the answer make the socket not reusable; an answer framed by the end needs the end', () => {
    expect(new HttpAnswerParser().push(Buffer.from(`${answers[0]}HTTP/1.1 200`))!.reusable).toBe(false);
    const parser = new HttpAnswerParser();
    expect(parser.push(Buffer.from('HTTP/1.1 500 Oops\r\n\r\npart'))).toBeUndefined();
    expect(parser.end()).toMatchObject({ status: 500, reusable: false });
    expect(parser.end().body.toString()).toBe('part');
    expect(() => new HttpAnswerParser().end()).toThrow('socket hang up');
  });
});
