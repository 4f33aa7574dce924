import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULTS, LIMITS } from '../../../src/shared/constants';
import type { ConnectionRow } from '../../connection-row';

/** Attribute names of the table (configurable on the construct for existing tables). */
export interface TableSchema {
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** Empty string: rows carry no expiry. */
  readonly ttlAttribute: string;
}

export const DEFAULT_SCHEMA: TableSchema = {
  userIdAttribute: DEFAULTS.USER_ID_ATTRIBUTE,
  connectionIdAttribute: DEFAULTS.CONNECTION_ID_ATTRIBUTE,
  ttlAttribute: DEFAULTS.TTL_ATTRIBUTE,
};

/**
 * The connections table as the application's `$connect` / `$disconnect` routes see it: put a row, delete a
 * row, plus the inspection and bulk seeding the tests and benchmarks need.
 */
export class ConnectionsTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    readonly schema: TableSchema = DEFAULT_SCHEMA,
  ) {}

  async put(row: ConnectionRow): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: this.toItem(row) }));
  }

  async delete(userId: string, connectionId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(userId, connectionId) }));
  }

  /** Writes many rows with BatchWriteItem (25 per call, a few calls in parallel), retrying unprocessed items. */
  async putMany(rows: readonly ConnectionRow[], parallelism = 8): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < rows.length; i += LIMITS.BATCH_WRITE_ITEMS) {
      chunks.push(rows.slice(i, i + LIMITS.BATCH_WRITE_ITEMS).map((row) => ({ PutRequest: { Item: this.toItem(row) } })));
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        let pending: WriteRequest[] | undefined = chunks[next++];
        while (pending && pending.length > 0) {
          const out: BatchWriteItemCommandOutput = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
          pending = out.UnprocessedItems?.[this.tableName];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, chunks.length) }, worker));
  }

  /** Every row in the table, sorted by user then connection id (a stable order for assertions). */
  async scan(): Promise<ConnectionRow[]> {
    const rows = (await this.scanItems()).map((item) => this.fromItem(item));
    return rows.sort((a, b) => compare(a.userId, b.userId) || compare(a.connectionId, b.connectionId));
  }

  /** Every item with every attribute, as plain values (what a `$connect` route wrote, extra attributes included). */
  async items(): Promise<Array<Record<string, unknown>>> {
    const { connectionIdAttribute } = this.schema;
    return (await this.scanItems()).map((item) => unmarshall(item))
      .sort((a, b) => compare(String(a[connectionIdAttribute]), String(b[connectionIdAttribute])));
  }

  private async scanItems(): Promise<Array<Record<string, any>>> {
    const items: Array<Record<string, any>> = [];
    let startKey: Record<string, any> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }));
      items.push(...page.Items ?? []);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private key(userId: string, connectionId: string) {
    return {
      [this.schema.userIdAttribute]: { S: userId },
      [this.schema.connectionIdAttribute]: { S: connectionId },
    };
  }

  private toItem(row: ConnectionRow) {
    const item: Record<string, any> = this.key(row.userId, row.connectionId);
    if (row.expiresAt !== undefined && this.schema.ttlAttribute) {
      item[this.schema.ttlAttribute] = { N: String(row.expiresAt) };
    }
    return item;
  }

  private fromItem(item: Record<string, any>): ConnectionRow {
    const expires = this.schema.ttlAttribute ? item[this.schema.ttlAttribute]?.N : undefined;
    return {
      userId: item[this.schema.userIdAttribute].S,
      connectionId: item[this.schema.connectionIdAttribute].S,
      ...(expires !== undefined ? { expiresAt: Number(expires) } : {}),
    };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
