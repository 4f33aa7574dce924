import { randomUUID } from 'node:crypto';
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ConsoleConnection, ConsoleState, PublishTarget, TestClientAuth } from './console-wire';
import { SUBSCRIPTIONS } from '../../src/shared/channels';
import type { Activity } from '../activity';
import { identityParameter } from '../api-gateway/routes/authorizers';
import type { LocalSystem } from '../system/local-system';
import { connectionRoutes } from '../template/api';
import { constructFunctions, pusherTable } from '../template/resources';

/** The most rows a snapshot reads from a table: the console is for a developer's few connections, not a benchmark's. */
const MAX_ROWS = 1_000;

/** What the console's server needs of a running system: its feed, a snapshot, and the three things the page does. */
export interface ConsoleBackend {
  /** Adds a listener of every activity; returns what removes it. */
  onActivity(listener: (activity: Activity) => void): () => void;
  /** Who is connected, and how the page connects and publishes. */
  state(): Promise<ConsoleState>;
  /** Sends the request JSON, as typed, to the pusher's request queue or its topic; rejects with why not. */
  publish(target: PublishTarget, body: string): Promise<string>;
  /** Closes a live connection as a Management API `DELETE` does (`$disconnect` runs); false when it is not live. */
  disconnect(connectionId: string): boolean;
}

/** How the console's backend reads the system. */
export interface ConsoleBackendOptions {
  /** The local command's `--authorizer`: `stand-in` believes `?token=<user id>`, `assembly` runs the app's own. */
  readonly authorizer: 'stand-in' | 'assembly';
  /** A token the authorizer accepts, shown to the developer as an example (the demo's `token-alice`). */
  readonly tokenHint?: string;
}

/**
 * The console's backend over a `LocalSystem`: its activity feed; its connections (the emulator's live ones merged with
 * the connections table's rows, with their channels when the app has a subscriptions table); publishing through the
 * real local queue or topic; disconnecting through the emulator. `authorizer` is the local command's: with `stand-in`
 * a test client gives a user id (`?token=`), with `assembly` a token the app's authorizer accepts, in the query
 * parameter the `$connect` route's identity source names.
 */
export function consoleBackend(system: LocalSystem, options: ConsoleBackendOptions): ConsoleBackend {
  const auth = { ...testClientAuth(system, options.authorizer), ...(options.tokenHint ? { hint: options.tokenHint } : {}) };
  return {
    onActivity: (listener) => system.activity.on(listener),
    state: async () => ({
      webSocketUrl: system.emulator.connectUrl(),
      auth,
      targets: targets(system),
      channels: subscriptionsTable(system) !== undefined,
      connections: await connections(system),
    }),
    publish: async (target, body) => {
      if (!targets(system).includes(target)) throw new Error(`the system runs no ${target === 'queue' ? 'request queue' : 'topic'} of the pusher`);
      if (target === 'topic') {
        await system.publishToTopic(body);
        return `published to the topic ${system.pusherTopic}`;
      }
      const queue = system.pusherQueues.requests!;
      // A FIFO queue takes a message only with a group; a random deduplication id, for a queue without content-based one.
      const fifo = queue.name.endsWith('.fifo') ? { groupId: 'console', deduplicationId: randomUUID() } : {};
      await system.sendToQueue(body, fifo);
      return `sent to the queue ${queue.name}`;
    },
    disconnect: (connectionId) => system.emulator.closeConnection(connectionId),
  };
}

/** The targets the system runs: its request queue and its topic, with `queues: true`. */
function targets(system: LocalSystem): PublishTarget[] {
  return [...(system.pusherQueues.requests ? ['queue' as const] : []), ...(system.pusherTopic ? ['topic' as const] : [])];
}

/** How a test client authenticates: the query parameter the `$connect` authorizer reads, the stand-in's or the app's own. */
function testClientAuth(system: LocalSystem, authorizer: 'stand-in' | 'assembly'): TestClientAuth {
  const parameter = identityParameter(connectionRoutes(system.template).$connect?.identitySource ?? []);
  const asks = authorizer === 'stand-in' ? 'user id' : 'token';
  if ('query' in parameter) return { asks, parameter: parameter.query };
  return { asks, parameter: 'token', unsupported: `the authorizer reads the header ${parameter.header}: a browser's WebSocket cannot send headers` };
}

/** The subscriptions table's local name, when the app has channels: the one its channels function's environment names. */
function subscriptionsTable(system: LocalSystem): string | undefined {
  const [channelsFunction] = [...constructFunctions(system.template)].find(([, kind]) => kind === 'channels') ?? [];
  return channelsFunction === undefined ? undefined : system.functions.environment(channelsFunction).env.SUBSCRIPTIONS_TABLE_NAME;
}

/** The live connections and the rows of the connections table, one entry per connection id, oldest first. */
async function connections(system: LocalSystem): Promise<ConsoleConnection[]> {
  const schema = pusherTable(system.template, system.pusher);
  const rows = new Map((await system.table.items()).slice(0, MAX_ROWS).map((row) => [String(row[schema.connectionIdAttribute]), row]));
  const channels = await channelsByConnection(system);
  const hidden = new Set([schema.userIdAttribute, schema.connectionIdAttribute, schema.ttlAttribute]);
  const attributes = (row?: Record<string, unknown>) => Object.fromEntries(Object.entries(row ?? {})
    .filter(([name]) => !hidden.has(name)).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
  const live: ConsoleConnection[] = system.emulator.connections().slice(0, MAX_ROWS).map((c) => {
    const row = rows.get(c.connectionId);
    const userId = row?.[schema.userIdAttribute] ?? c.principalId;
    return {
      connectionId: c.connectionId,
      ...(userId === undefined ? {} : { userId: String(userId) }),
      context: { ...c.context, ...attributes(row) },
      channels: channels.get(c.connectionId) ?? [],
      connectedAt: c.connectedAt.toISOString(),
      sent: c.sent,
      live: true,
    };
  });
  const liveIds = new Set(live.map((c) => c.connectionId));
  const stale = [...rows].filter(([id]) => !liveIds.has(id)).map(([connectionId, row]): ConsoleConnection => ({
    connectionId,
    userId: String(row[schema.userIdAttribute]),
    context: attributes(row),
    channels: channels.get(connectionId) ?? [],
    sent: 0,
    live: false,
  }));
  return [...live, ...stale];
}

/** Each connection's channels, sorted, from the subscriptions table; none when the app has no channels. */
async function channelsByConnection(system: LocalSystem): Promise<Map<string, string[]>> {
  const tableName = subscriptionsTable(system);
  const byConnection = new Map<string, string[]>();
  if (tableName === undefined) return byConnection;
  let start: ScanCommandOutput['LastEvaluatedKey'];
  let read = 0;
  do {
    const out = await system.dynamodb.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of (out.Items ?? []).map((i) => unmarshall(i))) {
      const id = String(item[SUBSCRIPTIONS.CONNECTION_ID]);
      byConnection.set(id, [...byConnection.get(id) ?? [], String(item[SUBSCRIPTIONS.CHANNEL])].sort());
    }
    read += out.Items?.length ?? 0;
    start = out.LastEvaluatedKey;
  } while (start && read < MAX_ROWS);
  return byConnection;
}
