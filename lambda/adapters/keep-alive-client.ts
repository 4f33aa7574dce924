import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpAnswerParser, socketHangUp, type HttpAnswer } from './http-answer-parser';

export type { HttpAnswer } from './http-answer-parser';

/** A request's head as `KeepAliveClient.request` takes it: the request line, each header, and the empty line. */
export function requestHead(method: string, path: string, headers: Readonly<Record<string, string>>): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  return `${head}\r\n`;
}

export interface KeepAliveClientOptions {
  /** `http://` or `https://` origin; requests give their own paths. */
  readonly origin: URL;
  /** Sockets kept open at most: as many as requests in flight; more requests wait for a free socket. */
  readonly maxSockets: number;
  /**
   * A request whose socket neither sends nor receives a byte for this long fails (TimeoutError). An idle socket is kept
   * until the server closes it, as Node's agent keeps its free sockets.
   */
  readonly timeoutMs: number;
  /** Certificates to trust over the system's, for an `https` origin (tests and the local stack; Lambda needs none). */
  readonly ca?: string | Buffer;
  /** An answer with a bigger body is a parse error (its socket dropped). @default MAX_BODY_BYTES (1 MiB) */
  readonly maxBodyBytes?: number;
}

interface Exchange {
  readonly parser: HttpAnswerParser;
  readonly resolve: (answer: HttpAnswer) => void;
  readonly reject: (error: Error) => void;
}

/** One socket and the exchange on it, if any. */
interface Connection {
  readonly socket: net.Socket;
  exchange?: Exchange;
  closed: boolean;
}

/**
 * HTTP/1.1 requests over a pool of keep-alive sockets to one origin, each request a single write of head and body.
 * Node's `http.request` builds a request object, an outgoing stream, listeners and a timer per request; here a request
 * is a string and a parser, the socket's own idle timer bounds it, and the answer is parsed by {@link HttpAnswerParser}.
 * A socket that answered `Connection: close`, framed its body by its end, failed, or timed out is not reused.
 */
export class KeepAliveClient {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<{ readonly resolve: (connection: Connection) => void; readonly reject: (error: Error) => void }> = [];
  private readonly all = new Set<Connection>();
  private readonly secure: boolean;
  private readonly host: string;
  private readonly port: number;
  private tlsSession?: Buffer;
  private destroyed = false;

  constructor(private readonly options: KeepAliveClientOptions) {
    this.secure = options.origin.protocol === 'https:';
    this.host = options.origin.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = options.origin.port ? Number(options.origin.port) : this.secure ? 443 : 80;
  }

  /** Sends `head` (request line and headers, ending in an empty line) and `body`; the answer, or a network error. */
  async request(head: string, body?: Uint8Array): Promise<HttpAnswer> {
    const connection = await this.acquire();
    return new Promise<HttpAnswer>((resolve, reject) => {
      connection.exchange = { parser: new HttpAnswerParser(this.options.maxBodyBytes), resolve, reject };
      const bytes = Buffer.from(head, 'latin1');
      connection.socket.write(body && body.byteLength > 0 ? Buffer.concat([bytes, body]) : bytes);
    });
  }

  /** Closes every socket: requests in flight and waiting fail, and later ones are refused. */
  destroy(): void {
    this.destroyed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(clientDestroyed());
    for (const connection of this.all) connection.socket.destroy();
  }

  private async acquire(): Promise<Connection> {
    if (this.destroyed) throw clientDestroyed();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.closed) {
        c.socket.ref();
        return c;
      }
    }
    if (this.all.size < this.options.maxSockets) return this.connect();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private connect(): Connection {
    const socket = this.secure
      ? tls.connect({
        host: this.host,
        port: this.port,
        servername: net.isIP(this.host) ? undefined : this.host,
        ALPNProtocols: ['http/1.1'],
        session: this.tlsSession,
        ...(this.options.ca ? { ca: this.options.ca } : {}),
      })
      : net.connect({ host: this.host, port: this.port });
    const connection: Connection = { socket, closed: false };
    this.all.add(connection);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1_000);
    socket.setTimeout(this.options.timeoutMs);
    if (this.secure) socket.on('session', (session: Buffer) => { this.tlsSession = session; });
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    socket.on('timeout', () => {
      // Idle, the socket stays (the next write re-arms the timer); in an exchange, the request has timed out.
      if (!connection.exchange) return;
      this.close(connection, Object.assign(new Error(`no answer within ${this.options.timeoutMs} ms`), { name: 'TimeoutError' }));
    });
    socket.on('error', (error) => this.close(connection, error));
    socket.on('end', () => this.onEnd(connection));
    socket.on('close', () => this.close(connection, socketHangUp()));
    return connection;
  }

  private onData(connection: Connection, chunk: Buffer): void {
    const exchange = connection.exchange;
    if (!exchange) {
      // Bytes nobody asked for: the socket's framing can no longer be trusted.
      this.close(connection);
      return;
    }
    let answer: HttpAnswer | undefined;
    try {
      answer = exchange.parser.push(chunk);
    } catch (error) {
      this.close(connection, error as Error);
      return;
    }
    if (!answer) return;
    connection.exchange = undefined;
    if (answer.reusable) this.release(connection);
    else this.close(connection);
    exchange.resolve(answer);
  }

  /** The server ended the socket: an answer framed by the end completes; any other exchange fails. */
  private onEnd(connection: Connection): void {
    const exchange = connection.exchange;
    if (exchange) {
      connection.exchange = undefined;
      try {
        exchange.resolve(exchange.parser.end());
      } catch (error) {
        exchange.reject(error as Error);
      }
    }
    this.close(connection);
  }

  private release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) {
      next.resolve(connection);
      return;
    }
    // An idle socket does not keep the process alive (as Node's agent does with its free sockets).
    connection.socket.unref();
    this.idle.push(connection);
  }

  /** Takes the socket out of the pool for good; its exchange, if any, fails with `error`. */
  private close(connection: Connection, error?: Error): void {
    const exchange = connection.exchange;
    connection.exchange = undefined;
    if (exchange) exchange.reject(error ?? socketHangUp());
    if (connection.closed) return;
    connection.closed = true;
    this.all.delete(connection);
    connection.socket.destroy();
    // A request waiting for a socket gets a new one in place of this one.
    const next = this.destroyed ? undefined : this.waiting.shift();
    if (!next) return;
    try {
      next.resolve(this.connect());
    } catch (e) {
      next.reject(e as Error);
    }
  }
}

function clientDestroyed(): Error {
  return Object.assign(new Error('the client was destroyed'), { code: 'ERR_CLIENT_DESTROYED' });
}
