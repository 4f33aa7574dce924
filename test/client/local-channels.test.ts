import { sqsEvent } from '../../local/events';
import { channelsSystemOptions } from '../e2e/channels-app';
import { useLocalSystem } from '../e2e/support';
import { closeClients, connectionsOf, observe, opens, sleep, until } from './support/node-client';

// The client's channels against the local stack, in Node.js with real sockets (`ws`): the e2e channels app (its
// template's subscribe route runs the channels function from the staged bundle; `room/*` asks the app's own hook, which
// allows `room/open-…`; `user/{userId}/*` each user's own), its authorizer's stand-in believing `?token=t-alice`, and
// the bundled pusher publishing to channels. Generous waits: cold starts on a loaded machine are slow.

// Before useLocalSystem's: jest runs a block's afterEach hooks in their order, so clients close before the system stops.
afterEach(closeClients);

const local = useLocalSystem(channelsSystemOptions());

const WAIT = 30_000;

test('subscribe, receive through the channel (envelope.channel); after a reconnect, subscribed again and receives again', async () => {
  // GIVEN alice's client
  const alice = observe(local.system, { token: 't-alice', messageFormat: 'envelope', replyTimeoutMs: WAIT });
  const subscribed: string[] = [];
  alice.client.on('subscription', (channel, error) => subscribed.push(`${channel} ${error?.details.code ?? 'ok'}`));
  alice.client.connect();

  // WHEN she subscribes (before the socket is open: it waits for it), and the backend publishes to the channel
  await alice.client.subscribe('room/open-1');
  await local.pusher.invoke(sqsEvent([{ channels: ['room/open-1'], data: { text: 'first' } }], { messageIds: ['m-1'] }));

  // THEN it arrives with the channel on its envelope
  await until('the first message', () => alice.messages.length === 1, WAIT);
  expect(alice.messages).toEqual([{ data: { text: 'first' }, envelope: { type: 'message', id: 'm-1', channel: 'room/open-1', data: { text: 'first' } } }]);

  // WHEN the connection vanishes (its subscriptions with it: a new connection has none) and the client reconnects
  const [first] = await connectionsOf(local.system, 'alice');
  local.system.emulator.makeStale(first);
  await until('reopened', () => opens(alice) === 2, WAIT);
  await until('subscribed again', () => subscribed.length === 2, WAIT);
  expect(subscribed).toEqual(['room/open-1 ok', 'room/open-1 ok']);
  expect(alice.client.subscriptions).toEqual(['room/open-1']);

  // THEN what is published to the channel next reaches the new connection
  await local.pusher.invoke(sqsEvent([{ channels: ['room/open-1'], data: { text: 'second' } }], { messageIds: ['m-2'] }));
  await until('the second message', () => alice.messages.length === 2, WAIT);
  expect(alice.messages[1].envelope).toEqual({ type: 'message', id: 'm-2', channel: 'room/open-1', data: { text: 'second' } });
  expect((await connectionsOf(local.system, 'alice')).filter((id) => id !== first)).toHaveLength(1);
}, 120_000);

test("a channel the rules refuse is rejected with FORBIDDEN and forgotten; unsubscribe is answered, and stops the channel's messages", async () => {
  // GIVEN alice's client, open
  const alice = observe(local.system, { token: 't-alice', messageFormat: 'envelope', replyTimeoutMs: WAIT });
  alice.client.connect();
  await until('open', () => opens(alice) === 1, WAIT);

  // WHEN / THEN bob's inbox is not hers
  await expect(alice.client.subscribe('user/bob/inbox')).rejects.toMatchObject({ kind: 'subscription', details: { code: 'FORBIDDEN', channel: 'user/bob/inbox' } });
  expect(alice.client.subscriptions).toEqual([]);

  // WHEN she subscribes to her own, then unsubscribes
  await alice.client.subscribe('user/alice/inbox');
  await alice.client.unsubscribe('user/alice/inbox');
  expect(alice.client.subscriptions).toEqual([]);

  // THEN a message to the channel, then one to her as a user: only the second arrives
  await local.pusher.invoke(sqsEvent([{ channels: ['user/alice/inbox'], data: 'to the channel' }], { messageIds: ['m-1'] }));
  await local.pusher.invoke(sqsEvent([{ users: ['alice'], data: 'to alice' }], { messageIds: ['m-2'] }));
  await until('the user message', () => alice.messages.length >= 1, WAIT);
  expect(alice.messages).toEqual([{ data: 'to alice', envelope: { type: 'message', id: 'm-2', data: 'to alice' } }]);
}, 120_000);

test('re-dials (make-before-break): the new socket is subscribed before the old one goes; every message through the channel once', async () => {
  // GIVEN a client re-dialing 1.5 s after each open, the old socket kept at least 1 s after the switch (the margin a
  // delivery read before the new subscription needs to reach the old socket on a loaded machine)
  const alice = observe(local.system, { token: 't-alice', messageFormat: 'envelope', replyTimeoutMs: WAIT, pingIntervalMs: 0, redial: { afterMs: 1_500, jitterMs: 0, graceMs: 1_000 } });
  const subscribed: string[] = [];
  alice.client.on('subscription', (channel, error) => subscribed.push(`${channel} ${error?.details.code ?? 'ok'}`));
  alice.client.connect();
  await alice.client.subscribe('room/open-2');

  // WHEN the backend publishes to the channel, one message after another, across two re-dials
  const published: string[] = [];
  const started = Date.now();
  while (Date.now() - started < 4_000 || alice.redials < 2) {
    if (Date.now() - started > 60_000) throw new Error('no second re-dial within a minute');
    const id = `c-${published.length}`;
    await local.pusher.invoke(sqsEvent([{ channels: ['room/open-2'], data: published.length }], { messageIds: [id] }));
    published.push(id);
    await sleep(40);
  }
  await until('every message', () => alice.messages.length >= published.length, WAIT).catch(() => undefined);
  await sleep(200);

  // THEN the connection never dropped; each re-dial subscribed the new socket; every message arrived once, by the channel
  expect(alice.states).toEqual(['connecting', 'open']);
  expect(alice.retries).toEqual([]);
  expect(subscribed.length).toBeGreaterThanOrEqual(3);
  expect(new Set(subscribed)).toEqual(new Set(['room/open-2 ok']));
  expect(alice.messages.map((m) => m.envelope!.id)).toEqual(published);
  expect(new Set(alice.messages.map((m) => m.envelope!.channel))).toEqual(new Set(['room/open-2']));
}, 120_000);
