// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { HEAD_SEQ, HISTORY, historyKey } from '../../src/shared/history';
import type { HistoryHead, HistoryStore, StoredMessage } from '../core/ports/history-store';

type Item = Record<string, AttributeValue>;

/** A new epoch: 96 random bits, URL-safe. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

const NAMES = { '#k': HISTORY.CHANNEL_KEY, '#s': HISTORY.SEQ };

/**
 * The history table (`HISTORY`): the head is a GetItem and a conditional PutItem (created once) or UpdateItem (raised,
 * never lowered, never across epochs); a message is a PutItem on the condition that its `seq` is free; the log is read
 * with consistent Queries on `<channel>#<epoch>`.
 */
export class DynamoHistoryStore implements HistoryStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string, private readonly epochs: () => string = newEpoch) {}

  async head(channel: string): Promise<HistoryHead | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: headKey(channel), ConsistentRead: true }));
    return out.Item ? headOf(channel, out.Item) : undefined;
  }

  async createHead(channel: string, expiresAt: number, now: number, replacing?: string): Promise<HistoryHead> {
    const epoch = this.epochs();
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...headKey(channel),
          [HISTORY.EPOCH]: { S: epoch },
          [HISTORY.LAST]: { N: '0' },
          [HISTORY.UPDATED_AT]: { N: String(now) },
          [HISTORY.EXPIRES_AT]: { N: String(expiresAt) },
        },
        ...(replacing === undefined
          ? { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': HISTORY.CHANNEL_KEY } }
          : {
            ConditionExpression: 'attribute_not_exists(#k) OR #e = :e',
            ExpressionAttributeNames: { '#k': HISTORY.CHANNEL_KEY, '#e': HISTORY.EPOCH },
            ExpressionAttributeValues: { ':e': { S: replacing } },
          }),
      }));
      return { epoch, last: 0, updatedAt: now };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const head = await this.head(channel);
      if (!head || head.epoch === replacing) throw new Error(`the head of '${channel}' changed while it was replaced: try again`);
      return head;
    }
  }

  async claim(channel: string, epoch: string, message: StoredMessage): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [HISTORY.CHANNEL_KEY]: { S: historyKey(channel, epoch) },
          [HISTORY.SEQ]: { N: String(message.seq) },
          [HISTORY.ID]: { S: message.id },
          [HISTORY.DATA]: { S: message.dataText },
          [HISTORY.EXPIRES_AT]: { N: String(message.expiresAt) },
        },
        ConditionExpression: 'attribute_not_exists(#k)',
        ExpressionAttributeNames: { '#k': HISTORY.CHANNEL_KEY },
      }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async tail(channel: string, epoch: string): Promise<number> {
    const out = await this.client.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':k': { S: historyKey(channel, epoch) } },
      ProjectionExpression: '#s',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }));
    const seq = out.Items?.[0]?.[HISTORY.SEQ]?.N;
    return seq === undefined ? 0 : Number(seq);
  }

  async advanceHead(channel: string, epoch: string, seq: number, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: headKey(channel),
        UpdateExpression: 'SET #l = :s, #t = :t, #u = :u',
        ConditionExpression: '#e = :e AND #l < :s',
        ExpressionAttributeNames: { '#l': HISTORY.LAST, '#t': HISTORY.EXPIRES_AT, '#e': HISTORY.EPOCH, '#u': HISTORY.UPDATED_AT },
        ExpressionAttributeValues: { ':s': { N: String(seq) }, ':t': { N: String(expiresAt) }, ':e': { S: epoch }, ':u': { N: String(now) } },
      }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async after(channel: string, epoch: string, since: number, limit: number): Promise<{ messages: StoredMessage[]; more: boolean }> {
    const out = await this.client.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: '#k = :k AND #s > :s',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':k': { S: historyKey(channel, epoch) }, ':s': { N: String(since) } },
      Limit: limit,
      ConsistentRead: true,
    }));
    const messages = (out.Items ?? []).map(messageOf);
    return { messages, more: out.LastEvaluatedKey !== undefined };
  }
}

function headKey(channel: string): Item {
  return { [HISTORY.CHANNEL_KEY]: { S: channel }, [HISTORY.SEQ]: { N: String(HEAD_SEQ) } };
}

function headOf(channel: string, item: Item): HistoryHead {
  const epoch = item[HISTORY.EPOCH]?.S;
  const last = Number(item[HISTORY.LAST]?.N);
  const updatedAt = Number(item[HISTORY.UPDATED_AT]?.N ?? 0);
  if (epoch === undefined || !Number.isSafeInteger(last) || last < 0) {
    throw new Error(`the history head of '${channel}' has no epoch and last seq (${String(epoch)}, ${String(item[HISTORY.LAST]?.N)})`);
  }
  return { epoch, last, updatedAt };
}

function messageOf(item: Item): StoredMessage {
  return {
    seq: Number(item[HISTORY.SEQ]?.N),
    id: item[HISTORY.ID]?.S ?? '',
    dataText: item[HISTORY.DATA]?.S ?? 'null',
    expiresAt: Number(item[HISTORY.EXPIRES_AT]?.N ?? 0),
  };
}
