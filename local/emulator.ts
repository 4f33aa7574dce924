import { createHash } from 'crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import { createServer as createHttpsServer } from 'https';
import type { AddressInfo, Socket } from 'net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConnectionRow } from './connections-table';
import { NativeSha256, verifySigV4, type SigningCredentials } from './sigv4';
import { LIMITS } from '../src/shared/constants';

/** A WebSocket upgrade request, as the `$connect` route sees it. */
export interface ConnectRequest {
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case names, first value of each. */
  readonly headers: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** What API Gateway keeps of an accepted connection for its later routes (`$disconnect`): its authorizer context. */
export interface KnownConnection {
  readonly connectionId: string;
  readonly connectedAt: number;
  /** `$context.authorizer`: `principalId` and the authorizer's context, stringified. */
  readonly authorizer: Readonly<Record<string, string>>;
  /** `$context.identity`. */
  readonly identity: Readonly<Record<string, string>>;
  /** The upgrade request's query string and headers (what a `$connect` Lambda's event carries). */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ConnectVerdict =
  | { readonly accepted: true; readonly connection: KnownConnection }
  | { readonly accepted: false; readonly status: number; readonly reason: string };

/**
 * What the API's `$connect` and `$disconnect` routes do: `TemplateRoutes` (routes.ts) runs the synthesized template's
 * integrations. `connect` decides whether the handshake completes; `disconnect` is best effort, as in API Gateway.
 */
export interface ConnectionLifecycle {
  connect(request: ConnectRequest): Promise<ConnectVerdict>;
  disconnect(connection: KnownConnection): Promise<void>;
}

/** Where virtual connections' rows are seeded in bulk (the fast path for tens of thousands of connections). */
export interface SeedStore {
  putMany(rows: readonly ConnectionRow[]): Promise<void>;
}

/** Faults the Management API can be told to inject; all off by default, settable at any time. */
export interface Faults {
  /** Token bucket refill rate: POSTs beyond it are answered 429 `LimitExceededException`. */
  readonly rateLimitPerSecond?: number;
  /** Token bucket size. @default rateLimitPerSecond */
  readonly burst?: number;
  /** Fraction (0..1) of POSTs answered 500, sampled from the emulator's seeded generator. */
  readonly errorRate?: number;
  /** The first N POSTs to each connection id are answered 500 (deterministic transient failures). */
  readonly failFirstN?: number;
  /** POSTs to these connection ids are always answered 500 (a connection that keeps failing). */
  readonly failingConnections?: readonly string[];
  /**
   * POSTs to these connection ids are answered 429 `LimitExceededException`, as API Gateway answers when a client's
   * receive buffer is full (a slow client); clear the list and they recover.
   */
  readonly throttledConnections?: readonly string[];
  /** Added to every Management API request before it is answered. */
  readonly latencyMs?: number;
  /** A further random latency, uniform in [0, this) and drawn from the seeded generator, per request. */
  readonly latencyJitterMs?: number;
  /** Every Management API request is answered 403 `ForbiddenException` (a missing IAM permission). */
  readonly forbidden?: boolean;
}

export interface EmulatorOptions {
  readonly lifecycle: ConnectionLifecycle;
  /**
   * Virtual connections' rows, written as if their `$connect` had run with `principalId` = their user id (so their
   * `$disconnect` deletes them in an app with `ConnectionUserId.fromAuthorizer()`, the local app's default).
   */
  readonly seeds: SeedStore;
  /** @default 'local' */
  readonly stage?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Seeds connection ids and fault sampling, so that runs are reproducible. @default 1 */
  readonly seed?: number;
  /** When set, virtual connections' rows are written with an expiry this many seconds after connecting. */
  readonly ttlSeconds?: number;
  /**
   * What every Management API request must be SigV4-signed with (service `execute-api`): the credentials the stack
   * gives the handler and its Region. A missing or bad signature is answered 403 `ForbiddenException` with API
   * Gateway's message, before anything else. `'off'` accepts anything (see `setSignatureCheck`).
   */
  readonly signing: { readonly credentials: SigningCredentials; readonly region: string } | 'off';
  /**
   * Serves over TLS with this certificate and key (`https://` and `wss://`), as API Gateway does; clients must trust
   * the certificate (`local/tls/` holds one for loopback). @default plain HTTP
   */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

/** Counters of the Management API, for assertions and benchmarks. */
export interface EmulatorStats {
  /** Management API requests received, by method. */
  readonly requests: { POST: number; GET: number; DELETE: number };
  /** Responses by HTTP status code. */
  readonly byStatus: Record<number, number>;
  /** Messages written to a connection (200 answers to POST). */
  readonly delivered: number;
  /** Bytes written to connections. */
  readonly deliveredBytes: number;
  /** Requests currently being handled, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** When the first Management API request since the last reset arrived (`performance.now()`), if any did. */
  readonly firstRequestAt?: number;
}

/** A live connection, as the emulator knows it. */
export interface ConnectionInfo {
  readonly connectionId: string;
  readonly userId: string;
  readonly virtual: boolean;
  /** Messages written to it so far. */
  readonly sent: number;
}

/** A connection with no TCP socket: a row plus an in-memory receiver. Behaves like a real one on the Management API. */
export interface VirtualConnection {
  readonly connectionId: string;
  readonly userId: string;
  /** Messages received, as text (kept only when `keepMessages` was asked for). */
  readonly messages: string[];
  readonly received: number;
  readonly receivedBytes: number;
}

/** Response header carrying the assigned connection id on the WebSocket upgrade (an emulator-only affordance). */
export const CONNECTION_ID_HEADER = 'x-connection-id';

const ERROR_MESSAGES: Record<string, string> = {
  GoneException: 'Gone',
  LimitExceededException: 'Rate exceeded',
  PayloadTooLargeException: 'Message too long',
  ForbiddenException: 'Forbidden',
  InternalServerErrorException: 'Internal server error',
};

interface Receiver {
  deliver(data: Buffer): Promise<boolean>;
  close(): void;
}

interface LiveConnection {
  readonly connectionId: string;
  readonly userId: string;
  readonly connectedAt: Date;
  lastActiveAt: Date;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly receiver: Receiver;
  readonly virtual: boolean;
  /** What `$disconnect` is run with. */
  readonly known: KnownConnection;
  sent: number;
  /** Set when the connection must vanish without its row being deleted. */
  stale: boolean;
  readonly disconnected: Promise<void>;
}

class ManagementApiError extends Error {
  constructor(readonly status: number, readonly type: string, message = ERROR_MESSAGES[type] ?? type) {
    super(message);
  }
}

/**
 * A local API Gateway WebSocket API: a real WebSocket server that runs the API's `$connect` / `$disconnect` routes
 * (a {@link ConnectionLifecycle}), and the Management API (`POST`, `GET`, `DELETE /{stage}/@connections/{id}`)
 * with API Gateway's status codes and error shapes, plus fault injection.
 */
export class ApiGatewayEmulator {
  /** Starts the emulator on loopback. */
  static async start(options: EmulatorOptions): Promise<ApiGatewayEmulator> {
    const emulator = new ApiGatewayEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return emulator;
  }

