// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { channelKey, shardOf, SUBSCRIPTIONS } from '../../../src/shared/channels';
import type { DynamoConnectionDirectory } from '../../connection-stream/adapters/dynamo-connection-directory';
import type { SubscribedConnections } from '../core/ports';

/**
 * Whether a user has a connection subscribed to a channel: the user's live connections (the connections table's
 * partition, strongly consistent), then each one's subscription row (its shard's key, a consistent GetItem) until one
 * is found. A user has few connections: a handful of reads.
 */
export class DynamoSubscribedConnections implements SubscribedConnections {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { readonly subscriptionsTableName: string; readonly shards: number; readonly connections: DynamoConnectionDirectory },
  ) {}

  async anySubscribed(channel: string, userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean> {
    const live = await this.options.connections.liveConnections(userId, options);
    for (const connectionId of live) {
      const out = await this.client.send(new GetItemCommand({
        TableName: this.options.subscriptionsTableName,
        Key: {
          [SUBSCRIPTIONS.CHANNEL_KEY]: { S: channelKey(channel, shardOf(connectionId, this.options.shards)) },
          [SUBSCRIPTIONS.CONNECTION_ID]: { S: connectionId },
        },
        ConsistentRead: true,
        ProjectionExpression: '#c',
        ExpressionAttributeNames: { '#c': SUBSCRIPTIONS.CONNECTION_ID },
      }));
      if (out.Item !== undefined) return true;
    }
    return false;
  }
}
