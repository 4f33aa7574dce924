import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { connectionItem, sqsRecord } from './support/events';
import { HANDLER_TEST_ENV, useManagementApi } from './support/handler-setup';
import { captureLogLines } from './support/log-lines';
import { GONE } from './support/management-api';
import { handler } from '../../lambda/pusher.lambda';
import { CHANNELS_ENV, shardOf } from '../../src/shared/channels';
import { ENV } from '../../src/shared/constants';

// DynamoDB is mocked: the pusher's Queries and Scans go through the mocked client (see support/sdk-reads.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('../../lambda/adapters/signed-http-reads', () => require('./support/sdk-reads').readsThroughTheClient());

// The handler with the construct's channels: the subscriptions table of 2 shards per channel, the envelope. DynamoDB
// is mocked; the Management API is a local server that checks every signature (CALLBACK_URL set once it listens).
const SHARDS = 2;
Object.assign(process.env, {
  ...HANDLER_TEST_ENV,
  [ENV.MAX_ATTEMPTS]: '2',
  [ENV.MESSAGE_FORMAT]: 'envelope',
  [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
  [CHANNELS_ENV.CHANNEL_SHARDS]: String(SHARDS),
});

const ddb = mockClient(DynamoDBClient);
const api = useManagementApi();
const context = { awsRequestId: 'invocation-1', functionName: 'pusher' } as Context;

/** The channel's subscribers, each answered in the Query of its own shard (the other shards empty). */
function subscribers(channel: string, ...rows: Array<[user: string, connection: string]>) {
  for (let shard = 0; shard < SHARDS; shard++) {
    const items = rows.filter(([, c]) => shardOf(c, SHARDS) === shard).map(([u, c]) => ({ user_id: { S: u }, connection_id: { S: c } }));
    ddb.on(QueryCommand, { TableName: 'subscriptions', ExpressionAttributeValues: { ':k': { S: `${channel}#${shard}` } } }).resolves({ Items: items });
  }
}
const userRows = (user: string, ...connections: string[]) =>
  ddb.on(QueryCommand, { TableName: 'connections', ExpressionAttributeValues: { ':u': { S: user } } }).resolves({ Items: connections.map((c) => connectionItem(user, c)) });

let lines: Array<Record<string, any>>;
beforeEach(() => {
  ddb.reset();
  api.reset();
  ddb.on(BatchWriteItemCommand).resolves({});
  lines = captureLogLines();
});
afterEach(() => {
  jest.restoreAllMocks();
  expect(api.received.filter((r) => !r.verdict.ok).map((r) => r.verdict)).toEqual([]);
});

const requestLine = (messageId: string) => lines.find((l) => l.message === 'request processed' && l.messageId === messageId)!;
const bodies = () => Object.fromEntries(api.received.map((r) => [r.connectionId, JSON.parse(r.body.toString())]));

describe('a request to channels', () => {
  test('subscribers get the envelope naming the channel, a user\'s other connection the plain envelope, the sender nothing', async () => {
    // GIVEN room/42's subscribers (the sender among them) on both shards, and u9 with one connection
    subscribers('room/42', ['alice', 'a1'], ['bob', 'b1'], ['carol', 'c1'], ['alice', 'sender']);
    expect(new Set(['a1', 'b1', 'c1'].map((c) => shardOf(c, SHARDS))).size).toBe(SHARDS);
    userRows('u9', 'phone');

    // WHEN
    const result = await handler({
      Records: [sqsRecord('m-1', { channels: ['room/42', 'room/42'], users: ['u9'], exclude_connections: ['sender'], data: { n: 1 } })],
    }, context);

    // THEN every shard of the channel was read, keys only
    expect(result).toEqual({ batchItemFailures: [] });
    for (const shard of [0, 1]) {
      expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
        TableName: 'subscriptions', ExpressionAttributeValues: { ':k': { S: `room/42#${shard}` } }, ProjectionExpression: '#c, #u, #t',
      });
    }
    expect(bodies()).toEqual({
      a1: { type: 'message', id: 'm-1', channel: 'room/42', data: { n: 1 } },
      b1: { type: 'message', id: 'm-1', channel: 'room/42', data: { n: 1 } },
      c1: { type: 'message', id: 'm-1', channel: 'room/42', data: { n: 1 } },
      phone: { type: 'message', id: 'm-1', data: { n: 1 } },
    });
    expect(api.received).toHaveLength(4);
    expect(requestLine('m-1')).toMatchObject({ level: 'INFO', kind: 'channel', outcome: 'delivered', targets: 4, delivered: 4, channelDelivered: 3 });
    expect(lines.find((l) => l._aws && l.messageId === 'm-1')).toMatchObject({ Delivered: 4, ChannelDelivered: 3 });
  });

  test('a gone subscriber: its connection row and its subscription row are deleted, both counted', async () => {
    // GIVEN
    subscribers('room', ['alice', 'a1'], ['bob', 'gone-1']);
    api.answer('gone-1', GONE);

    // WHEN
    await handler({ Records: [sqsRecord('m-2', { channels: ['room'], data: 1 })] }, context);

    // THEN
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { connections: [{ DeleteRequest: { Key: { user_id: { S: 'bob' }, connection_id: { S: 'gone-1' } } } }] },
    });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteItemCommand, {
      RequestItems: { subscriptions: [{ DeleteRequest: { Key: { channel_key: { S: `room#${shardOf('gone-1', SHARDS)}` }, connection_id: { S: 'gone-1' } } } }] },
    });
    expect(requestLine('m-2')).toMatchObject({ delivered: 1, gone: 1, pruned: 2, channelDelivered: 1 });
  });

  test.each([
    ['a bad name', { channels: ['room//42'], data: 1 }, 'INVALID_CHANNEL'],
    ['an empty list', { channels: [], data: 1 }, 'INVALID_FIELD'],
  ])('%s: invalid, acknowledged, nothing read or sent', async (_label, body, code) => {
    // WHEN
    const result = await handler({ Records: [sqsRecord('bad', body)] }, context);

    // THEN
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(QueryCommand)).toEqual([]);
    expect(api.received).toEqual([]);
    expect(requestLine('bad')).toMatchObject({ level: 'WARN', outcome: 'invalid', error: { code } });
  });
});

