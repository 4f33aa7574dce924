// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { LIMITS } from '../../src/shared/constants';
import { describeError } from '../core/errors';
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

/** What deleting a list of keys came to: how many went, which did not, and the last call error. */
export interface DeleteAllResult<K> {
  readonly deleted: number;
  readonly failed: K[];
  readonly error?: string;
}

/**
 * Deletes every key (duplicates once), 25 a call with {@link deleteBatch}; never throws: a chunk whose call failed is
 * reported in `failed` with the error, the keys still unprocessed after the retries too.
 */
export async function deleteAll<K>(client: DynamoDBClient, tableName: string, keys: readonly K[], itemKey: (key: K) => ItemKey,
  retry: UnprocessedRetry): Promise<DeleteAllResult<K>> {
  const byItem = new Map(keys.map((key) => [serialized(itemKey(key)), key]));
  const unique = [...byItem.values()];
  let deleted = 0;
  const failed: K[] = [];
  let error: string | undefined;
  for (let i = 0; i < unique.length; i += LIMITS.BATCH_WRITE_ITEMS) {
    const chunk = unique.slice(i, i + LIMITS.BATCH_WRITE_ITEMS);
    try {
      const left = await deleteBatch(client, tableName, chunk.map(itemKey), retry);
      deleted += chunk.length - left.length;
      failed.push(...left.map((item) => byItem.get(serialized(item))!));
    } catch (e) {
      failed.push(...chunk);
      error = describeError(e);
    }
  }
  return error === undefined ? { deleted, failed } : { deleted, failed, error };
}

/** A key's identity: its attributes' string values, in name order. */
function serialized(key: ItemKey): string {
  return Object.keys(key).sort().map((name) => `${name}\u0000${key[name].S ?? key[name].N ?? ''}`).join('\u0001');
}
