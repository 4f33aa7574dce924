import { Duration } from 'aws-cdk-lib';
import type { EventBridgeEvent } from 'aws-lambda';
import { synthesizeChannelsApp } from './channels-app';
import { until, useLocalSystem, type UseLocalSystemOptions } from './support';
import type { LocalAuthorizer } from '../../local/api-gateway/routes/authorizers';
import type { RecordingClient } from '../../local/client/recording-client';
import { ChannelRule } from '../../src';

// Channel presence end to end, on the local stack running the synthesized app: the channels function (subscribe,
// unsubscribe, presence), the pusher sending the join / leave frames from its work queue (moto), the connection stream
// function on the connections table's stream and on the presence check queue (the grace period), real ws clients.

/** The grace period of the app: short, so that a drop's `leave` comes within seconds. */
const GRACE_SECONDS = 2;

/** `?token=<user id>` is believed. */
const authorizer: LocalAuthorizer = ({ query }) => (query.token ? { principalId: query.token, context: { tenant: 'acme' } } : undefined);

let synthesized: ReturnType<typeof synthesizeChannelsApp> | undefined;
function options(): UseLocalSystemOptions {
  synthesized ??= synthesizeChannelsApp({
    props: {
      channels: { rules: [ChannelRule.allow('room/*', { presence: true }), ChannelRule.allow('news/*')] },
      lifecycleEvents: { offlineGracePeriod: Duration.seconds(GRACE_SECONDS) },
    },
  });
  return { ...synthesized, authorizer, handler: false, queues: true, ttlSweepIntervalMs: 100, onEvent: (delivery) => events.push(delivery.event) };
}

/** Every lifecycle event the local EventBridge received (the account's default bus: the app gives none). */
const events: Array<EventBridgeEvent<string, any>> = [];
beforeEach(() => { events.length = 0; });

const local = useLocalSystem(options());
const open = (user: string, label = user) => local.system.open(label, { query: { token: user } });

/** Sends a frame with a fresh `ref` and resolves with the reply carrying it (presence frames may arrive in between). */
const ask = (client: RecordingClient, frame: object, timeoutMs?: number): Promise<any> => client.ask(frame, timeoutMs);

/** The presence frames a client received, as `<event> <user>`. */
const presenceOf = (client: RecordingClient, channel = 'room/1') => client.messages.map((m) => JSON.parse(m))
  .filter((m) => m.type === 'presence' && m.channel === channel).map((m) => `${m.event} ${m.user}`);

async function subscribe(client: RecordingClient, channel = 'room/1'): Promise<void> {
  expect(await ask(client, { action: 'subscribe', channel })).toMatchObject({ type: 'subscribed', channel });
}

/** Everything caused so far is done: streams, queues (a pending check's delay included), and every socket caught up. */
const settled = () => local.system.drained(120_000);

test('join and leave: the other subscribers see them, the user\'s own connections do not; the frame is bare, not an envelope', async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  await subscribe(alice);
  // alice's own join settled first: a subscriber that comes in while a join is still on its way may get it too
  await settled();
  await subscribe(bob);
  await settled();
  expect(presenceOf(alice)).toEqual(['join bob']);
  expect(presenceOf(bob)).toEqual([]);
  const frame = alice.messages.map((m) => JSON.parse(m)).find((m) => m.type === 'presence');
  expect(frame).toEqual({ type: 'presence', channel: 'room/1', event: 'join', user: 'bob', version: expect.any(Number) });

  // a second device of bob: no join; its unsubscribe while the first stays: no leave
  const bob2 = await open('bob', 'bob-2');
  await subscribe(bob2);
  expect(await ask(bob2, { action: 'unsubscribe', channel: 'room/1' })).toMatchObject({ type: 'unsubscribed' });
  await settled();
  expect(presenceOf(alice)).toEqual(['join bob']);

  // bob's last connection unsubscribes: leave at once (no grace period for an explicit unsubscribe)
  expect(await ask(bob, { action: 'unsubscribe', channel: 'room/1' })).toMatchObject({ type: 'unsubscribed' });
  await until(() => presenceOf(alice).length === 2, 'the leave', 10_000);
  expect(presenceOf(alice)).toEqual(['join bob', 'leave bob']);
  expect(presenceOf(bob)).toEqual([]);
});

