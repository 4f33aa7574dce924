import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CONNECTED_AT, HOOK_ARN, messageEvent } from './support';
import { handler } from '../../../lambda/channels.lambda';
import { CHANNELS_ENV, channelKey, shardOf } from '../../../src/shared/channels';
import { captureLogLines } from '../support/log-lines';

// The handler reads its configuration on the first invocation; DynamoDB and Lambda are mocked at the SDK's edge.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
  [CHANNELS_ENV.CHANNEL_SHARDS]: '4',
  [CHANNELS_ENV.MAX_SUBSCRIPTIONS]: '3',
  [CHANNELS_ENV.USER_ID_SOURCE]: 'authorizer:principalId',
  [CHANNELS_ENV.CONNECTION_TTL_SECONDS]: '7200',
  [CHANNELS_ENV.CHANNEL_RULES]: JSON.stringify([
    { pattern: 'public/*', kind: 'allow' },
    { pattern: 'inbox/{userId}', kind: 'allow' },
    { pattern: 'room/*', kind: 'hook', hook: HOOK_ARN },
  ]),
});

const ddb = mockClient(DynamoDBClient);
const lambda = mockClient(LambdaClient);
const hookAnswers = (payload: string, functionError?: string) => lambda.on(InvokeCommand).resolves({
  StatusCode: 200, Payload: new TextEncoder().encode(payload) as InvokeCommandOutput['Payload'], ...(functionError ? { FunctionError: functionError } : {}),
});
const key = (channel: string, connectionId = 'conn-1') => ({ channel_key: { S: channelKey(channel, shardOf(connectionId, 4)) }, connection_id: { S: connectionId } });
const frame = (body: unknown, options?: Parameters<typeof messageEvent>[1]) => handler(messageEvent(body, options));
const reply = (result: { body: string }) => JSON.parse(result.body);

let lines: Array<Record<string, any>>;
const frameLines = () => lines.filter((l) => l.message === 'frame handled');
const emf = () => lines.filter((l) => l._aws);
const metricsOf = (line: Record<string, any>) =>
  Object.fromEntries(line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => [m.Name, line[m.Name]]));

beforeEach(() => {
  ddb.reset();
  lambda.reset();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Count: 0 });
  ddb.on(PutItemCommand).resolves({});
  ddb.on(DeleteItemCommand).resolves({});
  lines = captureLogLines();
});
afterEach(() => jest.restoreAllMocks());

describe('subscribe', () => {
  test('GetItem, the count on the GSI, PutItem; the reply; one log line and one EMF line', async () => {
    // WHEN
    const result = await frame({ action: 'subscribe', channel: 'public/news', ref: 'r1' });

    // THEN the client is told
    expect(result).toEqual({ statusCode: 200, body: '{"type":"subscribed","channel":"public/news","ref":"r1"}' });
    // … after exactly these calls
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual(['GetItemCommand', 'QueryCommand', 'PutItemCommand']);
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'subscriptions', Key: key('public/news'), ConsistentRead: true });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'subscriptions',
      IndexName: 'by_connection',
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'connection_id' },
      ExpressionAttributeValues: { ':c': { S: 'conn-1' } },
      Select: 'COUNT',
      Limit: 3,
    });
    expect(ddb.commandCalls(PutItemCommand)[0].args[0].input).toEqual({
      TableName: 'subscriptions',
      Item: { ...key('public/news'), channel: { S: 'public/news' }, user_id: { S: 'u1' }, expires_at: { N: String(Math.floor(CONNECTED_AT / 1000) + 7200) } },
    });
    expect(lambda.calls()).toHaveLength(0);
    expect(frameLines()).toEqual([expect.objectContaining({
      level: 'INFO',
      service: 'websocket-pusher',
      action: 'subscribe',
      outcome: 'subscribed',
      channel: 'public/news',
      connectionId: 'conn-1',
      routeKey: 'subscribe',
      userId: 'u1',
      ref: 'r1',
      durationMs: expect.any(Number),
    })]);
    expect(emf()).toHaveLength(1);
    expect(emf()[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'WebsocketPusher', Dimensions: [['service']] });
    expect(metricsOf(emf()[0])).toEqual({
      Subscribes: 1,
      Unsubscribes: 0,
      PresenceQueries: 0,
      Resumes: 0,
      Resets: 0,
      ReplayedMessages: 0,
      PresenceJoins: 0,
      PresenceLeaves: 0,
      SubscribedEvents: 0,
      UnsubscribedEvents: 0,
      RefusedNotEnabled: 0,
      RefusedInvalidFrame: 0,
      RefusedInvalidChannel: 0,
      RefusedForbidden: 0,
      RefusedTooManySubscriptions: 0,
      RefusedUnavailable: 0,
    });
  });

  test('idempotent: a subscribed channel is found by GetItem, not counted, and written again (one row)', async () => {
    ddb.on(GetItemCommand).resolves({ Item: key('public/news') });
    expect(reply(await frame({ action: 'subscribe', channel: 'public/news' }))).toEqual({ type: 'subscribed', channel: 'public/news' });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(frameLines()[0]).toMatchObject({ outcome: 'subscribed', existing: true });
  });

  test('at the limit: TOO_MANY_SUBSCRIPTIONS, nothing written', async () => {
    ddb.on(QueryCommand).resolves({ Count: 3 });
    expect(reply(await frame({ action: 'subscribe', channel: 'public/d', ref: 'x' }))).toEqual({
      type: 'error',
      action: 'subscribe',
      channel: 'public/d',
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: 'at most 3 subscriptions per connection: unsubscribe from one first',
      ref: 'x',
    });
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 0);
    expect(frameLines()[0]).toMatchObject({ level: 'WARN', outcome: 'refused', code: 'TOO_MANY_SUBSCRIPTIONS' });
    expect(metricsOf(emf()[0])).toMatchObject({ Subscribes: 0, RefusedTooManySubscriptions: 1 });
  });

  test('DynamoDB failing: UNAVAILABLE, logged at ERROR with the cause', async () => {
    ddb.on(GetItemCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    const result = await frame({ action: 'subscribe', channel: 'public/a' });
    expect(result.statusCode).toBe(200);
    expect(reply(result)).toMatchObject({ type: 'error', action: 'subscribe', channel: 'public/a', code: 'UNAVAILABLE' });
    expect(frameLines()[0]).toMatchObject({ level: 'ERROR', code: 'UNAVAILABLE', reason: expect.stringContaining('ProvisionedThroughputExceededException') });
    expect(metricsOf(emf()[0])).toMatchObject({ RefusedUnavailable: 1 });
  });

  test('the user id is the authorizer\'s: a forged userId in the frame is ignored', async () => {
    expect(reply(await frame({ action: 'subscribe', channel: 'inbox/u2', userId: 'u2' }))).toMatchObject({ code: 'FORBIDDEN' });
    // only the check for a subscription of this connection to revoke, under the asking connection's own key
    expect(ddb.calls().map((c) => c.args[0].input)).toEqual([expect.objectContaining({ Key: key('inbox/u2') })]);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
    expect(reply(await frame({ action: 'subscribe', channel: 'inbox/u1', userId: 'u2' }))).toMatchObject({ type: 'subscribed' });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ user_id: { S: 'u1' } }) });
    expect(metricsOf(emf()[0])).toMatchObject({ RefusedForbidden: 1 });
  });
});

