import { keyOf, type Item, type KeySchema } from './stream-images';

/** One item a write call changes: its table and key. */
export interface ItemWrite {
  readonly tableName: string;
  readonly key: Item;
}

/** The actions that write items; `TransactWriteItems` is forwarded too, and dynalite refuses it (no record). */
export const WRITE_ACTIONS: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

type WriteRequest = { PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } };

/**
 * The items a write call (its action and JSON body) changes in the tables `schemaOf` knows, in request order. A call
 * whose item or key lacks a key attribute is not one: dynalite will refuse it.
 */
export function itemWritesOf(action: string, body: any, schemaOf: (tableName: string) => KeySchema | undefined): ItemWrite[] {
  const one = (tableName: unknown, item: Item | undefined): ItemWrite[] => {
    const schema = typeof tableName === 'string' ? schemaOf(tableName) : undefined;
    const key = schema && keyOf(item, schema);
    return key ? [{ tableName: tableName as string, key }] : [];
  };
  switch (action) {
    case 'PutItem': return one(body?.TableName, body?.Item);
    case 'UpdateItem':
    case 'DeleteItem': return one(body?.TableName, body?.Key);
    case 'BatchWriteItem': return Object.entries<WriteRequest[]>(body?.RequestItems ?? {}).flatMap(([tableName, requests]) =>
      (Array.isArray(requests) ? requests : []).flatMap((r) => one(tableName, r?.PutRequest?.Item ?? r?.DeleteRequest?.Key)));
    default: return [];
  }
}

/** The writes a successful call applied: all, but a BatchWriteItem's `UnprocessedItems`, which did not take effect. */
export function appliedWrites(
  action: string,
  writes: readonly ItemWrite[],
  answer: any,
  schemaOf: (tableName: string) => KeySchema | undefined,
  lockKey: (write: ItemWrite) => string,
): ItemWrite[] {
  if (action !== 'BatchWriteItem') return [...writes];
  const unprocessed = new Set(itemWritesOf(action, { RequestItems: answer?.UnprocessedItems ?? {} }, schemaOf).map(lockKey));
  return writes.filter((write) => !unprocessed.has(lockKey(write)));
}
