import type { DynamoDBRecord } from 'aws-lambda';
import type { SubscriptionStore } from './ports';
import type { RecordHandler } from './process-batch';

/** The connection id in a record's `Keys` (the connections table's key), or `undefined`. */
export function connectionIdOf(record: DynamoDBRecord, connectionIdAttribute: string): string | undefined {
  const value = record.dynamodb?.Keys?.[connectionIdAttribute]?.S;
  return value ? value : undefined;
}

/** Deletes a connection's subscriptions, each page as it is read (memory does not grow with them); resolves to how many. */
export async function removeSubscriptions(store: SubscriptionStore, connectionId: string): Promise<number> {
  let deleted = 0;
  for await (const page of store.subscriptionsOf(connectionId)) {
    if (page.length > 0) deleted += await store.delete(page);
  }
  return deleted;
}

/**
 * The handler of `REMOVE` records: whoever deleted the connection's row (its `$disconnect`, the TTL, the pusher's
 * prune on 410, a disconnect request), its subscriptions go. A record without the connection id cannot be cleaned:
 * it fails (retried, then kept by the on-failure destination) rather than being dropped.
 */
export function cleanupHandler(store: SubscriptionStore, connectionIdAttribute: string): RecordHandler {
  return async (record) => {
    const connectionId = connectionIdOf(record, connectionIdAttribute);
    if (connectionId === undefined) {
      throw new Error(`the record's Keys hold no string ${connectionIdAttribute} (is CONNECTION_ID_ATTRIBUTE the connections table's?)`);
    }
    return { subscriptionsDeleted: await removeSubscriptions(store, connectionId) };
  };
}
