// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { channelPresenceKey, PRESENCE_TABLE } from '../../../src/shared/presence';
import { rowCondition } from '../../adapters/presence-row-condition';
import { TOMBSTONE_SECONDS } from '../../core/presence-versions';
import type { MemberRow, MemberStore } from '../core/ports';

const STATES = ['joined', 'leaving', 'left'];

/**
 * How long after a row stops being listed (its `expiresAt`) the table's TTL may remove it (`expires_at` holds the
 * sum): a departure or a check still finds the member, and a tombstone keeps its version, for a day.
 */
export const MEMBER_TTL_MARGIN_SECONDS = TOMBSTONE_SECONDS;

/**
 * A channel's members in the presence table (partition `channel#<channel>`, sort key the user id): a row read with
 * GetItem (strongly consistent), replaced with a conditional PutItem (`ConditionalCheckFailedException` is `false`),
 * listed with a Query in user id order that keeps members (`joined`, `leaving`) still listed (`expires_at` is a day past
 * that), and counted past the listed ones with `Select: COUNT` and the same filter.
 */
export class DynamoMemberStore implements MemberStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async get(channel: string, userId: string): Promise<MemberRow | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(channel, userId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const state = out.Item[PRESENCE_TABLE.STATE]?.S;
    const version = Number(out.Item[PRESENCE_TABLE.VERSION]?.N);
    if (state === undefined || !STATES.includes(state) || !Number.isSafeInteger(version)) {
      throw new Error(`the member row of user '${userId}' in '${channel}' has no known state and version (${String(state)}, ${String(version)})`);
    }
    const token = out.Item[PRESENCE_TABLE.TOKEN]?.S;
    const expiresAt = out.Item[PRESENCE_TABLE.EXPIRES_AT]?.N;
    return {
      state: state as MemberRow['state'],
      version,
      ...(token === undefined ? {} : { token }),
      ...(expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) - MEMBER_TTL_MARGIN_SECONDS }),
    };
  }

  async replace(channel: string, userId: string, next: MemberRow, expected: MemberRow | undefined): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, ...rowCondition(expected), Item: itemOf(channel, userId, next) }));
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  async list(channel: string, atMost: number, nowSeconds: number): Promise<{ users: string[]; count: number }> {
    const query = {
      TableName: this.tableName,
      KeyConditionExpression: '#k = :k',
      FilterExpression: '#s <> :left AND (attribute_not_exists(#e) OR #e > :now)',
      ExpressionAttributeValues: {
        ':k': { S: channelPresenceKey(channel) }, ':left': { S: 'left' }, ':now': { N: String(nowSeconds + MEMBER_TTL_MARGIN_SECONDS) },
      },
      ConsistentRead: true,
    };
    const names = { '#k': PRESENCE_TABLE.KEY, '#s': PRESENCE_TABLE.STATE, '#e': PRESENCE_TABLE.EXPIRES_AT };
    const users: string[] = [];
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      // Until `atMost` are listed, pages of user ids (a filter applies after each page's read); then only counts.
      const listing = users.length < atMost;
      const page = await this.client.send(new QueryCommand({
        ...query,
        ...(listing
          ? { ExpressionAttributeNames: { ...names, '#u': PRESENCE_TABLE.USER_ID }, ProjectionExpression: '#u' }
          : { ExpressionAttributeNames: names, Select: 'COUNT' }),
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }));
      if (listing) {
        for (const item of page.Items ?? []) {
          const user = item[PRESENCE_TABLE.USER_ID]?.S;
          if (user !== undefined && users.length < atMost) users.push(user);
        }
      }
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
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
    [PRESENCE_TABLE.VERSION]: { N: String(row.version) },
    ...(row.token === undefined ? {} : { [PRESENCE_TABLE.TOKEN]: { S: row.token } }),
    ...(row.expiresAt === undefined ? {} : { [PRESENCE_TABLE.EXPIRES_AT]: { N: String(row.expiresAt + MEMBER_TTL_MARGIN_SECONDS) } }),
  };
}
