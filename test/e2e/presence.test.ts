import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { deleteBus, GRACE_SECONDS, presenceRow, restoreBus, tenantOf, usePresenceSystem, type PresenceFixture } from './presence-app';
import { until } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import { sqsEvent } from '../../local/events';
import type { StreamEventSource } from '../../local/lambda-runtime/event-sources/stream-event-source';
import type { LocalSystem } from '../../local/system/local-system';

// User presence end to end: real `ws` clients through the template's $connect / $disconnect, the connection stream
// function on the connections table's stream and on the presence check queue (delayed by the 2 s grace period, on
// moto; both mappings run by the local system from the template), its events put on the app's bus on moto's
// EventBridge and read back by the local tap. Every assertion is on the events the bus received. A UserOffline's
// eventId is `<token>:offline`, the token being the eventId of the Disconnected that started its grace period.

type Detail = { eventId: string; userId: string; connectionId?: string; context?: Record<string, string>; version?: number; time: string };
interface Seen { readonly type: string; readonly detail: Detail; readonly at: number }

const GRACE_MS = GRACE_SECONDS * 1000;
const LONG = 240_000;

/** The events the bus received so far, in the order the tap saw them, with when the test saw each. */
function seen(local: PresenceFixture, type?: string, userId?: string): Seen[] {
  return local.events.map((d) => ({ type: d.event['detail-type'], detail: d.event.detail as Detail, at: d.receivedAt }))
    .filter((e) => (type === undefined || e.type === type) && (userId === undefined || e.detail.userId === userId));
}

/** A user's UserOnline / UserOffline events: by version they alternate, starting online, in the order they arrived. */
function expectPresenceInOrder(local: PresenceFixture, userId: string): Seen[] {
  const presence = seen(local).filter((e) => e.detail.userId === userId && (e.type === 'UserOnline' || e.type === 'UserOffline'));
  const byVersion = [...presence].sort((a, b) => a.detail.version! - b.detail.version!);
  expect(byVersion).toEqual(presence);
  presence.forEach((e, i) => expect(e.type).toBe(i % 2 === 0 ? 'UserOnline' : 'UserOffline'));
  for (let i = 1; i < presence.length; i++) expect(presence[i].detail.version).toBeGreaterThan(presence[i - 1].detail.version!);
  return presence;
}

/** The eventId of the UserOffline whose grace period this Disconnected started: its eventId with `:offline`. */
const offlineId = (disconnected: Seen): string => `${disconnected.detail.eventId}:offline`;

/** What a client's Connected / Disconnected says: its connection, its user, the row's authorizer context. */
function connectionEvent(client: RecordingClient): Partial<Detail> {
  return { userId: client.userId, connectionId: client.connectionId, context: { tenant: tenantOf(client.userId) }, eventId: expect.any(String) };
}

/** The details of these clients' Connected (or Disconnected) events, in this order. */
const ofClients = (...clients: RecordingClient[]) => clients.map((c) => expect.objectContaining(connectionEvent(c)));

async function waitFor(local: PresenceFixture, type: string, userId: string, count = 1): Promise<Seen[]> {
  await until(() => seen(local, type, userId).length >= count, `${count} ${type} of ${userId}`, 120_000);
  return seen(local, type, userId);
}

/** The stream source's invocations that failed a record (a batch item failure or an error). */
const failures = (stream: StreamEventSource) => stream.invocations
  .filter(({ invocation }) => invocation.error || (invocation.result as any)?.batchItemFailures?.length).length;

/** The `presence checks processed` lines of the check queue's invocations. */
const checkLines = (local: PresenceFixture) => local.checks.sqs.flatMap((s) => s.source.invocations)
  .flatMap((i) => i.invocation.json).filter((line) => line.message === 'presence checks processed');

