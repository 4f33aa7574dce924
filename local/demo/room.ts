import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { label, rule } from './run-step';
import type { DemoUsers } from './steps';
import { PUSHER_METADATA_KEY } from '../../src/shared/constants';
import type { RecordingClient } from '../client/recording-client';
import type { LocalSystem } from '../system/local-system';

/** The demo app's channel rules (`ChannelRule.allow` each): any room, and the channels of the connection's own tenant. */
export const ROOM_RULES = ['room/*', 'tenant/{context.tenant}/*'] as const;
/** The room the demo's clients meet in. */
export const LOBBY = 'room/lobby';

/** One subscribe frame a demo client sends, and the reply it must get. */
export interface Subscribe {
  readonly client: RecordingClient;
  readonly channel: string;
  readonly expect: 'subscribed' | 'FORBIDDEN';
  /** Why, printed under the reply. */
  readonly note?: string;
}

/**
 * Who subscribes to what: alice's first socket (the sender of step 7), both of bob's and dave's first join the lobby;
 * alice's second joins her tenant's news, which dave's second (tenant globex) is refused.
 */
export function roomSubscriptions({ alice, bob, dave }: DemoUsers): Subscribe[] {
  return [
    { client: alice[0], channel: LOBBY, expect: 'subscribed' },
    { client: bob[0], channel: LOBBY, expect: 'subscribed' },
    { client: bob[1], channel: LOBBY, expect: 'subscribed' },
    { client: dave[0], channel: LOBBY, expect: 'subscribed' },
    { client: alice[1], channel: 'tenant/acme/news', expect: 'subscribed' },
    {
      client: dave[1],
      channel: 'tenant/acme/news',
      expect: 'FORBIDDEN',
      note: '(dave\'s tenant is globex: tenant/{context.tenant}/* covers tenant/globex/… for him, and room/* not this channel)',
    },
  ];
}

/** A subscription row, as the channels function wrote it. */
export type SubscriptionRow = Record<string, unknown> & { channel: string; connection_id: string; user_id: string };

/** The subscriptions table's local name: the one the channels function's environment names. */
export function subscriptionsTable(system: LocalSystem): string {
  const [channelsFunction] = Object.entries(system.template.Resources)
    .find(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[PUSHER_METADATA_KEY]?.function === 'channels') ?? [];
  if (!channelsFunction) throw new Error('the demo app has no channels function');
  return system.functions.environment(channelsFunction).env.SUBSCRIPTIONS_TABLE_NAME;
}

/** Every row of the subscriptions table, by channel, then user, then connection. */
export async function subscriptionRows(system: LocalSystem): Promise<SubscriptionRow[]> {
  const out = await system.dynamodb.client.send(new ScanCommand({ TableName: subscriptionsTable(system), ConsistentRead: true }));
  const order = (row: SubscriptionRow) => `${row.channel} ${row.user_id} ${row.connection_id}`;
  return (out.Items ?? []).map((item) => unmarshall(item) as SubscriptionRow).sort((a, b) => order(a).localeCompare(order(b)));
}

const who = (client: RecordingClient) => `${client.userId.padEnd(6)} ${client.connectionId}`;

