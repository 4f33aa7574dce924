import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ApiRoutes, SeedStore } from './api-routes';
import { ConnectionRegistry, seedRow, type VirtualConnection } from './connections';
import { FaultInjector, type Faults } from './faults';
import { ManagementApi } from './management-api';
import type { SigningCredentials } from './sigv4';
import { emptyStats, type EmulatorStats, type MutableStats } from './stats';
import { WebSocketUpgrades, type ConnectionLimits } from './websocket-upgrades';
import type { ActivityFeed } from '../activity';
import { LOOPBACK } from '../net';

export interface EmulatorOptions {
  readonly routes: ApiRoutes;
  /**
   * Virtual connections' rows, written as if their `$connect` had run with `principalId` = their user id (so their
   * `$disconnect` deletes them in an app with `ConnectionUserId.fromAuthorizer()`, the local app's default).
   */
  readonly seeds: SeedStore;
  /** @default 'local' */
  readonly stage?: string;
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
  /** API Gateway's connection limits, shortened for a test. @default 2 hours, 10 minutes idle */
  readonly limits?: ConnectionLimits;
  /** Told of connections accepted, refused and gone, and of every post to a connection. */
  readonly activity?: ActivityFeed;
  /**
   * Serves more paths on the emulator's HTTP server (the local console): answers true when it handled the request;
   * the Management API answers the others.
   */
  readonly httpHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** A live connection, as the console lists it. */
export interface ConnectionView {
  readonly connectionId: string;
  /** The authorizer's `principalId`, if it gave one. */
  readonly principalId?: string;
  /** The authorizer's context. */
  readonly context: Readonly<Record<string, string>>;
  readonly connectedAt: Date;
  /** Messages posted to it. */
  readonly sent: number;
}

/**
 * A local API Gateway WebSocket API on loopback: one server for the WebSocket upgrades (`websocket-server.ts`, which
 * runs the API's `$connect` / `$disconnect`) and the Management API (`management-api.ts`), sharing the connections
 * (`connections.ts`); faults (`faults.ts`) and counters (`stats.ts`) are settable and readable here.
 */
export class ApiGatewayEmulator {
  static async start(options: EmulatorOptions): Promise<ApiGatewayEmulator> {
    const emulator = new ApiGatewayEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(options.port ?? 0, LOOPBACK, () => resolve());
    });
    return emulator;
  }

  readonly stage: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly registry: ConnectionRegistry;
  private readonly faults: FaultInjector;
  private readonly upgrades: WebSocketUpgrades;
  private readonly managementApi: ManagementApi;
  private counters: MutableStats = emptyStats();

  private constructor(private readonly options: EmulatorOptions) {
    this.stage = options.stage ?? 'local';
    const seed = options.seed ?? 1;
    this.registry = new ConnectionRegistry(seed);
    this.faults = new FaultInjector(seed);
    this.upgrades = new WebSocketUpgrades(this.stage, options.routes, this.registry, options.limits, options.activity);
    const { stage, registry, faults } = this;
    const stats = () => this.counters;
    this.managementApi = new ManagementApi({ stage, seed, registry, faults, signing: options.signing, stats, activity: options.activity });
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if (options.httpHandler?.(req, res)) return;
      void this.managementApi.handle(req, res);
    };
    this.server = options.tls
      ? createHttpsServer({ keepAliveTimeout: 30_000, cert: options.tls.cert, key: options.tls.key }, handler)
      : createServer({ keepAliveTimeout: 30_000 }, handler);
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => void this.upgrades.handleUpgrade(req, socket as Socket, head));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The Management API base URL, as the pusher's `CALLBACK_URL`. */
  get callbackUrl(): string {
    return `${this.options.tls ? 'https' : 'http'}://${LOOPBACK}:${this.port}/${this.stage}`;
  }

  /** The URL a client connects to. */
  connectUrl(): string {
    return `${this.options.tls ? 'wss' : 'ws'}://${LOOPBACK}:${this.port}/${this.stage}`;
  }

  /** Replaces the injected faults (an empty object turns them all off) and restarts their counters. */
  setFaults(faults: Faults): void {
    this.faults.set(faults);
  }

  /**
   * Turns the signature check off (or back on): only for a client that legitimately does not sign, such as the
   * benchmark's unsigned raw-HTTP subject. Every request is checked by default.
   */
  setSignatureCheck(enabled: boolean): void {
    if (enabled && this.options.signing === 'off') throw new Error('the emulator was started without signing credentials');
    this.managementApi.signatureCheck = enabled;
  }

  get stats(): EmulatorStats {
    return { ...this.counters, requests: { ...this.counters.requests }, byStatus: { ...this.counters.byStatus } };
  }

  resetStats(): void {
    const inFlight = this.counters.inFlight;
    this.counters = { ...emptyStats(), inFlight, maxInFlight: inFlight };
  }

  /**
   * How many frames were written to this connection since it connected: the Management API's posts and its routes'
   * replies; still known for a while once it is gone (its client may be reading the last of them).
   */
  framesTo(connectionId: string): number {
    return this.registry.framesTo(connectionId);
  }

  /** The live connections, oldest first. */
  connections(): ConnectionView[] {
    return this.registry.all().filter((c) => !c.stale).map(({ connectionId, known, connectedAt, sent }) => {
      const { principalId, ...context } = known.authorizer;
      return { connectionId, ...(principalId !== undefined ? { principalId } : {}), context, connectedAt, sent };
    });
  }

  /** Closes a connection as a Management API `DELETE` does (`$disconnect` runs); false when it is not live. */
  closeConnection(connectionId: string): boolean {
    const connection = this.registry.get(connectionId);
    if (!connection) return false;
    connection.closedBy = 'api';
    this.registry.remove(connection);
    connection.receiver.close();
    return true;
  }

  /**
   * Makes a connection vanish without `$disconnect` running: the socket is dropped, the row stays, and the
   * Management API answers 410 for it from now on.
   */
  makeStale(connectionId: string): void {
    const connection = this.registry.get(connectionId);
    if (!connection) throw new Error(`no live connection ${connectionId}`);
    connection.stale = true;
    this.registry.remove(connection);
    connection.receiver.close();
  }

  /** Resolves when the connection is gone and, unless it went stale, its row is deleted. */
  async disconnected(connectionId: string): Promise<void> {
    await this.registry.get(connectionId)?.disconnected;
  }

  /** Resolves once every pending `$connect` / `$disconnect` row write is done. */
  async settled(): Promise<void> {
    await this.registry.settled();
  }

  /** A new connection id in API Gateway's style (16 base64 characters), reproducible from the seed. */
  nextConnectionId(): string {
    return this.registry.nextConnectionId();
  }

  /** Connects many virtual clients with batched row writes: the fast path for seeding thousands. */
  async connectVirtualMany(userIds: readonly string[], options: { keepMessages?: boolean } = {}): Promise<VirtualConnection[]> {
    const prepared = this.registry.virtual(userIds, options.keepMessages ?? false, (live) => this.upgrades.onDisconnect(live));
    await this.options.seeds.putMany(prepared.map(({ view }) => seedRow(view.userId, view.connectionId, this.options.ttlSeconds)));
    prepared.forEach(({ live }) => this.registry.add(live));
    return prepared.map(({ view }) => view);
  }

  /** Drops every connection and stops listening, once pending row writes are done. */
  async stop(): Promise<void> {
    // The table goes away with the stack: no new $connect / $disconnect writes, the ones in flight finish first.
    this.upgrades.stop();
    this.registry.clear();
    await this.registry.settled();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
