import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { channelsByConnection, channelsSystemOptions, subscriptionsTableName } from './channels-app';
import { useLocalSystem } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import type { LocalSystem } from '../../local/system/local-system';

// Channels' cleanup end to end: the template's connection stream function, on the connections table's stream (the
// local stream recorder behind the routes' and the functions' DynamoDB endpoint), run by the template's event source
// mapping; the TTL sweeper deleting what expired. A subscription goes when its connection goes, or when its own TTL
// passes; a batch the function cannot clean up ends on the mapping's on-failure queue (moto).

const ask = (client: RecordingClient, frame: object) => client.request(frame, 20_000);

async function subscribe(client: RecordingClient, channels: readonly string[]): Promise<void> {
  for (const channel of channels) await expect(ask(client, { action: 'subscribe', channel })).resolves.toMatchObject({ type: 'subscribed' });
}

/** Waits (polling) until `condition` holds; fails naming `what` after `timeoutMs`. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every `stream batch processed` line of the connection stream function. */
const batchLines = (system: LocalSystem) => system.streamSources.flatMap((s) => s.source.invocations)
  .flatMap((i) => i.invocation.json).filter((line) => line.message === 'stream batch processed');

/** Sets an item's `expires_at` to a minute ago, straight in dynalite (as time passing would). */
async function expire(system: LocalSystem, tableName: string, key: Record<string, string>): Promise<void> {
  await system.dynamodb.client.send(new UpdateItemCommand({
    TableName: tableName,
    Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])),
    UpdateExpression: 'SET expires_at = :past',
    ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 60) } },
  }));
}

describe('without queues: the stream source and the sweeper', () => {
  const local = useLocalSystem(channelsSystemOptions({ handler: false, ttlSweepIntervalMs: 100 }));
  const open = (label: string, token: string) => local.system.open(label, { query: { token } });

  test('the template\'s stream mapping runs the connection stream function on the connections table', () => {
    expect(local.system.streamSources.map(({ mapping }) => mapping)).toEqual([expect.objectContaining({
      functionLogicalId: expect.stringMatching(/^PusherConnectionStreamFunction/),
      tableLogicalId: expect.stringMatching(/^PusherConnectionsTable/),
      batchSize: 100,
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
    })]);
  });

  test('a client that disconnects: $disconnect deletes its row, the stream function its subscriptions; others stay', async () => {
    // GIVEN two connections with subscriptions
    const [alice, bob] = [await open('alice', 't-alice'), await open('bob', 't-bob')];
    await subscribe(alice, ['user/alice/inbox', 'tenant/acme/news', 'room/open-1']);
    await subscribe(bob, ['user/bob/inbox']);

    // WHEN alice leaves
    await local.system.disconnect(alice);
    await local.system.drained();

    // THEN her subscriptions are gone, through the function the template runs on the stream
    expect(await channelsByConnection(local.system)).toEqual({ [bob.connectionId]: ['user/bob/inbox'] });
    expect(batchLines(local.system)).toContainEqual(expect.objectContaining({ removals: 1, subscriptionsDeleted: 3, failures: 0 }));
  });

  test('a connection whose row\'s TTL passes: the sweeper deletes the row, the stream function its subscriptions', async () => {
    // GIVEN
    const [alice, bob] = [await open('alice', 't-alice'), await open('bob', 't-bob')];
    await subscribe(alice, ['user/alice/inbox', 'room/open-1']);
    await subscribe(bob, ['user/bob/inbox']);

    // WHEN alice's row expires
    await expire(local.system, local.system.table.tableName, { user_id: 'alice', connection_id: alice.connectionId });
    await until(async () => (await local.system.keys()).length === 1, 'the sweeper to delete the expired row');
    await local.system.drained();

    // THEN the removal came from the TTL process and the cleanup followed it
    expect(await channelsByConnection(local.system)).toEqual({ [bob.connectionId]: ['user/bob/inbox'] });
    const removal = local.system.streamSources[0].source.invocations.flatMap((i) => i.records).find((r) => r.eventName === 'REMOVE');
    expect(removal?.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(batchLines(local.system)).toContainEqual(expect.objectContaining({ ttlRemovals: 1, subscriptionsDeleted: 2 }));
  });

  test('a subscription whose own TTL passes is deleted by the sweeper; the others stay', async () => {
    // GIVEN
    const alice = await open('alice', 't-alice');
    await subscribe(alice, ['user/alice/inbox', 'user/alice/alerts']);

    // WHEN one row's expiry passes
    await expire(local.system, subscriptionsTableName(local.system), { channel_key: 'user/alice/alerts#0', connection_id: alice.connectionId });

    // THEN
    await until(async () => (await channelsByConnection(local.system))[alice.connectionId]?.length === 1, 'the sweeper to delete the expired subscription');
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['user/alice/inbox'] });
  });
});

describe('with queues: a batch the function cannot clean up ends on the on-failure queue', () => {
  const local = useLocalSystem(channelsSystemOptions({ handler: false, queues: true, dynamoFaults: true }));

  test('every BatchWriteItem failing: invoked once and retried 10 times, then described on the cleanup failures queue', async () => {
    // GIVEN a connection with a subscription, and DynamoDB refusing the cleanup's deletes
    const alice = await local.system.open('alice', { query: { token: 't-alice' } });
    await subscribe(alice, ['user/alice/inbox']);
    local.system.dynamodb.faults!.failAction('BatchWriteItem');

    // WHEN its row goes
    await local.system.disconnect(alice);
    await local.system.drained(120_000);

    // THEN the mapping gave the record up after its 10 retries, onto the template's queue, as Lambda's on-failure record
    const queueId = Object.keys(local.system.template.Resources).find((id) => id.startsWith('PusherCleanupFailuresQueue') && !id.includes('Policy'))!;
    const messages = await local.system.messaging!.moto.drain(local.system.messaging!.queues.get(queueId)!);
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0].body);
    expect(record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11, functionArn: expect.stringContaining(':function:PusherConnectionStreamFunction') },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: local.system.streamSources[0].source.stream.streamArn },
    });
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['user/alice/inbox'] });
  }, 180_000);
});
