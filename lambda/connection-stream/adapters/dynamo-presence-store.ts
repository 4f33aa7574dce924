// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PRESENCE_TABLE, userPresenceKey } from '../../../src/shared/presence';
import { rowCondition } from '../../adapters/presence-row-condition';
import type { PresenceRow, PresenceState, PresenceStore } from '../core/ports';

const STATES: readonly PresenceState[] = ['online', 'leaving', 'offline'];

/**
 * The presence table in DynamoDB: a user's row read with GetItem (strongly consistent) and replaced with a conditional
 * PutItem (the whole row, so a state without a token or an expiry loses the old one); a failed condition
 * (`ConditionalCheckFailedException`) is `false`, every other error throws.
 */
export class DynamoPresenceStore implements PresenceStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async get(userId: string): Promise<PresenceRow | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(userId), ConsistentRead: true }));
    return out.Item ? rowOf(userId, out.Item) : undefined;
  }

  async replace(userId: string, next: PresenceRow, expected: PresenceRow | undefined): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: itemOf(userId, next),
        ...rowCondition(expected),
      }));
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}

function keyOf(userId: string): Record<string, AttributeValue> {
  return { [PRESENCE_TABLE.KEY]: { S: userPresenceKey(userId) }, [PRESENCE_TABLE.USER_ID]: { S: userId } };
}

function itemOf(userId: string, row: PresenceRow): Record<string, AttributeValue> {
  return {
    ...keyOf(userId),
    [PRESENCE_TABLE.STATE]: { S: row.state },
    [PRESENCE_TABLE.VERSION]: { N: String(row.version) },
    ...(row.token === undefined ? {} : { [PRESENCE_TABLE.TOKEN]: { S: row.token } }),
    ...(row.expiresAt === undefined ? {} : { [PRESENCE_TABLE.EXPIRES_AT]: { N: String(row.expiresAt) } }),
  };
}

/** A stored row; throws on one this code did not write (an unknown state, no version): never guessed at. */
function rowOf(userId: string, item: Record<string, AttributeValue>): PresenceRow {
  const state = item[PRESENCE_TABLE.STATE]?.S as PresenceState | undefined;
  const version = Number(item[PRESENCE_TABLE.VERSION]?.N);
  if (state === undefined || !STATES.includes(state) || !Number.isSafeInteger(version)) {
    throw new Error(`the presence row of user '${userId}' is malformed (state ${String(state)}, version ${item[PRESENCE_TABLE.VERSION]?.N})`);
  }
  const token = item[PRESENCE_TABLE.TOKEN]?.S;
  const expiresAt = item[PRESENCE_TABLE.EXPIRES_AT]?.N;
  return { state, version, ...(token === undefined ? {} : { token }), ...(expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) }) };
}
