// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DynamoDBClient, ScanCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { deleteAll } from './batch-delete';
import { sdkReads, type ReadRequests } from './signed-http-reads';
import { DISCONNECT_REQUEST_ATTRIBUTE } from '../../src/shared/presence';
import type { ConnectionKey, ConnectionRow, DisconnectMarks, PruneResult, SegmentPage, SegmentStore, StartKey } from '../core/ports/connection-store';
import type { Random, RetryPolicy, Sleep } from '../core/retry';

export interface DynamoConnectionStoreOptions {
  readonly tableName: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly ttlAttribute?: string;
  /** Backoff for `UnprocessedItems`; the SDK's own retries cover throttled calls. */
  readonly unprocessedRetry: RetryPolicy;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** How a user's Query and a segment's Scan are sent; default: the client's commands. The pusher's: `SignedHttpReads`. */
  readonly reads?: ReadRequests;
}

type Item = Record<string, AttributeValue>;

/**
 * Rows of a segment's first page: read in a few milliseconds where a full 1 MB page takes tens, so that the first posts
 * of a broadcast go out at once (issue 16: first post 53-56 -> 9 ms after the start of a warm 10,000-connection
 * broadcast, bench --warm). Costs one more page per segment, at most half a read unit.
 */
export const FIRST_PAGE_ROWS = 100;

/** The connections table in DynamoDB, read keys-only (plus the TTL attribute) with Query and parallel Scan. */
export class DynamoConnectionStore implements SegmentStore, DisconnectMarks {
  private readonly names: Record<string, string>;
  private readonly projection: string;
  private readonly reads: ReadRequests;

  constructor(private readonly client: DynamoDBClient, private readonly options: DynamoConnectionStoreOptions) {
    this.reads = options.reads ?? sdkReads(client);
    this.names = { '#u': options.userIdAttribute, '#c': options.connectionIdAttribute };
    if (options.ttlAttribute) this.names['#t'] = options.ttlAttribute;
    this.projection = Object.keys(this.names).join(', ');
  }

  /** Sets `disconnect_request` on the row if it is still there (a conditional UpdateItem; a row gone is not an error). */
  async mark(key: ConnectionKey, requestId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { [this.options.userIdAttribute]: { S: key.userId }, [this.options.connectionIdAttribute]: { S: key.connectionId } },
        UpdateExpression: 'SET #d = :d',
        ConditionExpression: 'attribute_exists(#c)',
        ExpressionAttributeNames: { '#d': DISCONNECT_REQUEST_ATTRIBUTE, '#c': this.options.connectionIdAttribute },
        ExpressionAttributeValues: { ':d': { S: requestId } },
      }));
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  async *queryUser(userId: string): AsyncIterable<ConnectionRow[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.reads.query({
        TableName: this.options.tableName,
        KeyConditionExpression: '#u = :u',
        ExpressionAttributeNames: this.names,
        ExpressionAttributeValues: { ':u': { S: userId } },
        ProjectionExpression: this.projection,
        ExclusiveStartKey: startKey,
      });
      yield this.rows(page.Items);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** The segment's pages: the first one {@link FIRST_PAGE_ROWS} rows, then DynamoDB's own 1 MB pages. */
  async *scanSegment(segment: number, totalSegments: number): AsyncIterable<SegmentPage> {
    let startKey: StartKey | undefined;
    let limit: number | undefined = FIRST_PAGE_ROWS;
    do {
      const page = await this.scanPage(segment, totalSegments, startKey, limit);
      limit = undefined;
      yield page;
      startKey = page.lastKey;
    } while (startKey);
  }

  /** One page of a segment; without `limit`, DynamoDB's own 1 MB page. */
  async scanPage(segment: number, totalSegments: number, startKey: StartKey | undefined, limit?: number): Promise<SegmentPage> {
    const page = await this.reads.scan({
      TableName: this.options.tableName,
      Segment: segment,
      TotalSegments: totalSegments,
      ExpressionAttributeNames: this.names,
      ProjectionExpression: this.projection,
      ExclusiveStartKey: startKey as Item | undefined,
      Limit: limit,
    });
    const rows = this.rows(page.Items);
    return page.LastEvaluatedKey ? { rows, lastKey: page.LastEvaluatedKey as StartKey } : { rows };
  }

  async countUpTo(limit: number): Promise<number> {
    let count = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(new ScanCommand({
        TableName: this.options.tableName,
        Select: 'COUNT',
        Limit: limit - count,
        ExclusiveStartKey: startKey,
      }));
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && count < limit);
    return count;
  }

  async prune(keys: readonly ConnectionKey[]): Promise<PruneResult> {
    const { userIdAttribute, connectionIdAttribute } = this.options;
    return deleteAll(this.client, this.options.tableName, keys,
      (key) => ({ [userIdAttribute]: { S: key.userId }, [connectionIdAttribute]: { S: key.connectionId } }),
      { policy: this.options.unprocessedRetry, sleep: this.options.sleep, random: this.options.random });
  }

  private rows(items: Item[] | undefined): ConnectionRow[] {
    const rows: ConnectionRow[] = [];
    for (const item of items ?? []) {
      const userId = item[this.options.userIdAttribute]?.S;
      const connectionId = item[this.options.connectionIdAttribute]?.S;
      if (!userId || !connectionId) continue;
      const ttl = this.options.ttlAttribute ? Number(item[this.options.ttlAttribute]?.N) : NaN;
      rows.push(Number.isFinite(ttl) ? { userId, connectionId, expiresAt: ttl } : { userId, connectionId });
    }
    return rows;
  }
}
