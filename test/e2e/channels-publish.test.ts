import { channelsSystemOptions } from './channels-app';
import { envelopeText, openAs, publishAuthorizer, pushed, requestLines, subscribe } from './channels-publishing';
import { FAST_RETRIES, useLocalSystem } from './support';

// Publishing to channels end to end, as a user's synthesized app runs on the local stack: real `ws` clients connect
// through the template's `$connect` (its Lambda authorizer's stand-in), subscribe through its `subscribe` route (the
// channels function, the app's hook for `room/*`), and requests reach the bundled pusher through the template's own
// queue and topic (moto), as a publisher's SendMessage or Publish would. What each client received is what the emulator
// wrote to its socket; replies to its frames are left out (`pushed`).

const local = useLocalSystem(channelsSystemOptions({ handler: false, queues: true, authorizer: publishAuthorizer, pusherOverrides: FAST_RETRIES }));

/** Everything the request caused is done: the queues and streams drained, every client's socket caught up. */
async function settled(): Promise<void> {
  await local.system.drained(90_000);
  await local.system.deliveries(30_000);
}

test('everyone in the channel but the sender gets one envelope naming the channel; the sender and non-subscribers none', async () => {
  // GIVEN alice's two connections (the sender's and another), bob and carol in room/open-1; dave in no channel; erin in another
  const sys = local.system;
  const [sender, aliceOther, bob, carol, dave, erin] = [
    await openAs(sys, 'alice'), await openAs(sys, 'alice'), await openAs(sys, 'bob'), await openAs(sys, 'carol'), await openAs(sys, 'dave'), await openAs(sys, 'erin'),
  ];
  for (const client of [sender, aliceOther, bob, carol]) await subscribe(client, 'room/open-1');
  await subscribe(erin, 'room/open-2');

  // WHEN the app publishes "everyone in room/open-1 but the sender" to its queue
  const data = { from: 'alice', text: 'hi' };
  await sys.sendToQueue({ id: 'chat-1', channels: ['room/open-1'], exclude_connections: [sender.connectionId], data });
  await settled();

  // THEN each other subscriber got exactly one envelope, with the channel; nobody else got anything
  const once = [envelopeText('chat-1', data, 'room/open-1')];
  expect({ sender: pushed(sender), aliceOther: pushed(aliceOther), bob: pushed(bob), carol: pushed(carol), dave: pushed(dave), erin: pushed(erin) })
    .toEqual({ sender: [], aliceOther: once, bob: once, carol: once, dave: [], erin: [] });
  expect(sys.emulator.stats.byStatus).toEqual({ 200: 3 });
  expect(requestLines(sys)).toEqual([expect.objectContaining({
    source: 'sqs', kind: 'channel', outcome: 'delivered', targets: 3, delivered: 3, channelDelivered: 3, gone: 0, failed: 0,
  })]);
}, 120_000);

test('a connection in two of the channels gets the message once, through the first in request order; swapped, the channel follows', async () => {
  // GIVEN alice in both rooms, bob in room/open-2 only, carol in room/open-1 only
  const sys = local.system;
  const [alice, bob, carol] = [await openAs(sys, 'alice'), await openAs(sys, 'bob'), await openAs(sys, 'carol')];
  await subscribe(alice, 'room/open-1', 'room/open-2');
  await subscribe(bob, 'room/open-2');
  await subscribe(carol, 'room/open-1');

  // WHEN the app publishes to both rooms through its topic, then in the other order, then with a room nobody is in first
  await sys.publishToTopic({ id: 'both-1', channels: ['room/open-1', 'room/open-2'], data: 'first' });
  await settled();
  await sys.publishToTopic({ id: 'both-2', channels: ['room/open-2', 'room/open-1'], data: 'second' });
  await settled();
  await sys.publishToTopic({ id: 'both-3', channels: ['room/open-9', 'room/open-2', 'room/open-1', 'room/open-2'], data: 'third' });
  await settled();

  // THEN one copy each time; alice's names the first of the request's channels she is in
  expect(pushed(alice)).toEqual([
    envelopeText('both-1', 'first', 'room/open-1'), envelopeText('both-2', 'second', 'room/open-2'), envelopeText('both-3', 'third', 'room/open-2'),
  ]);
  expect(pushed(bob)).toEqual([
    envelopeText('both-1', 'first', 'room/open-2'), envelopeText('both-2', 'second', 'room/open-2'), envelopeText('both-3', 'third', 'room/open-2'),
  ]);
  expect(pushed(carol)).toEqual([
    envelopeText('both-1', 'first', 'room/open-1'), envelopeText('both-2', 'second', 'room/open-1'), envelopeText('both-3', 'third', 'room/open-1'),
  ]);
  expect(requestLines(sys)).toEqual([1, 2, 3].map(() => expect.objectContaining({
    source: 'sns', kind: 'channel', outcome: 'delivered', targets: 3, delivered: 3, channelDelivered: 3,
  })));
}, 120_000);

