import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startCommand, stopCommand, until } from './command';
import { RecordingClient } from '../../../local/client/recording-client';
import { resourcesOfType } from '../../../local/template/intrinsics';
import { synthesizeChannelsApp } from '../../e2e/channels-app';

// The packaged command on an app with channels: the template's subscribe route, the app's hook through the local
// Lambda endpoint (which the backend environment names too), the connection stream cleaning up after a disconnect.

test('channels on the local command: subscribe, a hook, the cleanup after a disconnect, the Lambda endpoint printed', async () => {
  // GIVEN the app synthesized, the command started on its assembly (the token stand-in: ?token=<user id>)
  const { template, assembly } = synthesizeChannelsApp();
  const { env, webSocketUrl, child, output } = await startCommand(assembly.dir, 0);
  const aws = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
  const dynamodb = new DynamoDBClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  const lambda = new LambdaClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_LAMBDA });
  const tableId = (prefix: string) => resourcesOfType(template, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith(prefix))![0];
  const subscriptions = async () => ((await dynamodb.send(new ScanCommand({ TableName: tableId('PusherSubscriptionsTable') }))).Items ?? [])
    .map((item) => item.channel.S).sort();
  try {
    // WHEN alice subscribes to her inbox and to two rooms the app's hook decides on
    const alice = await RecordingClient.open(webSocketUrl, 'alice', { query: { token: 'alice' } });
    const bob = await RecordingClient.open(webSocketUrl, 'bob', { query: { token: 'bob' } });
    const ask = (client: RecordingClient, channel: string) => client.request({ action: 'subscribe', channel }, 20_000);

    // THEN the replies come back on her socket, and the rows are in the template's table
    await expect(ask(alice, 'user/alice/inbox')).resolves.toEqual({ type: 'subscribed', channel: 'user/alice/inbox' });
    await expect(ask(alice, 'room/open-1')).resolves.toEqual({ type: 'subscribed', channel: 'room/open-1' });
    await expect(ask(alice, 'room/closed')).resolves.toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    await expect(ask(bob, 'user/bob/inbox')).resolves.toMatchObject({ type: 'subscribed' });
    expect(await subscriptions()).toEqual(['room/open-1', 'user/alice/inbox', 'user/bob/inbox']);
    // AND the command printed one line per frame, not the function's log and metrics lines
    await until(() => output.some((l) => / channels +refused +subscribe room\/closed user=alice  FORBIDDEN$/.test(l)), 'the refusal\'s line');
    expect(output.filter((l) => / channels +subscribed +subscribe /.test(l))).toHaveLength(3);
    expect(output.some((l) => l.includes('user/alice/inbox user=alice'))).toBe(true);
    expect(output.filter((l) => l.includes('"_aws"') || l.includes('"frame handled"'))).toEqual([]);

    // AND a backend reaches the app's functions at the printed Lambda endpoint
    const hook = resourcesOfType(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('RoomHook'))![0];
    const out = await lambda.send(new InvokeCommand({ FunctionName: hook, Payload: new TextEncoder().encode(JSON.stringify({ channel: 'room/open-9', context: {} })) }));
    expect(JSON.parse(new TextDecoder().decode(out.Payload))).toEqual({ allow: true });

    // WHEN alice leaves
    await alice.close();

    // THEN the connection stream function removed her subscriptions, and said so in a line
    await until(async () => (await subscriptions()).join() === 'user/bob/inbox', 'alice\'s subscriptions to be cleaned up');
    await until(() => output.some((l) => / connection stream +removals=1 subscriptionsDeleted=2/.test(l)), 'the stream batch\'s line');
    // (the batches of $connect inserts clean nothing up and print no line)
    expect(output.filter((l) => / connection stream +-?$/.test(l))).toEqual([]);
    bob.terminate();
  } finally {
    dynamodb.destroy();
    lambda.destroy();
    await stopCommand(child);
  }
}, 90_000);