  readonly stage: string;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.MAX_PAYLOAD_BYTES });
  private readonly connections = new Map<string, LiveConnection>();
  private readonly postsByConnection = new Map<string, number>();
  private readonly pendingStoreOps = new Set<Promise<void>>();
  private readonly sockets = new Set<Socket>();
  private random: () => number;
  private readonly seed: number;
  private idCounter = 0;
  private faults: Faults = {};
  private tokens = 0;
  private lastRefill = 0;
  private stopping = false;
  private signatureCheck: boolean;
  private counters = emptyStats();

  private constructor(private readonly options: EmulatorOptions) {
    this.stage = options.stage ?? 'local';
    this.seed = options.seed ?? 1;
    this.random = seededRandom(this.seed);
    this.signatureCheck = options.signing !== 'off';
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handleManagementRequest(req, res);
    this.server = options.tls
      ? createHttpsServer({ keepAliveTimeout: 30_000, cert: options.tls.cert, key: options.tls.key }, handler)
      : createServer({ keepAliveTimeout: 30_000 }, handler);
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => {
      void this.handleUpgrade(req, socket as Socket, head);
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The Management API base URL, as the pusher's `CALLBACK_URL`. */
  get callbackUrl(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/${this.stage}`;
  }

  /** The URL a client connects to. */
  connectUrl(): string {
    return `${this.options.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/${this.stage}`;
  }

  /** Replaces the injected faults (an empty object turns them all off) and restarts their counters. */
  setFaults(faults: Faults): void {
    this.faults = { ...faults };
    this.tokens = faults.burst ?? faults.rateLimitPerSecond ?? 0;
    this.lastRefill = Date.now();
    this.postsByConnection.clear();
    // Each fault configuration samples the same sequence: a run is reproducible from the seed.
    this.random = seededRandom(this.seed);
  }

  /**
   * Turns the signature check off (or back on): only for a client that legitimately does not sign, such as the
   * benchmark's unsigned raw-HTTP subject. Every request is checked by default.
   */
  setSignatureCheck(enabled: boolean): void {
    if (enabled && this.options.signing === 'off') throw new Error('the emulator was started without signing credentials');
    this.signatureCheck = enabled;
  }

  get stats(): EmulatorStats {
    return { ...this.counters, requests: { ...this.counters.requests }, byStatus: { ...this.counters.byStatus } };
  }

  resetStats(): void {
    const inFlight = this.counters.inFlight;
    this.counters = emptyStats();
    this.counters.inFlight = inFlight;
    this.counters.maxInFlight = inFlight;
  }

  /** Live connections (stale and closed ones are gone from this list). */
  liveConnections(): ConnectionInfo[] {
    return [...this.connections.values()].map(({ connectionId, userId, virtual, sent }) => ({ connectionId, userId, virtual, sent }));
  }

  /** How many messages were written to this connection since it connected. */
  sentTo(connectionId: string): number {
    return this.connections.get(connectionId)?.sent ?? 0;
  }

  /**
   * Makes a connection vanish without `$disconnect` running: the socket is dropped, the row stays, and the
   * Management API answers 410 for it from now on.
   */
  makeStale(connectionId: string): void {
    const connection = this.connections.get(connectionId);
    if (!connection) {
      throw new Error(`no live connection ${connectionId}`);
    }
    connection.stale = true;
    this.connections.delete(connectionId);
    connection.receiver.close();
  }

  /** Resolves when the connection is gone and, unless it went stale, its row is deleted. */
  async disconnected(connectionId: string): Promise<void> {
    await this.connections.get(connectionId)?.disconnected;
  }

  /** Resolves once every pending `$connect` / `$disconnect` row write is done. */
  async settled(): Promise<void> {
    while (this.pendingStoreOps.size > 0) {
      await Promise.all([...this.pendingStoreOps]);
    }
  }

  /** A new connection id in API Gateway's style (16 base64 characters), reproducible from the seed. */
  nextConnectionId(): string {
    const digest = createHash('sha256').update(`${this.seed}:${this.idCounter++}`).digest();
    return digest.subarray(0, 11).toString('base64');
  }

  /** Connects a virtual client: its row is written, and it receives like a real one, without a TCP socket. */
  async connectVirtual(userId: string, options: { keepMessages?: boolean } = {}): Promise<VirtualConnection> {
    const [connection] = await this.connectVirtualMany([userId], { keepMessages: options.keepMessages ?? true });
    return connection;
  }

  /** Connects many virtual clients with batched row writes: the fast path for seeding thousands. */
  async connectVirtualMany(userIds: readonly string[], options: { keepMessages?: boolean } = {}): Promise<VirtualConnection[]> {
    const prepared = this.prepareVirtual(userIds, options.keepMessages ?? false);
    await this.options.seeds.putMany(prepared.map((p) => this.row(p.userId, p.connectionId)));
    prepared.forEach((p) => this.register(p.live));
    return prepared.map((p) => p.view);
  }

  /** Drops every connection and stops listening, once pending row writes are done. */
  async stop(): Promise<void> {
    // The table goes away with the stack: no new $connect / $disconnect writes, the ones in flight finish first.
    this.stopping = true;
    this.connections.clear();
    for (const client of this.wss.clients) {
      client.terminate();
    }
    this.wss.close();
    await this.settled();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) {
        socket.destroy();
      }
    });
  }

  private row(userId: string, connectionId: string): ConnectionRow {
    const ttl = this.options.ttlSeconds;
    return { userId, connectionId, ...(ttl !== undefined ? { expiresAt: Math.floor(Date.now() / 1000) + ttl } : {}) };
  }

  private prepareVirtual(userIds: readonly string[], keepMessages: boolean) {
    return userIds.map((userId) => {
      const connectionId = this.nextConnectionId();
      const view = { connectionId, userId, messages: [] as string[], received: 0, receivedBytes: 0 };
      let closed = false;
      let onClose = () => {};
      const disconnected = new Promise<void>((resolve) => (onClose = resolve));
      const receiver: Receiver = {
        deliver: async (data) => {
          if (closed) {
            return false;
          }
          view.received++;
          view.receivedBytes += data.length;
          if (keepMessages) {
            view.messages.push(data.toString('utf8'));
          }
          return true;
        },
        close: () => {
          if (!closed) {
            closed = true;
            this.track(this.onDisconnect(live).then(onClose));
          }
        },
      };
      const now = new Date();
      const live: LiveConnection = {
        connectionId,
        userId,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp: '127.0.0.1',
        userAgent: 'virtual',
        receiver,
        virtual: true,
        known: { connectionId, connectedAt: now.getTime(), authorizer: { principalId: userId }, identity: { sourceIp: '127.0.0.1', userAgent: 'virtual' } },
        sent: 0,
        stale: false,
        disconnected,
      };
      return { connectionId, userId, view: view as VirtualConnection, live };
    });
  }

  private register(connection: LiveConnection): void {
    this.connections.set(connection.connectionId, connection);
  }

  private track(promise: Promise<void>): void {
    this.pendingStoreOps.add(promise);
    void promise.finally(() => this.pendingStoreOps.delete(promise));
  }

  /** `$disconnect`: forget the connection and run the route, unless it vanished (stale). */
  private async onDisconnect(connection: LiveConnection): Promise<void> {
    if (this.connections.get(connection.connectionId) === connection) {
      this.connections.delete(connection.connectionId);
    }
    if (connection.stale || this.stopping) {
      return;
    }
    try {
      await this.options.lifecycle.disconnect(connection.known);
    } catch {
      // $disconnect is best effort in API Gateway too: a row left behind is a stale row.
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.replace(/\/+$/, '') !== `/${this.stage}`) {
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    if (this.stopping) {
      return rejectUpgrade(socket, 503, 'Service Unavailable');
    }
    const connectionId = this.nextConnectionId();
    const connecting = this.options.lifecycle.connect({
      connectionId,
      connectedAt: Date.now(),
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.keys(req.headers).map((name) => [name, headerValue(req, name) ?? ''])),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headerValue(req, 'user-agent') ?? '',
    });
    this.track(connecting.then(() => undefined, () => undefined));
    let verdict: ConnectVerdict;
    try {
      // $connect completes before the handshake does: once a client sees 'open', its row exists and it can be targeted.
      verdict = await connecting;
    } catch {
      return rejectUpgrade(socket, 500, 'Internal Server Error');
    }
    if (!verdict.accepted) {
      return rejectUpgrade(socket, verdict.status, verdict.reason);
    }
    const known = verdict.connection;
    const userId = known.authorizer.principalId ?? known.identity.userArn ?? connectionId;
    const addHeader = (headers: string[], request: IncomingMessage) => {
      if (request === req) {
        headers.push(`${CONNECTION_ID_HEADER}: ${connectionId}`);
      }
    };
    this.wss.on('headers', addHeader);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.wss.off('headers', addHeader);
      this.acceptSocket(ws, req, userId, known);
    });
  }

  private acceptSocket(ws: WebSocket, req: IncomingMessage, userId: string, known: KnownConnection): void {
    const connectionId = known.connectionId;
    let onClose = () => {};
    const disconnected = new Promise<void>((resolve) => (onClose = resolve));
    const now = new Date();
    const live: LiveConnection = {
      connectionId,
      userId,
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headerValue(req, 'user-agent') ?? '',
      virtual: false,
      known,
      sent: 0,
      stale: false,
      disconnected,
      receiver: {
        deliver: (data) => new Promise<boolean>((resolve) => {
          if (ws.readyState !== ws.OPEN) {
            return resolve(false);
          }
          ws.send(data, { binary: false }, (error) => resolve(!error));
        }),
        close: () => {
          if (live.stale) {
            ws.terminate();
          } else {
            // $disconnect is pending from now on: settled() waits for the row deletion.
            this.track(disconnected);
            ws.close(1000);
          }
        },
      },
    };
    this.register(live);
    ws.on('message', () => {
      live.lastActiveAt = new Date();
    });
    ws.on('error', () => ws.terminate());
    ws.once('close', () => this.track(this.onDisconnect(live).then(onClose)));
  }

  private async handleManagementRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.firstRequestAt ??= performance.now();
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    try {
      const body = await readBody(req);
      const { status, payload } = await this.route(req, body);
      this.respond(res, status, payload);
    } catch (error) {
      const e = error instanceof ManagementApiError ? error : new ManagementApiError(500, 'InternalServerErrorException');
      this.respond(res, e.status, JSON.stringify({ message: e.message }), e.type);
    } finally {
      this.counters.inFlight--;
    }
  }

  private async route(req: IncomingMessage, body: Buffer): Promise<{ status: number; payload?: string }> {
    const method = req.method ?? 'GET';
    const match = /^\/([^/]+)\/@connections\/([^/?]+)\/?(?:\?.*)?$/.exec(req.url ?? '');
    if (!match || decodeURIComponent(match[1]) !== this.stage || !['POST', 'GET', 'DELETE'].includes(method)) {
      throw new ManagementApiError(403, 'ForbiddenException');
    }
    const connectionId = decodeURIComponent(match[2]);
    this.counters.requests[method as 'POST' | 'GET' | 'DELETE']++;

    const signing = this.options.signing;
    if (this.signatureCheck && signing !== 'off') {
      const verdict = await verifySigV4({ method, url: req.url ?? '', headers: req.headers }, body, { ...signing, sha256: NativeSha256 });
      if (!verdict.ok) throw new ManagementApiError(403, 'ForbiddenException', verdict.reason);
    }
    const latency = (this.faults.latencyMs ?? 0) + (this.faults.latencyJitterMs ? this.random() * this.faults.latencyJitterMs : 0);
    if (latency > 0) {
      await sleep(latency);
    }
    this.injectFaults(connectionId);

    if (method === 'POST' && body.length > LIMITS.MAX_PAYLOAD_BYTES) {
      throw new ManagementApiError(413, 'PayloadTooLargeException');
    }
    const connection = this.connections.get(connectionId);
    if (!connection) {
      throw new ManagementApiError(410, 'GoneException');
    }
    switch (method) {
      case 'POST': {
        connection.sent++;
        if (!(await connection.receiver.deliver(body))) {
          connection.sent--;
          throw new ManagementApiError(410, 'GoneException');
        }
        this.counters.delivered++;
        this.counters.deliveredBytes += body.length;
        return { status: 200 };
      }
      case 'GET':
        return {
          status: 200,
          payload: JSON.stringify({
            connectedAt: connection.connectedAt.toISOString(),
            identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
            lastActiveAt: connection.lastActiveAt.toISOString(),
          }),
        };
      default:
        this.connections.delete(connectionId);
        connection.receiver.close();
        return { status: 204 };
    }
  }

  private injectFaults(connectionId: string): void {
    const faults = this.faults;
    if (faults.forbidden) {
      throw new ManagementApiError(403, 'ForbiddenException');
    }
    if (faults.rateLimitPerSecond !== undefined) {
      const now = Date.now();
      const burst = faults.burst ?? faults.rateLimitPerSecond;
      this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * faults.rateLimitPerSecond) / 1000);
      this.lastRefill = now;
      if (this.tokens < 1) {
        throw new ManagementApiError(429, 'LimitExceededException');
      }
      this.tokens -= 1;
    }
    if (faults.failFirstN) {
      const seen = (this.postsByConnection.get(connectionId) ?? 0) + 1;
      this.postsByConnection.set(connectionId, seen);
      if (seen <= faults.failFirstN) {
        throw new ManagementApiError(500, 'InternalServerErrorException');
      }
    }
    if (faults.failingConnections?.includes(connectionId)) {
      throw new ManagementApiError(500, 'InternalServerErrorException');
    }
    if (faults.throttledConnections?.includes(connectionId)) {
      throw new ManagementApiError(429, 'LimitExceededException');
    }
    if (faults.errorRate && this.random() < faults.errorRate) {
      throw new ManagementApiError(500, 'InternalServerErrorException');
    }
  }

  private respond(res: ServerResponse, status: number, payload?: string, errorType?: string): void {
    this.counters.byStatus[status] = (this.counters.byStatus[status] ?? 0) + 1;
    const headers: Record<string, string | number> = { 'x-amzn-RequestId': this.requestId() };
    if (errorType) {
      headers['x-amzn-ErrorType'] = errorType;
    }
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    } else {
      headers['content-length'] = 0;
    }
    res.writeHead(status, headers);
    res.end(payload);
  }

  private requestId(): string {
    const n = this.counters.requests.POST + this.counters.requests.GET + this.counters.requests.DELETE;
    return createHash('sha256').update(`request:${this.seed}:${n}:${Date.now()}`).digest('hex').slice(0, 32);
  }
}

function emptyStats() {
  return {
    requests: { POST: 0, GET: 0, DELETE: 0 },
    byStatus: {} as Record<number, number>,
    delivered: 0,
    deliveredBytes: 0,
    inFlight: 0,
    maxInFlight: 0,
    firstRequestAt: undefined as number | undefined,
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Reads a request body, refusing anything far beyond the payload limit (the 413 needs only the size). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * LIMITS.MAX_PAYLOAD_BYTES) {
      throw new ManagementApiError(413, 'PayloadTooLargeException');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A seeded sequence of numbers in [0, 1), so that an `errorRate` picks the same requests on every run. */
function seededRandom(seed: number): () => number {
  let n = 0;
  return () => createHash('sha256').update(`fault:${seed}:${n++}`).digest().readUInt32BE(0) / 2 ** 32;
}
