import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, ScanCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { subscriptionsTableName, TOKENS } from './channels-app';
import { linesOf } from './support';
import type { LocalAuthorizer } from '../../local/api-gateway/routes/authorizers';
import type { RecordingClient } from '../../local/client/recording-client';
import type { LocalSystem } from '../../local/system/local-system';
import { channelKey, shardOf, SUBSCRIPTIONS } from '../../src/shared/channels';
import { LIMITS } from '../../src/shared/constants';

// Helpers of the channels publishing e2e files: who may connect, subscribing as a client does, what clients received,
// the pusher's request lines whatever path a request took, and subscription rows written straight to the table.

/**
 * The channels app's token table, and `t-<name>` for any other lowercase name (tenant initech), as a Lambda authorizer
 * looking tokens up would answer: more users than the app's three.
 */
export const publishAuthorizer: LocalAuthorizer = ({ query }) => {
  const token = query.token ?? '';
  return TOKENS[token] ?? (/^t-[a-z]+$/.test(token) ? { principalId: token.slice(2), context: { tenant: 'initech' } } : undefined);
};

/** Connects a real `ws` client as `user` through the template's `$connect` (its authorizer's stand-in). */
export function openAs(system: LocalSystem, user: string): Promise<RecordingClient> {
  return system.open(user, { query: { token: `t-${user}` } });
}

/** Subscribes a client to each channel, as a client does (a frame, then its reply); fails unless each is subscribed. */
export async function subscribe(client: RecordingClient, ...channels: string[]): Promise<void> {
  for (const channel of channels) {
    const reply = await client.request({ action: 'subscribe', channel }, 20_000);
    if (reply.type !== 'subscribed' || reply.channel !== channel) throw new Error(`${client.userId} could not subscribe to ${channel}: ${JSON.stringify(reply)}`);
  }
}

/** The messages a client received that are pushed messages (`type: message`), as text: replies to its frames left out. */
export function pushed(client: RecordingClient): string[] {
  return client.messages.filter((text) => JSON.parse(text).type === 'message');
}

/** The envelope's text as the pusher writes it: `type`, `id`, `channel` (when reached through one), `data`, in this order. */
export function envelopeText(id: string, data: unknown, channel?: string): string {
  return JSON.stringify({ type: 'message', id, ...(channel === undefined ? {} : { channel }), data });
}

/** The pusher's "request processed" lines, from its request queue's and its topic's invocations. */
export function requestLines(system: LocalSystem): Record<string, any>[] {
  const sns = system.sources?.sns.flatMap((s) => s.invocations) ?? [];
  return linesOf([...system.invocationsFrom('requests'), ...sns], 'request processed');
}

/** A subscription as the channels function writes it. */
export interface Subscription {
  readonly channel: string;
  readonly connectionId: string;
  readonly userId: string;
}

/**
 * Writes subscription rows straight into the template's subscriptions table (BatchWriteItem, 25 a call, a few calls
 * in parallel, unprocessed items retried), keyed as the channels function keys them: `<channel>#<shardOf(id, shards)>`,
 * with the connection's TTL two hours ahead.
 */
export async function putSubscriptions(system: LocalSystem, subscriptions: readonly Subscription[], shards: number, parallelism = 8): Promise<void> {
  const tableName = subscriptionsTableName(system);
  const expiresAt = Math.floor(Date.now() / 1000) + 7_200;
  const requests: WriteRequest[] = subscriptions.map(({ channel, connectionId, userId }) => ({
    PutRequest: {
      Item: marshall({
        [SUBSCRIPTIONS.CHANNEL_KEY]: channelKey(channel, shardOf(connectionId, shards)),
        [SUBSCRIPTIONS.CONNECTION_ID]: connectionId,
        [SUBSCRIPTIONS.CHANNEL]: channel,
        [SUBSCRIPTIONS.USER_ID]: userId,
        [SUBSCRIPTIONS.EXPIRES_AT]: expiresAt,
      }),
    },
  }));
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += LIMITS.BATCH_WRITE_ITEMS) chunks.push(requests.slice(i, i + LIMITS.BATCH_WRITE_ITEMS));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending: WriteRequest[] | undefined = chunks[next++];
      while (pending && pending.length > 0) {
        const request = new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } });
        const out: BatchWriteItemCommandOutput = await system.dynamodb.client.send(request);
        pending = out.UnprocessedItems?.[tableName];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, chunks.length) }, worker));
}

/** Every subscription row's key (`channel_key`, `connection_id`), page by page: tens of thousands of them. */
export async function subscriptionKeys(system: LocalSystem): Promise<Array<{ channelKey: string; connectionId: string }>> {
  const keys: Array<{ channelKey: string; connectionId: string }> = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await system.dynamodb.client.send(new ScanCommand({
      TableName: subscriptionsTableName(system),
      ExclusiveStartKey: startKey,
      ConsistentRead: true,
      ProjectionExpression: '#k, #c',
      ExpressionAttributeNames: { '#k': SUBSCRIPTIONS.CHANNEL_KEY, '#c': SUBSCRIPTIONS.CONNECTION_ID },
    }));
    for (const item of page.Items ?? []) {
      const row = unmarshall(item);
      keys.push({ channelKey: row[SUBSCRIPTIONS.CHANNEL_KEY], connectionId: row[SUBSCRIPTIONS.CONNECTION_ID] });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return keys;
}
