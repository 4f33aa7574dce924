import { createHash } from 'node:crypto';
import type { KnownConnection } from './api-routes';
import type { ConnectionRow } from '../connection-row';
import { LOOPBACK } from '../net';

/** How many removed connections' frame counts are kept (for `framesTo`); the oldest go first. */
const DEPARTED_FRAMES_KEPT = 10_000;

/** How the emulator writes to a connection, real or virtual. */
export interface Receiver {
  /** Resolves false when the connection can no longer take data (it is gone). */
  deliver(data: Buffer): Promise<boolean>;
  close(): void;
}

/** A live connection, as the emulator knows it. */
export interface LiveConnection {
  readonly connectionId: string;
  readonly userId: string;
  readonly connectedAt: Date;
  lastActiveAt: Date;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly receiver: Receiver;
  /** What `$disconnect` is run with. */
  readonly known: KnownConnection;
  /** Frames the Management API's posts wrote to it. */
  sent: number;
  /** Frames its routes' replies wrote to it (a `subscribe`'s answer, a `pong`, a `Forbidden` or `Internal server error`). */
  replies: number;
  /** Set when the connection must vanish without its row being deleted. */
  stale: boolean;
  /** Who closed it, when not its client: a Management API `DELETE` (`api`) or a connection limit (`limit`). */
  closedBy?: 'api' | 'limit';
  readonly disconnected: Promise<void>;
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

/**
 * The connections API Gateway knows, by id, and the `$connect` / `$disconnect` work still under way (so that a test can
 * wait until every row write is done). Ids are API Gateway's style (16 base64 characters), reproducible from the seed.
 */
export class ConnectionRegistry {
  private readonly live = new Map<string, LiveConnection>();
  /** The frame counts of the last `DEPARTED_FRAMES_KEPT` connections removed, oldest first. */
  private readonly departedFrames = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private idCounter = 0;

  constructor(private readonly seed: number) {}

  nextConnectionId(): string {
    const digest = createHash('sha256').update(`${this.seed}:${this.idCounter++}`).digest();
    return digest.subarray(0, 11).toString('base64');
  }

  get(connectionId: string): LiveConnection | undefined {
    return this.live.get(connectionId);
  }

  add(connection: LiveConnection): void {
    this.live.set(connection.connectionId, connection);
  }

  /** Forgets the connection (only if it is still this one: an id is never reused, but a stale one may be gone). */
  remove(connection: LiveConnection): void {
    if (this.live.get(connection.connectionId) !== connection) return;
    this.live.delete(connection.connectionId);
    // Its frame count outlives it: a client may still be reading frames written just before a DELETE closed it.
    this.departedFrames.set(connection.connectionId, connection.sent + connection.replies);
    if (this.departedFrames.size > DEPARTED_FRAMES_KEPT) this.departedFrames.delete(this.departedFrames.keys().next().value!);
  }

  /** How many frames were written to the connection (posts and route replies), live or among the last departed. */
  framesTo(connectionId: string): number {
    const connection = this.live.get(connectionId);
    return connection ? connection.sent + connection.replies : this.departedFrames.get(connectionId) ?? 0;
  }

  clear(): void {
    this.live.clear();
    this.departedFrames.clear();
  }

  /** Every live connection, oldest first. */
  all(): LiveConnection[] {
    return [...this.live.values()];
  }

  /** Keeps `promise` among the work `settled()` waits for. */
  track(promise: Promise<unknown>): void {
    const done = promise.then(() => undefined, () => undefined);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once every tracked `$connect` / `$disconnect` is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  /**
   * Virtual connections for these users (no socket: an in-memory receiver), written as if their `$connect` had run
   * with `principalId` = their user id; `onClose` runs their `$disconnect`. Not yet registered: their rows come first.
   */
  virtual(userIds: readonly string[], keepMessages: boolean, onClose: (connection: LiveConnection) => Promise<void>) {
    return userIds.map((userId) => {
      const connectionId = this.nextConnectionId();
      const view = { connectionId, userId, messages: [] as string[], received: 0, receivedBytes: 0 };
      let closed = false;
      let resolveClosed = () => {};
      const disconnected = new Promise<void>((resolve) => (resolveClosed = resolve));
      const now = new Date();
      const live: LiveConnection = {
        connectionId,
        userId,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp: LOOPBACK,
        userAgent: 'virtual',
        known: { connectionId, connectedAt: now.getTime(), authorizer: { principalId: userId }, identity: { sourceIp: LOOPBACK, userAgent: 'virtual' } },
        sent: 0,
        replies: 0,
        stale: false,
        disconnected,
        receiver: {
          deliver: async (data) => {
            if (closed) return false;
            view.received++;
            view.receivedBytes += data.length;
            if (keepMessages) view.messages.push(data.toString('utf8'));
            return true;
          },
          close: () => {
            if (closed) return;
            closed = true;
            this.track(onClose(live).then(resolveClosed));
          },
        },
      };
      return { view: view as VirtualConnection, live };
    });
  }
}

/** A virtual connection's row, with an expiry `ttlSeconds` after now when given. */
export function seedRow(userId: string, connectionId: string, ttlSeconds?: number): ConnectionRow {
  return { userId, connectionId, ...(ttlSeconds !== undefined ? { expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds } : {}) };
}
