// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deleteAll, type ItemKey, type UnprocessedRetry } from './batch-delete';
import { FIRST_PAGE_ROWS } from './dynamo-connection-store';
import { sdkReads, type ReadRequests } from './signed-http-reads';
import { channelKey, shardOf, SUBSCRIPTIONS } from '../../src/shared/channels';
import type { StartKey } from '../core/ports/connection-store';
import type {
  SubscriberPage, SubscriberRow, SubscriptionKey, SubscriptionPruneResult, SubscriptionStore,
} from '../core/ports/subscription-store';

export interface DynamoSubscriptionStoreOptions {
  readonly tableName: string;
  /** Shards per channel (`CHANNEL_SHARDS`, as the construct and the channels function have it). */
  readonly shards: number;
  readonly unprocessed: UnprocessedRetry;
  /**
   * Whether a channel's subscribers are read consistently: a history channel's are, so that a connection whose
   * subscription was written before the pusher stored a message is among those the pusher then reads.
   */
  readonly consistent?: (channel: string) => boolean;
  /** How a shard's Query is sent; default: the client's `QueryCommand`. The pusher's: `SignedHttpReads` (issue 28). */
  readonly reads?: ReadRequests;
}

type Item = Record<string, AttributeValue>;

const NAMES = { '#k': SUBSCRIPTIONS.CHANNEL_KEY, '#c': SUBSCRIPTIONS.CONNECTION_ID, '#u': SUBSCRIPTIONS.USER_ID, '#t': SUBSCRIPTIONS.EXPIRES_AT };

/**
 * The subscriptions table, for the pusher: a channel's subscribers are one Query per shard (`channel_key =
 * <channel>#<shard>`), projecting the connection id, its user and its expiry (the row's `channel` is the one asked
 * for); counted with `Select: COUNT` Queries; pruned with BatchWriteItem, 25 at a time.
 */
export class DynamoSubscriptionStore implements SubscriptionStore {
  readonly shards: number;
  private readonly reads: ReadRequests;

  constructor(private readonly client: DynamoDBClient, private readonly options: DynamoSubscriptionStoreOptions) {
    this.shards = options.shards;
    this.reads = options.reads ?? sdkReads(client);
  }

  /** A shard's pages: the first one {@link FIRST_PAGE_ROWS} rows (the first posts go out at once), then 1 MB pages. */
  async *queryShard(channel: string, shard: number, from?: StartKey): AsyncIterable<SubscriberPage> {
    let startKey: StartKey | undefined = from;
    let limit: number | undefined = FIRST_PAGE_ROWS;
    do {
      const page = await this.queryShardPage(channel, shard, startKey, limit);
      limit = undefined;
      yield page;
      startKey = page.lastKey;
    } while (startKey);
  }

  async queryShardPage(channel: string, shard: number, startKey: StartKey | undefined, limit?: number): Promise<SubscriberPage> {
    const page = await this.reads.query({
      TableName: this.options.tableName,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':k': { S: channelKey(channel, shard) } },
      ProjectionExpression: '#c, #u, #t',
      ExclusiveStartKey: startKey as Item | undefined,
      Limit: limit,
      ...(this.options.consistent?.(channel) ? { ConsistentRead: true } : {}),
    });
    const rows = rowsOf(page.Items, channel);
    return page.LastEvaluatedKey ? { rows, lastKey: page.LastEvaluatedKey as StartKey } : { rows };
  }

  /** Counts shard by shard and stops once `limit` is reached: a small channel costs one Query per shard. */
  async countUpTo(channel: string, limit: number): Promise<number> {
    let count = 0;
    for (let shard = 0; shard < this.shards && count < limit; shard++) {
      let startKey: Item | undefined;
      do {
        const page = await this.client.send(new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': SUBSCRIPTIONS.CHANNEL_KEY },
          ExpressionAttributeValues: { ':k': { S: channelKey(channel, shard) } },
          Select: 'COUNT',
          Limit: limit - count,
          ExclusiveStartKey: startKey,
        }));
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey && count < limit);
    }
    return count;
  }

  /** One BatchGetItem (consistent, keys only); keys DynamoDB leaves unprocessed are asked again, up to 3 calls. */
  async subscribedTo(connectionId: string, channels: readonly string[]): Promise<string[]> {
    const shard = shardOf(connectionId, this.shards);
    let keys: Item[] = channels.map((channel) => ({
      [SUBSCRIPTIONS.CHANNEL_KEY]: { S: channelKey(channel, shard) }, [SUBSCRIPTIONS.CONNECTION_ID]: { S: connectionId },
    }));
    const found = new Set<string>();
    for (let call = 0; call < 3 && keys.length > 0; call++) {
      const out = await this.client.send(new BatchGetItemCommand({
        RequestItems: { [this.options.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': SUBSCRIPTIONS.CHANNEL_KEY } } },
      }));
      for (const item of out.Responses?.[this.options.tableName] ?? []) found.add(item[SUBSCRIPTIONS.CHANNEL_KEY]?.S ?? '');
      keys = (out.UnprocessedKeys?.[this.options.tableName]?.Keys ?? []) as Item[];
    }
    if (keys.length > 0) throw new Error(`${keys.length} subscription keys were left unprocessed`);
    return channels.filter((channel) => found.has(channelKey(channel, shard)));
  }

  prune(keys: readonly SubscriptionKey[]): Promise<SubscriptionPruneResult> {
    return deleteAll(this.client, this.options.tableName, keys, (key) => this.itemKey(key), this.options.unprocessed);
  }

  private itemKey(key: SubscriptionKey): ItemKey {
    return {
      [SUBSCRIPTIONS.CHANNEL_KEY]: { S: channelKey(key.channel, shardOf(key.connectionId, this.shards)) },
      [SUBSCRIPTIONS.CONNECTION_ID]: { S: key.connectionId },
    };
  }
}

function rowsOf(items: Item[] | undefined, channel: string): SubscriberRow[] {
  const rows: SubscriberRow[] = [];
  for (const item of items ?? []) {
    const userId = item[SUBSCRIPTIONS.USER_ID]?.S;
    const connectionId = item[SUBSCRIPTIONS.CONNECTION_ID]?.S;
    if (!userId || !connectionId) continue;
    const ttl = Number(item[SUBSCRIPTIONS.EXPIRES_AT]?.N);
    rows.push(Number.isFinite(ttl) ? { userId, connectionId, channel, expiresAt: ttl } : { userId, connectionId, channel });
  }
  return rows;
}