describe('configuration', () => {
  /** A fresh handler (the configuration is read once per container) under `env`. */
  async function freshWith(env: Record<string, string | undefined>, run: (fresh: typeof handler) => Promise<void>) {
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    const apply = (values: Record<string, string | undefined>) => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    apply(env);
    try {
      let fresh: typeof handler = handler;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        fresh = require('../../lambda/pusher.lambda').handler;
      });
      await run(fresh);
    } finally {
      apply(saved);
    }
  }

  test('without the subscriptions table a request naming channels is CHANNELS_DISABLED', async () => {
    await freshWith({ [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: undefined }, async (fresh) => {
      // WHEN
      const result = await fresh({ Records: [sqsRecord('no-channels', { channels: ['room'], data: 1 })] }, context);

      // THEN
      expect(result).toEqual({ batchItemFailures: [] });
      expect(ddb.commandCalls(QueryCommand)).toEqual([]);
      expect(requestLine('no-channels')).toMatchObject({ outcome: 'invalid', error: { code: 'CHANNELS_DISABLED' } });
    });
  });

  test('a bad CHANNEL_SHARDS fails the invocation with an error naming it', async () => {
    await freshWith({ [CHANNELS_ENV.CHANNEL_SHARDS]: '101' }, async (fresh) => {
      await expect(fresh({ data: 1 }, context)).rejects.toThrow('environment variable CHANNEL_SHARDS must be an integer from 1 to 100');
    });
  });
});
