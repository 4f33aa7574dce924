import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiRoutes, ConnectVerdict, KnownConnection } from './api-routes';
import type { ConnectionRegistry, LiveConnection } from './connections';
import { LIMITS } from '../../src/shared/constants';
import type { ActivityFeed } from '../activity';
import { LOOPBACK } from '../net';

/** Response header carrying the assigned connection id on the WebSocket upgrade (an emulator-only affordance). */
export const CONNECTION_ID_HEADER = 'x-connection-id';

/**
 * The WebSocket side of the API: an upgrade runs `$connect` (the handshake completes only once it accepted), a frame
 * is routed and its reply (if any) sent back, a closed socket runs `$disconnect`, unless the connection vanished
 * (stale) or the emulator is stopping.
 */
export class WebSocketUpgrades {
  /** The subprotocol each upgrade's `$connect` answer selected: API Gateway selects none by itself. */
  private readonly protocols = new WeakMap<IncomingMessage, string>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    // API Gateway's 32 KB frame limit: a client's bigger frame closes the connection with 1009 (`ws` closes it so). The
    // 128 KB message limit applies to @connections posts, and to a message split into frames, which clients do not do.
    maxPayload: LIMITS.MAX_FRAME_BYTES,
    // A client that offered subprotocols gets the one `$connect` selected, and only one it offered; else none, and the
    // client fails the handshake, as against API Gateway.
    handleProtocols: (offered: Set<string>, req: IncomingMessage) => {
      const selected = this.protocols.get(req);
      return selected !== undefined && offered.has(selected) ? selected : false;
    },
  });
  private stopping = false;
  /** The connection limits in force: the ones given, API Gateway's for the others. */
  readonly limits: Required<ConnectionLimits>;

  constructor(
    private readonly stage: string,
    private readonly routes: ApiRoutes,
    private readonly registry: ConnectionRegistry,
    limits: ConnectionLimits = {},
    private readonly activity?: ActivityFeed,
  ) {
    this.limits = {
      maxDurationMs: limits.maxDurationMs ?? API_GATEWAY_LIMITS.maxDurationMs,
      idleTimeoutMs: limits.idleTimeoutMs ?? API_GATEWAY_LIMITS.idleTimeoutMs,
    };
  }

  async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.replace(/\/+$/, '') !== `/${this.stage}`) {
      return this.refuse(socket, { accepted: false, status: 403, reason: 'Forbidden', detail: `${url.pathname} is not the stage's path /${this.stage}` });
    }
    if (this.stopping) return rejectUpgrade(socket, 503, 'Service Unavailable');
    const connectionId = this.registry.nextConnectionId();
    const connecting = this.routes.connect({
      connectionId,
      connectedAt: Date.now(),
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.keys(req.headers).map((name) => [name, headerValue(req, name) ?? ''])),
      sourceIp: req.socket.remoteAddress ?? LOOPBACK,
      userAgent: headerValue(req, 'user-agent') ?? '',
    });
    this.registry.track(connecting);
    let verdict: ConnectVerdict;
    try {
      // $connect completes before the handshake does: once a client sees 'open', its row exists and it can be targeted.
      verdict = await connecting;
    } catch (error) {
      return this.refuse(socket, { accepted: false, status: 500, reason: 'Internal Server Error', detail: `$connect failed: ${(error as Error).message}` });
    }
    if (!verdict.accepted) return this.refuse(socket, verdict);
    if (verdict.protocol) this.protocols.set(req, verdict.protocol);
    const addHeader = (headers: string[], request: IncomingMessage) => {
      if (request === req) headers.push(`${CONNECTION_ID_HEADER}: ${connectionId}`);
    };
    this.wss.on('headers', addHeader);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.wss.off('headers', addHeader);
      this.accept(ws, req, verdict.connection);
    });
  }

  /** Refuses an upgrade with API Gateway's status, and tells why. */
  private refuse(socket: Socket, verdict: Extract<ConnectVerdict, { accepted: false }>): void {
    this.activity?.emit({ kind: 'refused', status: verdict.status, reason: verdict.detail ?? verdict.reason });
    rejectUpgrade(socket, verdict.status, verdict.reason);
  }

  /** `$disconnect`: forget the connection and run the route, unless it vanished (stale) or the emulator is stopping. */
  async onDisconnect(connection: LiveConnection): Promise<void> {
    this.registry.remove(connection);
    if (!connection.stale) this.activity?.emit({ kind: 'disconnected', connectionId: connection.connectionId, closedBy: connection.closedBy ?? 'client' });
    if (connection.stale || this.stopping) return;
    try {
      await this.routes.disconnect(connection.known);
    } catch {
      // $disconnect is best effort in API Gateway too: a row left behind is a stale row.
    }
  }

  /** Refuses new upgrades and drops every socket. */
  stop(): void {
    this.stopping = true;
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket, req: IncomingMessage, known: KnownConnection): void {
    let resolveClosed = () => {};
    const disconnected = new Promise<void>((resolve) => (resolveClosed = resolve));
    const now = new Date();
    const live: LiveConnection = {
      connectionId: known.connectionId,
      userId: known.authorizer.principalId ?? known.identity.userArn ?? known.connectionId,
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress ?? LOOPBACK,
      userAgent: headerValue(req, 'user-agent') ?? '',
      known,
      sent: 0,
      replies: 0,
      stale: false,
      disconnected,
      receiver: {
        deliver: (data) => new Promise<boolean>((resolve) => {
          if (ws.readyState !== ws.OPEN) return resolve(false);
          ws.send(data, { binary: false }, (error) => resolve(!error));
        }),
        close: () => {
          if (live.stale) return ws.terminate();
          // $disconnect is pending from now on: settled() waits for the row deletion.
          this.registry.track(disconnected);
          ws.close(1000);
        },
      },
    };
    this.registry.add(live);
    const { principalId, ...context } = known.authorizer;
    this.activity?.emit({ kind: 'connected', connectionId: known.connectionId, ...(principalId !== undefined ? { principalId } : {}), context });
    // A client's frames are routed one after the other, each reply sent before the next frame is routed.
    let routing = Promise.resolve();
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      live.lastActiveAt = new Date();
      const frame = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      routing = routing.then(async () => {
        const reply = await this.routes.message(known, frame).catch(() => undefined);
        if (reply === undefined || ws.readyState !== ws.OPEN) return;
        live.replies++;
        ws.send(reply, { binary: false });
      });
    });
    ws.on('error', () => ws.terminate());
    const stopLimits = this.enforceLimits(ws, live);
    ws.once('close', () => {
      stopLimits();
      this.registry.track(this.onDisconnect(live).then(resolveClosed));
    });
  }

  /**
   * API Gateway's connection limits: closed after `maxDurationMs`, and after `idleTimeoutMs` without a frame from the
   * client, with close code 1001 (going away); `$disconnect` runs as for any close. Returns what stops the timers.
   * The timers are unref'd: a connection's limits alone never keep a process alive.
   */
  private enforceLimits(ws: WebSocket, live: LiveConnection): () => void {
    const close = () => {
      live.closedBy = 'limit';
      if (ws.readyState === ws.OPEN) ws.close(1001, 'Going away');
    };
    const maxDuration = setTimeout(close, this.limits.maxDurationMs).unref();
    const idle = setTimeout(close, this.limits.idleTimeoutMs).unref();
    // A frame from the client starts the idle timeout over (refresh keeps the timer unref'd).
    ws.on('message', () => idle.refresh());
    return () => {
      clearTimeout(maxDuration);
      clearTimeout(idle);
    };
  }
}

/** How long a connection may last, and stay idle; API Gateway's are 2 hours and 10 minutes. */
export interface ConnectionLimits {
  /** @default 2 hours */
  readonly maxDurationMs?: number;
  /**
   * Without a frame from the client (API Gateway's idle timeout; that only the client's frames count is inferred: what
   * the server posts is not taken to keep a connection alive, so a client that relies on it is caught here).
   * @default 10 minutes
   */
  readonly idleTimeoutMs?: number;
}

/** API Gateway's WebSocket limits ("Amazon API Gateway quotas for configuring and running a WebSocket API"). */
export const API_GATEWAY_LIMITS = { maxDurationMs: 2 * 60 * 60_000, idleTimeoutMs: 10 * 60_000 } as const;

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
