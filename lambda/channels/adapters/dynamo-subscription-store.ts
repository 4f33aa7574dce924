import {
  DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { SUBSCRIPTIONS } from '../../../src/shared/channels';
import type { DeletedSubscription, Subscription, SubscriptionKey, SubscriptionStore } from '../core/ports';

/** The subscriptions table (`SUBSCRIPTIONS`): one row per connection and channel, a GSI by connection. */
export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async exists(key: SubscriptionKey): Promise<boolean> {
    const out = await this.client.send(new GetItemCommand({
      TableName: this.tableName,
      Key: keyOf(key),
      ConsistentRead: true,
      ProjectionExpression: '#c',
      ExpressionAttributeNames: { '#c': SUBSCRIPTIONS.CONNECTION_ID },
    }));
    return out.Item !== undefined;
  }

  /** Counts on the `by_connection` GSI page by page (`Select: COUNT`, `Limit` = what is left to count). */
  async countForConnection(connectionId: string, atMost: number): Promise<number> {
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(new QueryCommand({
        TableName: this.tableName,
        IndexName: SUBSCRIPTIONS.BY_CONNECTION_INDEX,
        KeyConditionExpression: '#c = :c',
        ExpressionAttributeNames: { '#c': SUBSCRIPTIONS.CONNECTION_ID },
        ExpressionAttributeValues: { ':c': { S: connectionId } },
        Select: 'COUNT',
        Limit: atMost - count,
        ExclusiveStartKey: start,
      }));
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start !== undefined && count < atMost);
    return count;
  }

  async put(subscription: Subscription): Promise<void> {
    await this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: {
        ...keyOf(subscription),
        [SUBSCRIPTIONS.CHANNEL]: { S: subscription.channel },
        [SUBSCRIPTIONS.USER_ID]: { S: subscription.userId },
        [SUBSCRIPTIONS.EXPIRES_AT]: { N: String(subscription.expiresAt) },
        ...(subscription.presence === true ? { [SUBSCRIPTIONS.PRESENCE]: { BOOL: true } } : {}),
      },
    }));
  }

  async delete(key: SubscriptionKey): Promise<DeletedSubscription | undefined> {
    const out = await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(key), ReturnValues: 'ALL_OLD' }));
    if (!out.Attributes) return undefined;
    const userId = out.Attributes[SUBSCRIPTIONS.USER_ID]?.S;
    return { ...(userId === undefined ? {} : { userId }), presence: out.Attributes[SUBSCRIPTIONS.PRESENCE]?.BOOL === true };
  }
}

function keyOf(key: SubscriptionKey): Record<string, AttributeValue> {
  return { [SUBSCRIPTIONS.CHANNEL_KEY]: { S: key.channelKey }, [SUBSCRIPTIONS.CONNECTION_ID]: { S: key.connectionId } };
}
