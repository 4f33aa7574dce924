import type { ConnectionRow } from '../connection-row';

/**
 * What the emulator asks of the API's routes (`routes/template-routes.ts` runs the synthesized template's): the
 * `$connect` verdict, the `$disconnect` call, what a client's frame gets back, and where virtual connections' rows are
 * seeded.
 */

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
  | {
    readonly accepted: true;
    readonly connection: KnownConnection;
    /** The subprotocol the `$connect` answer selects (its `Sec-WebSocket-Protocol` header), if any. */
    readonly protocol?: string;
  }
  | {
    readonly accepted: false;
    readonly status: number;
    /** The HTTP reason phrase API Gateway answers with. */
    readonly reason: string;
    /** Why, for the developer's eyes (API Gateway logs it; the client sees only the status). */
    readonly detail?: string;
  };

/**
 * `connect` decides whether the handshake completes; `disconnect` is best effort, as in API Gateway; `message` routes a
 * client's frame and resolves to the frame sent back to it, if any (a two-way route's response, or an error).
 */
export interface ApiRoutes {
  connect(request: ConnectRequest): Promise<ConnectVerdict>;
  disconnect(connection: KnownConnection): Promise<void>;
  message(connection: KnownConnection, frame: string): Promise<string | undefined>;
}

/** Where virtual connections' rows are seeded in bulk (the fast path for tens of thousands of connections). */
export interface SeedStore {
  putMany(rows: readonly ConnectionRow[]): Promise<void>;
}
