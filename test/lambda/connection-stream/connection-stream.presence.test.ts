import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CHECK_QUEUE_ARN, sqsRecord, streamRecord } from './stream-records';
import { handler } from '../../../lambda/connection-stream.lambda';
import { captureLogLines } from '../support/log-lines';

// The function with presence on (no cleanup), its AWS clients mocked: the stream's records and the check queue's
// messages reach the same handler and are told apart by their source.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  EVENT_BUS_NAME: 'app-bus',
  PRESENCE_TABLE_NAME: 'presence',
  PRESENCE_CHECK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/presence-checks',
  PRESENCE_CHECK_QUEUE_ARN: CHECK_QUEUE_ARN,
  CONNECTIONS_TABLE_NAME: 'connections',
  CONTEXT_ATTRIBUTES: '["tenant"]',
  OFFLINE_GRACE_SECONDS: '20',
});
delete process.env.SUBSCRIPTIONS_TABLE_NAME;

const ddb = mockClient(DynamoDBClient);
const eb = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const context = { awsRequestId: 'invocation-1', functionName: 'connection-stream' } as Context;
const putTypes = () => eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.DetailType));
const ok = { FailedEntryCount: 0, Entries: [{ EventId: 'x' }, { EventId: 'y' }] };

let lines: Array<Record<string, any>>;
beforeEach(() => {
  for (const mock of [ddb, eb, sqs]) mock.reset();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  eb.on(PutEventsCommand).resolves(ok);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  lines = captureLogLines();
});
afterEach(() => jest.restoreAllMocks());

test('an INSERT: Connected with the context attribute, UserOnline, the row written online; metrics per event type', async () => {
  const insert = streamRecord('INSERT', 'c1', '100', { userId: 'alice', context: { tenant: 'acme' } });
  expect(await handler({ Records: [insert] }, context)).toEqual({ batchItemFailures: [] });

  expect(putTypes()).toEqual(['Connected', 'UserOnline']);
  expect(JSON.parse(eb.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].Detail!)).toMatchObject({ userId: 'alice', connectionId: 'c1', context: { tenant: 'acme' } });
  expect(eb.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0]).toMatchObject({ EventBusName: 'app-bus', Source: 'websocket-pusher' });
  expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'presence', ConsistentRead: true });
  expect(ddb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'presence', ConditionExpression: 'attribute_not_exists(#k)' });
  expect(lines.find((l) => l.message === 'stream batch processed')).toMatchObject({ level: 'INFO', events: { Connected: 1, UserOnline: 1 }, presence: { online: 1 } });
  const emf = lines.find((l) => l._aws);
  expect(emf).toMatchObject({ ConnectedEvents: 1, UserOnlineEvents: 1, PresenceOnline: 1, CleanupFailures: 0 });
  expect(emf).not.toHaveProperty('SubscriptionsCleaned');
});

test('the last connection\'s REMOVE: Disconnected, the live rows Queried, the row leaving, a check sent delayed by the grace period', async () => {
  ddb.on(GetItemCommand).resolves({ Item: { presence_key: { S: 'user#alice' }, user_id: { S: 'alice' }, state: { S: 'online' }, version: { N: '5' } } });
  const remove = streamRecord('REMOVE', 'c1', '101', { userId: 'alice' });
  expect(await handler({ Records: [remove] }, context)).toEqual({ batchItemFailures: [] });

  expect(putTypes()).toEqual(['Disconnected']);
  expect(ddb).toHaveReceivedCommandWith(QueryCommand, { TableName: 'connections', ConsistentRead: true, ExpressionAttributeValues: { ':u': { S: 'alice' } } });
  expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { MessageBody: JSON.stringify({ userId: 'alice', token: remove.eventID }), DelaySeconds: 20 });
});

test('a check message: the row leaving with its token and no live row, so offline, then UserOffline, then the token dropped', async () => {
  ddb.on(GetItemCommand).resolves({ Item: { presence_key: { S: 'user#alice' }, user_id: { S: 'alice' }, state: { S: 'leaving' }, version: { N: '5' }, token: { S: 'ev-1' } } });
  const answer = await handler({ Records: [sqsRecord('m1', '{"userId":"alice","token":"ev-1"}')] }, context);

  expect(answer).toEqual({ batchItemFailures: [] });
  expect(putTypes()).toEqual(['UserOffline']);
  expect(ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item!.state.S)).toEqual(['offline', 'offline']);
  expect(lines.find((l) => l.message === 'presence checks processed')).toMatchObject({ checks: 1, outcomes: { offline: 1 }, events: { UserOffline: 1 } });
  expect(lines.find((l) => l._aws)).toMatchObject({ PresenceChecks: 1, UserOfflineEvents: 1, PresenceOffline: 1, FailedPresenceChecks: 0 });
});

test('PutEvents answering FailedEntryCount > 0 fails the record (stream) or the message (checks)', async () => {
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] });
  const insert = streamRecord('INSERT', 'c1', '100', { userId: 'alice' });
  expect(await handler({ Records: [insert] }, context)).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
  expect(lines.find((l) => l.message === 'stream batch processed')).toMatchObject({ level: 'ERROR', failed: [{ error: expect.stringContaining('InternalFailure: oops') }] });
  expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 0);

  ddb.on(GetItemCommand).resolves({ Item: { presence_key: { S: 'user#bob' }, user_id: { S: 'bob' }, state: { S: 'offline' }, version: { N: '5' }, token: { S: 'ev-1' } } });
  const answer = await handler({ Records: [sqsRecord('m1', '{"userId":"bob","token":"ev-1"}'), sqsRecord('m2', 'nonsense')] }, context);
  expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
  expect(lines.find((l) => l.message === 'presence checks processed')).toMatchObject({ level: 'ERROR', invalid: 1, failures: 2 });
});
