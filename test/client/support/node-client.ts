import WebSocket from 'ws';
import { WebsocketPusherClient, type ClientOptions, type ConnectionState, type Envelope, type PusherClientError, type RetryInfo } from '../../../client/src';
import type { LocalSystem } from '../../../local/system/local-system';

/** A client and everything it reported, for assertions. */
export interface ObservedClient {
  readonly client: WebsocketPusherClient;
  readonly states: ConnectionState[];
  readonly retries: RetryInfo[];
  readonly errors: PusherClientError[];
  readonly messages: Array<{ readonly data: unknown; readonly envelope?: Envelope }>;
  readonly duplicates: string[];
  readonly redials: number;
  readonly pongs: number;
}

/**
 * A client of the system's API on Node.js 20, with `ws` as its WebSocket (Node.js 22's global one works the same), with
 * `?token=<user>` by default: what the local stand-in of the authorizer believes. Closed by `closeClients`.
 */
export function observe(system: LocalSystem, options: Partial<ClientOptions> & { readonly user?: string } = {}): ObservedClient {
  const { user, ...rest } = options;
  const client = new WebsocketPusherClient({
    url: system.emulator.connectUrl(),
    token: user ?? 'user',
    WebSocket,
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
    ...rest,
  });
  const observed = {
    client, states: [], retries: [], errors: [], messages: [], duplicates: [], redials: 0, pongs: 0,
  } as { -readonly [K in keyof ObservedClient]: ObservedClient[K] };
  client.on('state', (state) => observed.states.push(state));
  client.on('retry', (retry) => observed.retries.push(retry));
  client.on('error', (error) => observed.errors.push(error));
  client.on('message', (data, envelope) => observed.messages.push({ data, envelope }));
  client.on('duplicate', (envelope) => observed.duplicates.push(envelope.id));
  client.on('redial', () => observed.redials++);
  client.on('pong', () => observed.pongs++);
  opened.push(client);
  return observed;
}

const opened: WebsocketPusherClient[] = [];

/** Closes every client `observe` made (call it in afterEach, before the system stops). */
export function closeClients(): void {
  for (const client of opened.splice(0)) client.close();
}

/** Resolves once `condition` holds; fails the test with `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The connection ids the table holds for a user. */
export async function connectionsOf(system: LocalSystem, userId: string): Promise<string[]> {
  return (await system.keys()).filter((key) => key.userId === userId).map((key) => key.connectionId);
}

/** How many times the client reached `open` (its first connect, then every reconnect). */
export const opens = (observed: ObservedClient): number => observed.states.filter((s) => s === 'open').length;