/** Each subscribe frame on its client's socket and the reply the channels function sent back; 0 when each was as expected. */
export async function subscribeClients(system: LocalSystem, subscriptions: readonly Subscribe[]): Promise<number> {
  console.log(rule('Channels: clients subscribe with real ws frames (subscribe route → the channels function)'));
  console.log('  routes        subscribe, unsubscribe, $default → the channels function (Lambda proxy), its reply on the socket');
  console.log(`  rules         ${ROOM_RULES.map((p) => `ChannelRule.allow('${p}')`).join(', ')}`);
  let failures = 0;
  for (const { client, channel, expect, note } of subscriptions) {
    const frame = { action: 'subscribe', channel };
    const reply = await client.request(frame, 20_000);
    console.log(`  ${who(client)}  ${JSON.stringify(frame)} → ${JSON.stringify(reply)}`);
    if (note) console.log(`                ${note}`);
    const ok = expect === 'subscribed' ? reply.type === 'subscribed' && reply.channel === channel : reply.type === 'error' && reply.code === expect;
    if (!ok) {
      console.log(`  ✗ expected ${expect}`);
      failures++;
    }
  }
  const rows = await subscriptionRows(system);
  const first = subscriptions[0].client;
  const [row] = rows.filter((r) => r.connection_id === first.connectionId);
  console.log(`  a row         ${JSON.stringify(row)}`);
  console.log('                (channel_key = channel#shard; user_id from the connection\'s row, not the frame; its expires_at too)');
  const [connection] = (await system.table.items()).filter((i) => i.connection_id === first.connectionId);
  if (row?.user_id !== first.userId || row?.expires_at !== connection?.expires_at) {
    console.log(`  ✗ expected ${first.userId}'s row with its connection's expires_at ${connection?.expires_at}`);
    failures++;
  }
  const expected = subscriptions.filter((s) => s.expect === 'subscribed').map((s) => `${s.channel} ${s.client.connectionId}`).sort();
  if (JSON.stringify(rows.map((r) => `${r.channel} ${r.connection_id}`).sort()) !== JSON.stringify(expected)) {
    console.log(`  ✗ expected exactly ${expected.length} subscription rows, found ${rows.length}`);
    failures++;
  }
  return failures;
}

/**
 * A subscribed client leaves: its `$disconnect` deletes its connection row, and the connection stream function, on the
 * connections table's stream, deletes its subscription rows. Prints the function's report; 0 when only its rows went.
 */
export async function showCleanup(system: LocalSystem, client: RecordingClient, title: string): Promise<number> {
  console.log(rule(title));
  await system.drained();
  const seen = system.streamSources.map(({ source }) => source.invocations.length);
  const before = await subscriptionRows(system);
  const mine = before.filter((r) => r.connection_id === client.connectionId);
  console.log(`  ${label('before')}${client.userId} ${client.connectionId} subscribed to ${mine.map((r) => r.channel).join(', ')}; ${before.length} subscription rows`);
  await system.disconnect(client);
  await system.drained();
  console.log(`  ${label('closed')}${client.userId} ${client.connectionId} (close code ${client.closeCode}); $disconnect deleted its connection row`);
  const invocations = system.streamSources.flatMap(({ source }, i) => source.invocations.slice(seen[i]).map((s) => s.invocation));
  for (const line of invocations.flatMap((i) => i.json)) {
    if (line.message === 'stream batch processed') {
      const fields = ['records', 'removals', 'ttlRemovals', 'subscriptionsDeleted', 'failures'];
      console.log(`  ${label('stream fn')}${line.level} "${line.message}" ${fields.map((f) => `${f}=${line[f]}`).join(' ')}`);
    } else if (line._aws?.CloudWatchMetrics) {
      const [directive] = line._aws.CloudWatchMetrics;
      console.log(`  ${label('metrics')}${directive.Namespace} (EMF): ${directive.Metrics.map((m: { Name: string }) => `${m.Name}=${line[m.Name]}`).join(' ')}`);
    }
  }
  const after = await subscriptionRows(system);
  const byChannel = new Map<string, string[]>();
  for (const row of after) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), `${row.user_id} ${row.connection_id}`]);
  [...byChannel].forEach(([channel, subscribers], i) => console.log(`  ${label(i === 0 ? 'left' : '')}${channel}: ${subscribers.join(', ')}`));
  const expected = before.filter((r) => r.connection_id !== client.connectionId).map((r) => `${r.channel} ${r.connection_id}`);
  const ok = mine.length > 0 && JSON.stringify(after.map((r) => `${r.channel} ${r.connection_id}`)) === JSON.stringify(expected);
  if (!ok) console.log(`  ✗ expected exactly ${client.userId} ${client.connectionId}'s ${mine.length} subscription(s) gone`);
  return ok ? 0 : 1;
}