describe('user presence on the app\'s bus', () => {
  const local = usePresenceSystem();

  test('two devices, one drops: no UserOffline past the grace period, one UserOnline; Connected / Disconnected name the connection', async () => {
    // GIVEN alice on two devices
    const [phone, laptop] = await local.system.connect('alice', 2);
    await waitFor(local, 'Connected', 'alice', 2);

    // WHEN the phone drops
    await local.system.disconnect(phone);
    await waitFor(local, 'Disconnected', 'alice');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1_500));
    await local.drained();

    // THEN she stayed online: one UserOnline, no UserOffline, and no check was needed
    expect(seen(local, 'UserOffline')).toEqual([]);
    const [online, ...more] = seen(local, 'UserOnline', 'alice');
    expect(more).toEqual([]);
    const connected = seen(local, 'Connected', 'alice');
    expect(connected.map((e) => e.detail)).toEqual(ofClients(phone, laptop));
    expect(online.detail).toEqual({ eventId: `${connected[0].detail.eventId}:online`, userId: 'alice', version: expect.any(Number), time: expect.any(String) });
    expect(new Date(online.detail.time).getTime()).toBe(online.detail.version);
    expect(seen(local, 'Disconnected').map((e) => e.detail)).toEqual(ofClients(phone));
    expect(checkLines(local)).toEqual([]);
    expect(local.events.every((d) => d.event.source === local.serviceName && d.bus === local.busName)).toBe(true);
  }, LONG);

  test('both devices drop: one UserOffline, not before the grace period, newer than the UserOnline', async () => {
    // GIVEN alice on two devices, online
    const [phone, laptop] = await local.system.connect('alice', 2);
    await waitFor(local, 'UserOnline', 'alice');

    // WHEN both drop
    const droppedAt = Date.now();
    await local.system.disconnect(phone);
    await local.system.disconnect(laptop);

    // THEN nothing yet a second after the drop ...
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, droppedAt + 1_000 - Date.now())));
    expect(seen(local, 'UserOffline')).toEqual([]);
    // ... and one UserOffline once the grace period is over, named by the removal that found no live connection left
    const [offline] = await waitFor(local, 'UserOffline', 'alice');
    await local.drained();
    expect(seen(local, 'UserOffline')).toEqual([offline]);
    expect(offline.at - droppedAt).toBeGreaterThanOrEqual(GRACE_MS);
    expect(offline.detail.version! - droppedAt).toBeGreaterThanOrEqual(GRACE_MS);
    const disconnected = seen(local, 'Disconnected', 'alice');
    expect(disconnected.map((e) => e.detail)).toEqual(ofClients(phone, laptop));
    expect(offline.detail).toEqual({ eventId: expect.any(String), userId: 'alice', version: expect.any(Number), time: new Date(offline.detail.version!).toISOString() });
    expect(disconnected.map((e) => offlineId(e))).toContain(offline.detail.eventId);
    const [online, off] = expectPresenceInOrder(local, 'alice');
    expect([online.type, off]).toEqual(['UserOnline', offline]);
    expect(checkLines(local)).toEqual([expect.objectContaining({ checks: 1, outcomes: { offline: 1 } })]);
  }, LONG);

  test('a reconnect within the grace period: no UserOffline, no second UserOnline', async () => {
    // GIVEN alice online on one device
    const [first] = await local.system.connect('alice');
    await waitFor(local, 'UserOnline', 'alice');

    // WHEN it drops, the function marks her leaving (a check is on its way), and she is back at once (well within the 2 s)
    await local.system.disconnect(first);
    await until(async () => (await presenceRow(local.system, 'alice'))?.state === 'leaving', 'alice to be leaving', 120_000);
    const leavingAt = Date.now();
    const [again] = await local.system.connect('alice');
    expect(Date.now() - leavingAt).toBeLessThan(GRACE_MS);
    await waitFor(local, 'Connected', 'alice', 2);
    await until(() => checkLines(local).length > 0, 'the presence check, after the grace period', 120_000);
    await local.drained();

    // THEN the check found her back: still one UserOnline, no UserOffline
    expect(seen(local, 'UserOnline', 'alice')).toHaveLength(1);
    expect(seen(local, 'UserOffline')).toEqual([]);
    expect(seen(local, 'Connected').map((e) => e.detail)).toEqual(ofClients(first, again));
    expect(seen(local, 'Disconnected').map((e) => e.detail)).toEqual(ofClients(first));
    const [line] = checkLines(local);
    expect(line.checks).toBe(1);
    expect(Object.keys(line.outcomes)).toEqual([expect.stringMatching(/^(reconnected|stale)$/)]);
    expect(await presenceRow(local.system, 'alice')).toMatchObject({ state: 'online' });
  }, LONG);
});

