import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { RecordingClient } from '../../../local/client/recording-client';
import { sqsEvent } from '../../../local/events';
import { localArn } from '../../../local/identity';
import { LocalSystem } from '../../../local/system/local-system';
import { ChannelRule, MessageFormat } from '../../../src';
import { channelsByConnection, functionOfKind } from '../../e2e/channels-app';
import { useLocalSystem } from '../../e2e/support';

// How the local system wires what channels add to a template, from the local app's template (no cloud assembly: the
// construct's own functions run from the bundles in assets/): the tables as declared, what their streams and the
// functions resolve to, the functions' endpoints, the stream mapping, quiescence.

const ask = (client: RecordingClient, frame: object) => client.request(frame, 20_000);
const app = { props: { messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('user/{userId}/*')] } } };
const local = useLocalSystem({ app, handler: false });

test('the tables as the template declares them: the subscriptions table with its by_connection index', async () => {
  const subscriptions = local.system.names[Object.keys(local.system.template.Resources).find((id) => id.startsWith('PusherSubscriptionsTable'))!];
  const { Table } = await local.system.dynamodb.client.send(new DescribeTableCommand({ TableName: subscriptions }));
  expect(Table?.GlobalSecondaryIndexes).toEqual([expect.objectContaining({
    IndexName: 'by_connection',
    KeySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }, { AttributeName: 'channel_key', KeyType: 'RANGE' }],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  })]);
});

test('a table\'s StreamArn is its local stream\'s; a function\'s Ref and Arn are what the Invoke endpoint answers to', () => {
  const { names, template } = local.system;
  const table = Object.keys(template.Resources).find((id) => id.startsWith('PusherConnectionsTable'))!;
  expect(names[`${table}.StreamArn`]).toBe(local.system.dynamodb.stream('connections').streamArn);
  expect(names[`${table}.StreamArn`]).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/connections\/stream\//);
  const channels = functionOfKind(template, 'channels');
  expect([names[channels], names[`${channels}.Arn`]]).toEqual([channels, localArn('lambda', `function:${channels}`)]);
});

test('the construct\'s functions reach DynamoDB through the recorder (and faults) and Lambda through the local endpoint', () => {
  for (const kind of ['channels', 'connection-stream']) {
    expect(local.system.functions.environment(functionOfKind(local.system.template, kind)).env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: local.system.dynamoEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: local.system.lambda!.endpoint,
      SUBSCRIPTIONS_TABLE_NAME: expect.stringMatching(/^PusherSubscriptionsTable/),
    });
  }
  expect(local.system.dynamoEndpoint).toBe(local.system.dynamodb.recorder.endpoint);
});

test('the channels function and the stream function run from the package\'s bundles; drained() waits for the stream', async () => {
  // GIVEN a subscription, through the template's subscribe route
  const [alice, bob] = await local.system.connect('alice', 2);
  await expect(ask(alice, { action: 'subscribe', channel: 'user/alice/inbox' })).resolves.toEqual({ type: 'subscribed', channel: 'user/alice/inbox' });
  await expect(ask(bob, { action: 'subscribe', channel: 'user/alice/news' })).resolves.toEqual({ type: 'subscribed', channel: 'user/alice/news' });

  // WHEN one connection leaves
  await local.system.disconnect(alice);
  await local.system.drained();

  // THEN
  expect(await channelsByConnection(local.system)).toEqual({ [bob.connectionId]: ['user/alice/news'] });
});

test('the pusher\'s prune of a gone connection is a stream record too: its subscriptions follow', async () => {
  // GIVEN a subscribed connection that vanished without its $disconnect
  const [gone, stays] = await local.system.connect('alice', 2);
  await ask(gone, { action: 'subscribe', channel: 'user/alice/inbox' });
  await ask(stays, { action: 'subscribe', channel: 'user/alice/inbox' });
  await local.system.makeStale(gone);

  // WHEN the pusher posts to it, is answered 410 and prunes its row
  const pusher = await local.system.loadPusher();
  const invocation = await pusher.invoke(sqsEvent([{ data: 'hi', users: ['alice'] }]));
  await local.system.drained();

  // THEN the prune went through the recorder: the stream function got its REMOVE, and the subscription is gone
  expect(invocation.error).toBeUndefined();
  expect(await local.system.keys()).toEqual([{ userId: 'alice', connectionId: stays.connectionId }]);
  const removed = local.system.streamSources[0].source.invocations.flatMap((i) => i.records).filter((r) => r.eventName === 'REMOVE');
  expect(removed.map((r) => r.dynamodb?.Keys?.connection_id.S)).toEqual([gone.connectionId]);
  expect(await channelsByConnection(local.system)).toEqual({ [stays.connectionId]: ['user/alice/inbox'] });
});

test('a system with no queues and no streams has nothing to drain, and says so', async () => {
  const plain = await LocalSystem.start();
  try {
    expect(plain.streamSources).toEqual([]);
    await expect(plain.drained()).rejects.toThrow('the system runs no queues and no streams');
  } finally {
    await plain.stop();
  }
});
