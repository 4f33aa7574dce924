/**
 * The subscriptions tables of the channel fan-out (issue 24), one per shard count, laid out as the construct creates
 * the table (`src/shared/channels.ts` SUBSCRIPTIONS: `channel_key` = `<channel>#<shard>`, `connection_id`, the GSI
 * `by_connection`, keys only), written straight to dynalite (no stream, no TTL sweep in the stack's process).
 */
import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { VirtualConnection } from '../../../local/api-gateway/connections';
import type { LocalDynamoDb } from '../../../local/aws/dynamodb/local-dynamodb';
import { channelKey, shardOf, SUBSCRIPTIONS } from '../../../src/shared/channels';
import { LIMITS } from '../../../src/shared/constants';

/** The channel every subscriber of the bench is on. */
export const BENCH_CHANNEL = 'bench/room';

/** A subscription's expiry: a day ahead (the pusher skips an expired row, as DynamoDB's TTL may not have yet). */
const TTL_SECONDS = 86_400;

const S = (value: string) => ({ S: value });

export class SubscriptionTables {
  /** Subscribers written so far, by shard count (each table holds the first N connections of the table). */
  private readonly written = new Map<number, number>();

  constructor(private readonly dynamodb: LocalDynamoDb) {}

  tableName(shards: number): string {
    return `subscriptions-${shards}-shards`;
  }

  /** Subscribes the first `connections` to {@link BENCH_CHANNEL} in the table of `shards`; resolves with the time it took, ms. */
  async subscribe(shards: number, connections: readonly VirtualConnection[]): Promise<number> {
    const started = Date.now();
    const written = this.written.get(shards);
    if (written === undefined) await this.create(shards);
    const expiresAt = String(Math.floor(Date.now() / 1000) + TTL_SECONDS);
    const items = connections.slice(written ?? 0).map((c): WriteRequest => ({
      PutRequest: {
        Item: {
          [SUBSCRIPTIONS.CHANNEL_KEY]: S(channelKey(BENCH_CHANNEL, shardOf(c.connectionId, shards))),
          [SUBSCRIPTIONS.CONNECTION_ID]: S(c.connectionId),
          [SUBSCRIPTIONS.CHANNEL]: S(BENCH_CHANNEL),
          [SUBSCRIPTIONS.USER_ID]: S(c.userId),
          [SUBSCRIPTIONS.EXPIRES_AT]: { N: expiresAt },
        },
      },
    }));
    await putAll(this.dynamodb, this.tableName(shards), items);
    this.written.set(shards, Math.max(written ?? 0, connections.length));
    return Date.now() - started;
  }

  private async create(shards: number): Promise<void> {
    const { CHANNEL_KEY, CONNECTION_ID, BY_CONNECTION_INDEX } = SUBSCRIPTIONS;
    await this.dynamodb.createTable({
      tableName: this.tableName(shards),
      keySchema: [{ AttributeName: CHANNEL_KEY, KeyType: 'HASH' }, { AttributeName: CONNECTION_ID, KeyType: 'RANGE' }],
      attributeDefinitions: [{ AttributeName: CHANNEL_KEY, AttributeType: 'S' }, { AttributeName: CONNECTION_ID, AttributeType: 'S' }],
      globalSecondaryIndexes: [{
        indexName: BY_CONNECTION_INDEX,
        keySchema: [{ AttributeName: CONNECTION_ID, KeyType: 'HASH' }, { AttributeName: CHANNEL_KEY, KeyType: 'RANGE' }],
        projection: { ProjectionType: 'KEYS_ONLY' },
      }],
    });
  }
}

/** BatchWriteItem, 25 items a request, 8 requests at once, unprocessed items written again. */
export async function putAll(dynamodb: LocalDynamoDb, tableName: string, items: readonly WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += LIMITS.BATCH_WRITE_ITEMS) chunks.push(items.slice(i, i + LIMITS.BATCH_WRITE_ITEMS));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending: WriteRequest[] | undefined = chunks[next++];
      while (pending && pending.length > 0) {
        const command = new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } });
        const out: BatchWriteItemCommandOutput = await dynamodb.client.send(command);
        pending = out.UnprocessedItems?.[tableName];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, chunks.length) }, worker));
}