/** Sets a connection row's `expires_at` to a minute ago, straight in dynalite (as time passing would). */
async function expire(system: LocalSystem, client: RecordingClient): Promise<void> {
  await system.dynamodb.client.send(new UpdateItemCommand({
    TableName: system.table.tableName,
    Key: { user_id: { S: client.userId }, connection_id: { S: client.connectionId } },
    UpdateExpression: 'SET expires_at = :past',
    ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 60) } },
  }));
}

describe('stale rows: expired, swept by TTL, pruned on 410', () => {
  // The sweeper runs only when a test sweeps: an expired row stays in the table until then.
  const local = usePresenceSystem({ ttlSweepIntervalMs: 3_600_000 });

  test('an expired row still in the table is not live: its user goes offline when the other device leaves; its sweep emits no more', async () => {
    // GIVEN alice on two devices, the phone's row expired but not deleted yet
    const [phone, laptop] = await local.system.connect('alice', 2);
    await waitFor(local, 'UserOnline', 'alice');
    await expire(local.system, phone);

    // WHEN the laptop leaves
    await local.system.disconnect(laptop);

    // THEN she is offline after the grace period, though the phone's row is still there
    const [offline] = await waitFor(local, 'UserOffline', 'alice');
    expect(await local.system.keys()).toEqual([{ userId: 'alice', connectionId: phone.connectionId }]);
    expect(offline.detail.eventId).toBe(offlineId(seen(local, 'Disconnected', 'alice')[0]));
    // AND when the sweeper deletes the expired row: its Disconnected, and nothing more about her presence
    await expect(local.system.dynamodb.sweeper.sweep()).resolves.toBeGreaterThanOrEqual(1);
    await waitFor(local, 'Disconnected', 'alice', 2);
    await local.drained();
    expect(await local.system.keys()).toEqual([]);
    expect(seen(local, 'Disconnected').map((e) => e.detail)).toEqual(ofClients(laptop, phone));
    expect(expectPresenceInOrder(local, 'alice').map((e) => e.type)).toEqual(['UserOnline', 'UserOffline']);
  }, LONG);

  test('a stale row deleted by TTL, another pruned on 410: each user goes offline', async () => {
    // GIVEN bob and carol, each on a connection that vanished without its $disconnect; bob's row has expired
    const [bob] = await local.system.connect('bob');
    const [carol] = await local.system.connect('carol');
    await waitFor(local, 'UserOnline', 'bob');
    await waitFor(local, 'UserOnline', 'carol');
    await local.system.makeStale(bob);
    await local.system.makeStale(carol);
    await expire(local.system, bob);

    // WHEN the sweeper deletes bob's row, and a message to carol meets 410 Gone
    await local.system.dynamodb.sweeper.sweep();
    const pusher = await local.system.loadPusher();
    const invocation = await pusher.invoke(sqsEvent([{ data: 'hello', users: ['carol'] }]));
    expect(invocation.result).toEqual({ batchItemFailures: [] });

    // THEN both rows are gone, and each user has a Disconnected and then, after the grace period, a UserOffline
    await waitFor(local, 'UserOffline', 'bob');
    await waitFor(local, 'UserOffline', 'carol');
    await local.drained();
    expect(await local.system.keys()).toEqual([]);
    expect(local.system.emulator.stats.byStatus).toMatchObject({ 410: 1 });
    for (const client of [bob, carol]) {
      const [disconnected, ...more] = seen(local, 'Disconnected', client.userId);
      expect(more).toEqual([]);
      expect(disconnected.detail).toEqual(expect.objectContaining(connectionEvent(client)));
      const [online, offline] = expectPresenceInOrder(local, client.userId);
      expect([online.type, offline.detail.eventId]).toEqual(['UserOnline', offlineId(disconnected)]);
    }
  }, LONG);
});

