/**
 * What the console's server and its page say to each other (`GET /console/state`, `POST /console/publish`): plain
 * types only, so that the page (browser TypeScript, `page/`) and the server (Node.js) compile against the same ones.
 */

/** Where the page can publish a request: the pusher's request queue, its topic. */
export type PublishTarget = 'queue' | 'topic';

/** The publish targets, in the order the page offers them. */
export const PUBLISH_TARGETS: readonly PublishTarget[] = ['queue', 'topic'];

/** How a test client the page connects authenticates at `$connect`. */
export interface TestClientAuth {
  /** `user id`: the local stand-in believes `?token=<user id>`; `token`: what the app's own authorizer accepts. */
  readonly asks: 'user id' | 'token';
  /** The query parameter the value goes in (the `$connect` route's identity source). */
  readonly parameter: string;
  /** An example value (a token the demo's authorizer accepts). */
  readonly hint?: string;
  /** Why the page cannot connect a test client (an authorizer reading a header a browser's WebSocket cannot send). */
  readonly unsupported?: string;
}

/** A connection as the console lists it: the emulator's live connection and its row in the connections table. */
export interface ConsoleConnection {
  readonly connectionId: string;
  /** The row's user id, else the authorizer's `principalId`. */
  readonly userId?: string;
  /** The authorizer's context and the row's other attributes (keys and TTL left out), as text. */
  readonly context: Readonly<Record<string, string>>;
  /** The channels it is subscribed to (with channels). */
  readonly channels: readonly string[];
  /** ISO time; absent for a row without a live connection. */
  readonly connectedAt?: string;
  /** Messages posted to it. */
  readonly sent: number;
  /** False for a row whose connection is gone without `$disconnect` (the pusher prunes it on its next 410). */
  readonly live: boolean;
}

/** What the page shows besides the feed: where clients connect, how, where requests go, who is connected. */
export interface ConsoleState {
  /** The WebSocket URL clients connect to. */
  readonly webSocketUrl: string;
  readonly auth: TestClientAuth;
  /** The targets the system runs (none when the pusher has no queue and no topic). */
  readonly targets: readonly PublishTarget[];
  /** Whether the app has channels (a subscriptions table). */
  readonly channels: boolean;
  readonly connections: readonly ConsoleConnection[];
}

/** The body of `POST /console/publish`: the request JSON as typed, and where to send it. */
export interface PublishBody {
  readonly target: PublishTarget;
  readonly body: string;
}

/** The answer of a console POST: what was done, or why not. */
export interface ConsoleAnswer {
  readonly ok: boolean;
  readonly message: string;
}
