// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ConnectionDirectory } from '../core/ports';

export interface DynamoConnectionDirectoryOptions {
  readonly tableName: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** The TTL attribute; undefined: rows never expire. */
  readonly ttlAttribute?: string;
}

/**
 * A user's connections in the connections table: a strongly consistent Query of the user's partition, projecting the
 * connection id and the TTL, page by page until a live row is found. A row whose TTL has passed (`expires_at` <= now,
 * as the pusher skips it) is not live, though DynamoDB may not have deleted it yet.
 */
export class DynamoConnectionDirectory implements ConnectionDirectory {
  constructor(private readonly client: DynamoDBClient, private readonly options: DynamoConnectionDirectoryOptions) {}

  async hasLiveConnection(userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean> {
    for await (const page of this.pages(userId, options)) if (page.length > 0) return true;
    return false;
  }

  /** The user's live connections' ids, `excluding` one. */
  async liveConnections(userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.pages(userId, options)) ids.push(...page);
    return ids;
  }

  private async *pages(userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): AsyncIterable<string[]> {
    const { tableName, userIdAttribute, connectionIdAttribute, ttlAttribute } = this.options;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#u = :u',
        ExpressionAttributeNames: { '#u': userIdAttribute, '#c': connectionIdAttribute, ...(ttlAttribute ? { '#t': ttlAttribute } : {}) },
        ExpressionAttributeValues: { ':u': { S: userId } },
        ProjectionExpression: ttlAttribute ? '#c, #t' : '#c',
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }));
      yield (page.Items ?? []).flatMap((item) => {
        const id = item[connectionIdAttribute]?.S;
        return id !== undefined && id !== options.excluding && !expired(item, ttlAttribute, options.nowSeconds) ? [id] : [];
      });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

/** DynamoDB's own rule: a Number TTL in the past expires the row; any other value (or none) never does. */
function expired(item: Record<string, AttributeValue>, ttlAttribute: string | undefined, nowSeconds: number): boolean {
  const raw = ttlAttribute ? item[ttlAttribute]?.N : undefined;
  return raw !== undefined && Number(raw) <= nowSeconds;
}