describe('a stream batch whose events the bus refuses', () => {
  const local = usePresenceSystem();

  /** Deletes the bus, runs `act`, lets the stream batch fail twice, then restores the bus while the source is held. */
  async function withBusGone(act: () => Promise<void>): Promise<void> {
    const stream = local.system.streamSources[0].source;
    const before = failures(stream);
    await deleteBus(local.system);
    await act();
    await until(() => failures(stream) >= before + 2, 'the stream batch to fail and be retried', 120_000);
    await stream.stop();
    await restoreBus(local.system);
    stream.start();
  }

  test('is retried: every event arrives once, Connected before UserOnline, presence in version order', async () => {
    // GIVEN / WHEN alice (two devices) and bob connect while PutEvents is refused
    let clients: RecordingClient[] = [];
    await withBusGone(async () => {
      clients = [...await local.system.connect('alice', 2), ...await local.system.connect('bob')];
    });
    await waitFor(local, 'UserOnline', 'alice');
    await waitFor(local, 'UserOnline', 'bob');
    // AND they all leave while it is refused again
    await withBusGone(async () => {
      for (const client of clients) await local.system.disconnect(client);
    });
    await waitFor(local, 'UserOffline', 'alice');
    await waitFor(local, 'UserOffline', 'bob');
    await local.drained();

    // THEN the batches failed on the put (the bus was not there), for the connects and for the disconnects ...
    const stream = local.system.streamSources[0].source;
    const failed = stream.invocations.flatMap((i) => i.invocation.json)
      .filter((line) => line.message === 'stream batch processed' && line.failures > 0).flatMap((line) => line.failed);
    expect(new Set(failed.map((f) => f.eventName))).toEqual(new Set(['INSERT', 'REMOVE']));
    failed.forEach((f) => expect(f.error).toMatch(/event bus|ResourceNotFound|does not exist/i));
    // ... nothing was given up, and every event arrived exactly once
    expect(stream.givenUp).toEqual([]);
    const counts = (type: string) => seen(local, type).length;
    expect(['Connected', 'Disconnected', 'UserOnline', 'UserOffline'].map(counts)).toEqual([3, 3, 2, 2]);
    expect(new Set(seen(local).map((e) => `${e.type} ${e.detail.eventId}`)).size).toBe(10);
    // One event per connection; across connections, no order (a stream orders each item's records, not different
    // items': a retried batch may put bob's Connected before alice's second, as CI run 23 saw).
    const byConnection = (type: string) => seen(local, type).map((e) => e.detail)
      .sort((x, y) => String(x.connectionId).localeCompare(String(y.connectionId)));
    const sortedClients = [...clients].sort((x, y) => x.connectionId.localeCompare(y.connectionId));
    expect(byConnection('Connected')).toEqual(ofClients(...sortedClients));
    expect(byConnection('Disconnected')).toEqual(ofClients(...sortedClients));
    for (const userId of ['alice', 'bob']) {
      const all = seen(local).filter((e) => e.detail.userId === userId);
      expect(all.findIndex((e) => e.type === 'Connected')).toBeLessThan(all.findIndex((e) => e.type === 'UserOnline'));
      expect(expectPresenceInOrder(local, userId).map((e) => e.type)).toEqual(['UserOnline', 'UserOffline']);
    }
  }, LONG);
});
