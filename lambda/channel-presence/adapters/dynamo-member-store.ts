// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { channelPresenceKey, PRESENCE_TABLE } from '../../../src/shared/presence';
import { rowCondition } from '../../adapters/presence-row-condition';
import type { MemberRow, MemberStore } from '../core/ports';

const STATES = ['joined', 'leaving'];

/**
 * A channel's members in the presence table (partition `channel#<channel>`, sort key the user id): a row read with
 * GetItem (strongly consistent), replaced with a conditional PutItem or DeleteItem (`ConditionalCheckFailedException`
 * is `false`), listed with a Query in user id order and counted with `Select: COUNT` past the listed page.
 */
export class DynamoMemberStore implements MemberStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async get(channel: string, userId: string): Promise<MemberRow | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(channel, userId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const state = out.Item[PRESENCE_TABLE.STATE]?.S;
    if (state === undefined || !STATES.includes(state)) throw new Error(`the member row of user '${userId}' in '${channel}' has no known state (${String(state)})`);
    const token = out.Item[PRESENCE_TABLE.TOKEN]?.S;
    return { state: state as MemberRow['state'], ...(token === undefined ? {} : { token }) };
  }

  async replace(channel: string, userId: string, next: MemberRow | undefined, expected: MemberRow | undefined): Promise<boolean> {
    const conditional = { TableName: this.tableName, ...rowCondition(expected) };
    try {
      if (next === undefined) await this.client.send(new DeleteItemCommand({ ...conditional, Key: keyOf(channel, userId) }));
      else await this.client.send(new PutItemCommand({ ...conditional, Item: itemOf(channel, userId, next) }));
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  async list(channel: string, atMost: number): Promise<{ users: string[]; count: number }> {
    const query = {
      TableName: this.tableName,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeValues: { ':k': { S: channelPresenceKey(channel) } },
      ConsistentRead: true,
    };
    const first = await this.client.send(new QueryCommand({
      ...query, ExpressionAttributeNames: { '#k': PRESENCE_TABLE.KEY, '#u': PRESENCE_TABLE.USER_ID }, ProjectionExpression: '#u', Limit: atMost,
    }));
    const users = (first.Items ?? []).flatMap((item) => (item[PRESENCE_TABLE.USER_ID]?.S === undefined ? [] : [item[PRESENCE_TABLE.USER_ID].S!]));
    let count = first.Count ?? users.length;
    let start = first.LastEvaluatedKey;
    while (start !== undefined) {
      const page = await this.client.send(new QueryCommand({
        ...query, ExpressionAttributeNames: { '#k': PRESENCE_TABLE.KEY }, Select: 'COUNT', ExclusiveStartKey: start,
      }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    }
    return { users, count };
  }
}

function keyOf(channel: string, userId: string): Record<string, AttributeValue> {
  return { [PRESENCE_TABLE.KEY]: { S: channelPresenceKey(channel) }, [PRESENCE_TABLE.USER_ID]: { S: userId } };
}

function itemOf(channel: string, userId: string, row: MemberRow): Record<string, AttributeValue> {
  return {
    ...keyOf(channel, userId),
    [PRESENCE_TABLE.STATE]: { S: row.state },
    ...(row.token === undefined ? {} : { [PRESENCE_TABLE.TOKEN]: { S: row.token } }),
  };
}