describe('unsubscribe', () => {
  test('a channel never subscribed: DeleteItem of its key, unsubscribed', async () => {
    const result = await frame({ action: 'unsubscribe', channel: 'room/7', ref: 'u' }, { connectionId: 'Xy=' });
    expect(reply(result)).toEqual({ type: 'unsubscribed', channel: 'room/7', ref: 'u' });
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(DeleteItemCommand)[0].args[0].input).toEqual({ TableName: 'subscriptions', Key: key('room/7', 'Xy='), ReturnValues: 'ALL_OLD' });
    expect(lambda.calls()).toHaveLength(0);
    expect(metricsOf(emf()[0])).toMatchObject({ Unsubscribes: 1, Subscribes: 0 });
  });

  test('DynamoDB failing: UNAVAILABLE', async () => {
    ddb.on(DeleteItemCommand).rejects(new Error('network'));
    expect(reply(await frame({ action: 'unsubscribe', channel: 'room/7' }))).toMatchObject({ type: 'error', action: 'unsubscribe', code: 'UNAVAILABLE' });
  });
});

describe('the hook', () => {
  const payloadOf = () => JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array));

  test('allowing: invoked with the event, then the row written', async () => {
    hookAnswers('{"allow":true}');
    const result = await frame({ action: 'subscribe', channel: 'room/42', userId: 'forged' }, { connectionId: 'Ab=' });
    expect(reply(result)).toEqual({ type: 'subscribed', channel: 'room/42' });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: HOOK_ARN, InvocationType: 'RequestResponse' });
    expect(payloadOf()).toEqual({ type: 'subscribe', channel: 'room/42', userId: 'u1', connectionId: 'Ab=', context: { principalId: 'u1', tenant: 'acme' } });
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  test('refusing (allow: false): FORBIDDEN, logged at WARN; the row read, nothing written', async () => {
    hookAnswers('{"allow":false}');
    expect(reply(await frame({ action: 'subscribe', channel: 'room/42' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual(['GetItemCommand']);
    expect(frameLines()[0]).toMatchObject({ level: 'WARN', rule: 'room/*', reason: 'the hook answered allow: false' });
    expect(metricsOf(emf()[0])).toMatchObject({ RefusedForbidden: 1, RefusedUnavailable: 0 });
  });

  test('refusing a repeat subscribe: FORBIDDEN, and the connection\'s row deleted', async () => {
    hookAnswers('{"allow":false}');
    ddb.on(GetItemCommand).resolves({ Item: key('room/42') });
    expect(reply(await frame({ action: 'subscribe', channel: 'room/42' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, { TableName: 'subscriptions', Key: key('room/42') });
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
    expect(frameLines()[0]).toMatchObject({ level: 'WARN', code: 'FORBIDDEN', revoked: true });
  });

  test.each([
    ['throwing (FunctionError)', '{"errorType":"Error","errorMessage":"db down"}', 'Unhandled', 'db down'],
    ['timing out (FunctionError)', '{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 3.00 seconds"}', 'Unhandled', 'Task timed out'],
    ['answering no decision', '{"allow":"yes"}', undefined, 'the hook\'s answer has no boolean allow: {"allow":"yes"}'],
    ['answering nothing', 'null', undefined, 'the hook\'s answer has no boolean allow: null'],
  ])('%s: UNAVAILABLE (the client tries again), logged at ERROR with the reason, RefusedUnavailable; the table untouched',
    async (_, payload, functionError, reason) => {
      hookAnswers(payload, functionError);
      expect(reply(await frame({ action: 'subscribe', channel: 'room/42', ref: 'h' }))).toEqual({
        type: 'error', action: 'subscribe', channel: 'room/42', code: 'UNAVAILABLE', message: 'the subscription could not be checked or stored: try again', ref: 'h',
      });
      expect(ddb.calls()).toHaveLength(0);
      expect(frameLines()[0]).toMatchObject({ level: 'ERROR', code: 'UNAVAILABLE', hookFailed: true, rule: 'room/*', reason: expect.stringContaining(reason) });
      expect(metricsOf(emf()[0])).toMatchObject({ RefusedUnavailable: 1, RefusedForbidden: 0 });
    });

  test('the invocation failing: UNAVAILABLE', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    expect(reply(await frame({ action: 'subscribe', channel: 'room/42' }))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(ddb.calls()).toHaveLength(0);
    expect(frameLines()[0]).toMatchObject({ level: 'ERROR', hookFailed: true, reason: 'the hook could not be invoked: TooManyRequestsException: Rate exceeded' });
  });
});

describe('hostile frames: always a 200 and an error reply, never a throw, no AWS call', () => {
  test.each([
    ['$default: an unknown action', { action: 'publish', channel: 'room/42' }, 'INVALID_FRAME'],
    ['not JSON', '{"action":', 'INVALID_FRAME'],
    ['an array', '[]', 'INVALID_FRAME'],
    ['an empty frame', '', 'INVALID_FRAME'],
    ['over 128 KB', JSON.stringify({ action: 'subscribe', channel: 'public/a', pad: 'x'.repeat(131_072) }), 'INVALID_FRAME'],
    ['deep JSON', '['.repeat(60_000) + ']'.repeat(60_000), 'INVALID_FRAME'],
    ['a __proto__ action', '{"__proto__":{"action":"subscribe","channel":"public/a"}}', 'INVALID_FRAME'],
    ['a channel object', { action: 'subscribe', channel: { toString: 'public/a' } }, 'INVALID_FRAME'],
    ['a ref of 65', { action: 'subscribe', channel: 'public/a', ref: 'r'.repeat(65) }, 'INVALID_FRAME'],
    ['a control character', { action: 'subscribe', channel: 'public/\u0000' }, 'INVALID_CHANNEL'],
    ['a wildcard channel', { action: 'subscribe', channel: 'public/*' }, 'INVALID_CHANNEL'],
  ])('%s', async (_, body, code) => {
    const result = await frame(body);
    expect(result.statusCode).toBe(200);
    expect(reply(result)).toMatchObject({ type: 'error', code });
    expect(ddb.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
    expect(frameLines()).toEqual([expect.objectContaining({ level: 'WARN', outcome: 'refused', code })]);
  });

  test('a binary frame', async () => {
    const result = await handler({ ...messageEvent('AAEC'), isBase64Encoded: true });
    expect(reply(result)).toMatchObject({ type: 'error', code: 'INVALID_FRAME', message: 'the frame is binary: send a JSON text frame' });
  });
});

test('a malformed CHANNEL_RULES fails the cold start with a clear error, logged', async () => {
  // GIVEN a fresh execution environment whose rules are not valid
  let fresh: typeof handler | undefined;
  jest.isolateModules(() => {
    fresh = (jest.requireActual('../../../lambda/channels.lambda') as { handler: typeof handler }).handler;
  });
  const rules = process.env[CHANNELS_ENV.CHANNEL_RULES];
  process.env[CHANNELS_ENV.CHANNEL_RULES] = '[{"pattern":"room/{user}","kind":"allow"}]';
  try {
    // WHEN / THEN
    await expect(fresh!(messageEvent({ action: 'subscribe', channel: 'room/1' }))).rejects.toThrow(
      /^channels configuration error: environment variable CHANNEL_RULES: rule 1: pattern 'room\/\{user\}'/);
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('CHANNEL_RULES: rule 1') })]);
  } finally {
    process.env[CHANNELS_ENV.CHANNEL_RULES] = rules;
  }
});