test('a dropped connection leaves after the grace period, listed until then; a reconnect inside it is no leave and no join', async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  const carol = await open('carol');
  for (const client of [alice, bob, carol]) await subscribe(client);
  await settled();

  // bob drops and is back within the grace period (a new connection subscribing again)
  const droppedAt = Date.now();
  await local.system.disconnect(bob);
  const bobAgain = await open('bob', 'bob-again');
  await subscribe(bobAgain);
  expect(Date.now() - droppedAt).toBeLessThan(GRACE_SECONDS * 1000);
  // carol drops for good
  await local.system.disconnect(carol);
  const carolDroppedAt = Date.now();
  const listed = await ask(alice, { action: 'presence', channel: 'room/1' });
  expect(listed).toMatchObject({ type: 'members', channel: 'room/1', users: ['alice', 'bob', 'carol'], count: 3 });

  await settled();
  expect(presenceOf(alice)).toEqual(['join bob', 'join carol', 'leave carol']);
  expect(Date.now() - carolDroppedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
  expect(presenceOf(bobAgain)).toEqual(['leave carol']);
  expect(await ask(alice, { action: 'presence', channel: 'room/1' })).toMatchObject({ users: ['alice', 'bob'], count: 2 });
});

test('presence: refused without a subscription, NOT_ENABLED on a channel without presence, INVALID_CHANNEL on a bad name', async () => {
  const alice = await open('alice');
  expect(await ask(alice, { action: 'presence', channel: 'room/1' })).toMatchObject({ type: 'error', action: 'presence', code: 'FORBIDDEN' });
  await subscribe(alice, 'news/today');
  expect(await ask(alice, { action: 'presence', channel: 'news/today' })).toMatchObject({ type: 'error', code: 'NOT_ENABLED' });
  expect(await ask(alice, { action: 'presence', channel: 'no//channel' })).toMatchObject({ type: 'error', code: 'INVALID_CHANNEL' });
  expect(await ask(alice, { action: 'presence', channel: 'secret/1' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
});

test('150 members: the first 100 user ids listed in order, and the exact count', async () => {
  const users = Array.from({ length: 150 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
  const clients: RecordingClient[] = [];
  for (const user of users) clients.push(await open(user));
  // Ten at a time: each join is a fan-out to everyone in before it, which a local stack on two cores serves slowly.
  for (let i = 0; i < clients.length; i += 10) await Promise.all(clients.slice(i, i + 10).map((client) => subscribe(client)));
  const answer = await ask(clients[149], { action: 'presence', channel: 'room/1' });
  expect(answer.count).toBe(150);
  expect(answer.users).toEqual(users.slice(0, 100));
  await settled();
  // Each pair of members: the later one's join reached the earlier one (whose row was there when it was sent), and
  // maybe the other way too (a join sent while the other's row was being written); never twice, never one's own.
  let heard = 0;
  clients.forEach((client, i) => {
    const joins = presenceOf(client);
    expect(joins.every((p) => p.startsWith('join ') && p !== `join ${users[i]}`)).toBe(true);
    expect(new Set(joins).size).toBe(joins.length);
    heard += joins.length;
  });
  expect(heard).toBeGreaterThanOrEqual((150 * 149) / 2);
}, 300_000);

test('Subscribed and Unsubscribed: a new subscription, an unsubscribe, and a gone connection\'s subscriptions, each once', async () => {
  const alice = await open('alice');
  await subscribe(alice, 'room/1');
  await subscribe(alice, 'room/1'); // a repeat: no event
  await subscribe(alice, 'news/today');
  await subscribe(alice, 'news/sport');
  expect(await ask(alice, { action: 'unsubscribe', channel: 'news/today' })).toMatchObject({ type: 'unsubscribed' });
  expect(await ask(alice, { action: 'unsubscribe', channel: 'news/never' })).toMatchObject({ type: 'unsubscribed' }); // not there: no event
  await local.system.disconnect(alice);
  await settled();

  const subscriptions = events.filter((e) => e['detail-type'] === 'Subscribed' || e['detail-type'] === 'Unsubscribed');
  expect(subscriptions.map((e) => `${e['detail-type']} ${e.detail.channel}`).sort()).toEqual([
    'Subscribed news/sport', 'Subscribed news/today', 'Subscribed room/1',
    'Unsubscribed news/sport', 'Unsubscribed news/today', 'Unsubscribed room/1',
  ]);
  for (const event of subscriptions) {
    expect(event.detail).toEqual({
      eventId: expect.any(String), userId: 'alice', connectionId: alice.connectionId, channel: expect.any(String), time: expect.any(String),
    });
  }
  expect(new Set(subscriptions.map((e) => e.detail.eventId)).size).toBe(6);
  // the gone connection's: named by its REMOVE record, one per channel
  expect(subscriptions.filter((e) => /:unsubscribed:/.test(e.detail.eventId)).map((e) => e.detail.channel).sort()).toEqual(['news/sport', 'room/1']);
});
