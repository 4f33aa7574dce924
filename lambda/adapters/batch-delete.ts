// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { realSleep, withRetries, type Random, type RetryPolicy, type Sleep } from '../core/retry';

/** A DynamoDB item's key. */
export type ItemKey = Record<string, AttributeValue>;

/** How `UnprocessedItems` are retried: full-jitter backoff, bounded; the SDK's own retries cover throttled calls. */
export interface UnprocessedRetry {
  readonly policy: RetryPolicy;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

/**
 * Deletes up to 25 keys of one table with BatchWriteItem, sending `UnprocessedItems` again with backoff; resolves to
 * the keys still unprocessed after the retries. A call that fails throws (the SDK has retried it already).
 */
export async function deleteBatch(client: DynamoDBClient, tableName: string, keys: readonly ItemKey[], retry: UnprocessedRetry): Promise<ItemKey[]> {
  let pending: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
  const { result } = await withRetries(
    async () => {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = out.UnprocessedItems?.[tableName] ?? [];
      return pending;
    },
    (left) => left.length > 0,
    retry.policy,
    retry.sleep ?? realSleep,
    retry.random,
  );
  return result.flatMap((request) => (request.DeleteRequest?.Key ? [request.DeleteRequest.Key] : []));
}