test('channels with users and exclude_users: one copy per connection, with the channel only when it came through one', async () => {
  // GIVEN alice with a subscribed connection and another, bob (no subscription), carol and dave in room/open-1,
  // erin (no subscription), frank (nothing)
  const sys = local.system;
  const [alice1, alice2, bob, carol, dave, erin, frank] = [
    await openAs(sys, 'alice'), await openAs(sys, 'alice'), await openAs(sys, 'bob'), await openAs(sys, 'carol'),
    await openAs(sys, 'dave'), await openAs(sys, 'erin'), await openAs(sys, 'frank'),
  ];
  for (const client of [alice1, carol, dave]) await subscribe(client, 'room/open-1');

  // WHEN the room, alice, bob and erin are targeted, carol and erin excluded
  await sys.sendToQueue({ id: 'mix-1', channels: ['room/open-1'], users: ['alice', 'bob', 'erin'], exclude_users: ['carol', 'erin'], data: { n: 1 } });
  await settled();

  // THEN alice's subscribed connection got one copy through the room, her other one and bob one as users (no channel)
  const viaRoom = [envelopeText('mix-1', { n: 1 }, 'room/open-1')];
  const asUser = [envelopeText('mix-1', { n: 1 })];
  expect({
    alice1: pushed(alice1),
    alice2: pushed(alice2),
    bob: pushed(bob),
    carol: pushed(carol),
    dave: pushed(dave),
    erin: pushed(erin),
    frank: pushed(frank),
  }).toEqual({ alice1: viaRoom, alice2: asUser, bob: asUser, carol: [], dave: viaRoom, erin: [], frank: [] });
  expect(requestLines(sys)).toEqual([expect.objectContaining({ kind: 'channel', outcome: 'delivered', delivered: 4, channelDelivered: 2, failed: 0 })]);
}, 120_000);

test('a channel nobody is subscribed to: nothing is sent, and the request is delivered, not an error', async () => {
  // GIVEN clients in other channels
  const sys = local.system;
  const [alice, bob] = [await openAs(sys, 'alice'), await openAs(sys, 'bob')];
  await subscribe(alice, 'room/open-1');
  await subscribe(bob, 'user/bob/inbox');

  // WHEN
  await sys.sendToQueue({ id: 'nobody-1', channels: ['room/open-empty'], data: 'echo' });
  await settled();

  // THEN nothing was posted; the request succeeded once, and is neither retried nor dead-lettered
  expect([pushed(alice), pushed(bob)]).toEqual([[], []]);
  expect(sys.emulator.stats.requests.POST ?? 0).toBe(0);
  expect(requestLines(sys)).toEqual([expect.objectContaining({
    level: 'INFO', kind: 'channel', outcome: 'delivered', targets: 0, delivered: 0, failed: 0,
  })]);
  expect(requestLines(sys)[0].error).toBeUndefined();
  const invocations = sys.invocationsFrom('requests');
  expect(invocations.map((i) => [i.error, i.result])).toEqual([[undefined, { batchItemFailures: [] }]]);
  for (const queue of sys.messaging!.queues.values()) expect(await sys.messaging!.moto.depth(queue)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
}, 120_000);
