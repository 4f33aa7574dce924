// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SUBSCRIPTIONS } from '../../../src/shared/channels';
import { LIMITS } from '../../../src/shared/constants';
import { deleteBatch } from '../../adapters/batch-delete';
import type { Random, RetryPolicy, Sleep } from '../../core/retry';
import type { SubscriptionKey, SubscriptionStore } from '../core/ports';

export interface DynamoSubscriptionStoreOptions {
  readonly tableName: string;
  /** Backoff for `UnprocessedItems`; the SDK's own retries cover throttled and failed calls. */
  readonly unprocessedRetry: RetryPolicy;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

/** Some deletes were still unprocessed after the bounded retries. */
export class UnprocessedDeletesError extends Error {
  constructor(readonly unprocessed: number, readonly total: number) {
    super(`${unprocessed} of ${total} subscription delete(s) still unprocessed after the retries`);
    this.name = 'UnprocessedDeletesError';
  }
}

/**
 * The subscriptions table in DynamoDB: a connection's subscriptions read keys-only from the `by_connection` index
 * (partition key `connection_id`, keys projected), page by page; deleted with BatchWriteItem, 25 at a time, retrying
 * `UnprocessedItems` with full-jitter backoff, bounded.
 */
export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(private readonly client: DynamoDBClient, private readonly options: DynamoSubscriptionStoreOptions) {}

  async *subscriptionsOf(connectionId: string): AsyncIterable<readonly SubscriptionKey[]> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: this.options.tableName,
        IndexName: SUBSCRIPTIONS.BY_CONNECTION_INDEX,
        KeyConditionExpression: '#c = :c',
        ExpressionAttributeNames: { '#c': SUBSCRIPTIONS.CONNECTION_ID, '#k': SUBSCRIPTIONS.CHANNEL_KEY },
        ExpressionAttributeValues: { ':c': { S: connectionId } },
        ProjectionExpression: '#k, #c',
        ExclusiveStartKey: startKey,
      }));
      yield (page.Items ?? []).flatMap((item) => {
        const channelKey = item[SUBSCRIPTIONS.CHANNEL_KEY]?.S;
        return channelKey ? [{ channelKey, connectionId }] : [];
      });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async delete(keys: readonly SubscriptionKey[]): Promise<number> {
    let unprocessed = 0;
    for (let i = 0; i < keys.length; i += LIMITS.BATCH_WRITE_ITEMS) {
      unprocessed += await this.deleteChunk(keys.slice(i, i + LIMITS.BATCH_WRITE_ITEMS));
    }
    if (unprocessed > 0) throw new UnprocessedDeletesError(unprocessed, keys.length);
    return keys.length;
  }

  /** Deletes up to 25 keys, retrying `UnprocessedItems`; resolves to how many are still unprocessed. */
  private async deleteChunk(chunk: readonly SubscriptionKey[]): Promise<number> {
    const left = await deleteBatch(this.client, this.options.tableName,
      chunk.map((key) => ({ [SUBSCRIPTIONS.CHANNEL_KEY]: { S: key.channelKey }, [SUBSCRIPTIONS.CONNECTION_ID]: { S: key.connectionId } })),
      { policy: this.options.unprocessedRetry, sleep: this.options.sleep, random: this.options.random });
    return left.length;
  }
}
