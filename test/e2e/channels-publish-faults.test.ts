import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { channelsByConnection, channelsSystemOptions } from './channels-app';
import { envelopeText, openAs, publishAuthorizer, pushed, requestLines, subscribe } from './channels-publishing';
import { FAST_RETRIES, linesOf, reports, until, useLocalSystem } from './support';
import { sqsEvent } from '../../local/events';

// Publishing to channels when things are not as they should be, end to end on the channels app (real `ws` clients,
// the template's routes, queues on moto, the bundled pusher from its event sources): a subscriber whose connection
// vanished without `$disconnect` (API Gateway answers 410), and requests whose `channels` are invalid.

const local = useLocalSystem(channelsSystemOptions({ handler: false, queues: true, authorizer: publishAuthorizer, pusherOverrides: FAST_RETRIES }));
const empty = { visible: 0, inFlight: 0, delayed: 0 };

/** Everything the requests caused is done: the queues and streams drained, every client's socket caught up. */
async function settled(): Promise<void> {
  await local.system.drained(90_000);
  await local.system.deliveries(30_000);
}

test('a 410 prunes the subscriber: the pusher its connection row and the subscription it reached it through, the stream function the rest', async () => {
  // GIVEN alice, bob and carol in room/open-1, bob also in his inbox; then bob's connection vanishes without
  // $disconnect (its row and subscriptions stay), and the connections table's stream function is held back, so that
  // what the pusher deletes shows on its own
  const sys = local.system;
  const [alice, bob, carol] = [await openAs(sys, 'alice'), await openAs(sys, 'bob'), await openAs(sys, 'carol')];
  for (const client of [alice, bob, carol]) await subscribe(client, 'room/open-1');
  await subscribe(bob, 'user/bob/inbox');
  await sys.drained(60_000);
  for (const { source } of sys.streamSources) await source.stop();
  await sys.makeStale(bob);
  expect((await sys.keys()).map((k) => k.userId)).toContain('bob');

  // WHEN the room is published to
  await sys.sendToQueue({ id: 'gone-1', channels: ['room/open-1'], data: 'still there?' });
  await until(() => requestLines(sys).length === 1, 'the request to be processed');
  await sys.deliveries(30_000);

  // THEN alice and carol got it; bob's post was answered 410, his row and his room subscription are pruned by the
  // pusher (both counted in `pruned`), his inbox subscription is not the pusher's to delete
  const once = [envelopeText('gone-1', 'still there?', 'room/open-1')];
  expect([pushed(alice), pushed(carol)]).toEqual([once, once]);
  expect(sys.emulator.stats.byStatus).toEqual({ 200: 2, 410: 1 });
  expect(requestLines(sys)).toEqual([expect.objectContaining({ kind: 'channel', outcome: 'delivered', targets: 3, delivered: 2, gone: 1, pruned: 2, failed: 0 })]);
  expect((await sys.keys()).map((k) => k.userId).sort()).toEqual(['alice', 'carol']);
  expect(await channelsByConnection(sys)).toEqual({
    [alice.connectionId]: ['room/open-1'], [bob.connectionId]: ['user/bob/inbox'], [carol.connectionId]: ['room/open-1'],
  });

  // WHEN the stream function runs again
  for (const { source } of sys.streamSources) source.start();
  await settled();

  // THEN the row's delete it reads removes bob's other subscription; nobody else's is touched
  expect(await channelsByConnection(sys)).toEqual({ [alice.connectionId]: ['room/open-1'], [carol.connectionId]: ['room/open-1'] });
  const cleaned = sys.streamSources.flatMap((s) => s.source.invocations).flatMap((i) => i.invocation.json).filter((l) => l.message === 'stream batch processed');
  expect(cleaned).toContainEqual(expect.objectContaining({ removals: 1, subscriptionsDeleted: 1, failures: 0 }));
}, 120_000);

test('a subscriber throttled past its attempts gets the message from a follow-up, in the same envelope, channel included', async () => {
  // GIVEN alice, bob and carol in both rooms; bob's connection is a slow client (429 on every post) for a while
  const sys = local.system;
  const [alice, bob, carol] = [await openAs(sys, 'alice'), await openAs(sys, 'bob'), await openAs(sys, 'carol')];
  for (const client of [alice, bob, carol]) await subscribe(client, 'room/open-1', 'room/open-2');
  sys.setFaults({ throttledConnections: [bob.connectionId] });

  // WHEN both rooms are published to, and bob recovers once a first follow-up has failed for him too
  await sys.sendToQueue({ id: 'slow-1', channels: ['room/open-2', 'room/open-1'], data: { n: 7 } });
  const workLines = () => linesOf(sys.invocationsFrom('work'), 'work item processed');
  await until(() => workLines().some((l) => l.attempt === 2), 'a first follow-up');
  sys.setFaults({});
  await settled();

  // THEN everyone has it once, through room/open-2 (the request's first channel), bob from the second follow-up
  const once = [envelopeText('slow-1', { n: 7 }, 'room/open-2')];
  expect([pushed(alice), pushed(bob), pushed(carol)]).toEqual([once, once, once]);
  expect(requestLines(sys)).toEqual([expect.objectContaining({ kind: 'channel', outcome: 'requeued', delivered: 2, requeued: 1, failed: 0 })]);
  expect(workLines().map((l) => [l.kind, l.attempt, l.retargeted, l.delivered, l.channelDelivered, l.carried])).toEqual([
    ['carry-forward', 2, 1, 0, 0, 1], ['carry-forward', 3, 1, 1, 1, 0],
  ]);
}, 120_000);

test('`channels: []` and bad channel names are refused as invalid, logged, not retried; the valid request of the batch is delivered', async () => {
  // GIVEN alice in room/open-1
  const sys = local.system;
  const alice = await openAs(sys, 'alice');
  await subscribe(alice, 'room/open-1');
  const bodies: Record<string, object> = {
    empty: { id: 'bad-1', channels: [], data: 'never' },
    ok: { id: 'ok-1', channels: ['room/open-1'], data: 'fine' },
    pattern: { id: 'bad-2', channels: ['room/open-1', 'room/*'], data: 'never' },
    spaced: { id: 'bad-3', channels: ['room/open 1'], data: 'never' },
  };

  // WHEN the four are sent in one SendMessageBatch to the app's queue
  const sent = await sys.messaging!.moto.client.send(new SendMessageBatchCommand({
    QueueUrl: sys.pusherQueues.requests!.url,
    Entries: Object.entries(bodies).map(([name, body]) => ({ Id: name, MessageBody: JSON.stringify(body) })),
  }));
  await settled();

  // THEN alice got the valid one only, once
  expect(pushed(alice)).toEqual([envelopeText('ok-1', 'fine', 'room/open-1')]);
  // each request was processed once: the invalid ones reported invalid with their reason, at WARN
  const messageIds = Object.fromEntries(sent.Successful!.map((entry) => [entry.Id!, entry.MessageId!]));
  const lines = Object.fromEntries(requestLines(sys).map((line) => [line.messageId, line]));
  expect(requestLines(sys)).toHaveLength(4);
  expect(lines[messageIds.ok]).toMatchObject({ level: 'INFO', kind: 'channel', outcome: 'delivered', delivered: 1, channelDelivered: 1 });
  expect(lines[messageIds.empty]).toMatchObject({ level: 'WARN', kind: 'invalid', outcome: 'invalid', error: { code: 'INVALID_FIELD' } });
  expect(lines[messageIds.pattern]).toMatchObject({ level: 'WARN', kind: 'invalid', outcome: 'invalid', error: { code: 'INVALID_CHANNEL' } });
  expect(lines[messageIds.spaced]).toMatchObject({ level: 'WARN', kind: 'invalid', outcome: 'invalid', error: { code: 'INVALID_CHANNEL' } });
  expect(lines[messageIds.empty].error.message).toContain('`channels`');
  // however the event source batched them, no invocation failed and none reported a record for retry; the queues are empty
  const invocations = sys.invocationsFrom('requests');
  expect(invocations.map((i) => [i.error, i.result])).toEqual(invocations.map(() => [undefined, { batchItemFailures: [] }]));
  expect(invocations.flatMap((i) => i.json).filter((l) => l.message === 'request processed').map((l) => l.messageId).sort())
    .toEqual(Object.values(messageIds).sort());
  for (const queue of sys.messaging!.queues.values()) expect(await sys.messaging!.moto.depth(queue)).toEqual(empty);
}, 120_000);

test('in one SQS batch, invalid channels fail only their own records: the batch\'s valid requests are delivered and none is retried', async () => {
  // GIVEN alice in room/open-1, bob a user; and the pusher as the template configures it, invoked with one SQS batch
  const sys = local.system;
  const [alice, bob] = [await openAs(sys, 'alice'), await openAs(sys, 'bob')];
  await subscribe(alice, 'room/open-1');
  const pusher = await sys.loadPusher();

  // WHEN one batch holds a valid request before and after each kind of invalid `channels`
  const invocation = await pusher.invoke(sqsEvent([
    { id: 'first', channels: ['room/open-1'], data: 1 },
    { id: 'none', channels: [], data: 2 },
    { id: 'bad', channels: ['room/open-1#0'], data: 3 },
    { id: 'many', channels: Array.from({ length: 101 }, (_, i) => `room/open-${i}`), data: 4 },
    { id: 'users', channels: null, users: ['bob'], data: 5 },
    { id: 'last', channels: ['room/open-1'], users: ['bob'], data: 6 },
  ]));
  await sys.deliveries(30_000);

  // THEN the invocation reports no failed record (an invalid one is dropped, never retried), and the valid ones went out
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual({ batchItemFailures: [] });
  expect(pushed(alice)).toEqual([envelopeText('first', 1, 'room/open-1'), envelopeText('last', 6, 'room/open-1')]);
  expect(pushed(bob)).toEqual([envelopeText('users', 5), envelopeText('last', 6)]);
  const byId = reports(invocation);
  expect(Object.fromEntries(Object.entries(byId).map(([id, l]) => [id, [l.outcome, l.error?.code]]))).toEqual({
    'msg-1': ['delivered', undefined],
    'msg-2': ['invalid', 'INVALID_FIELD'],
    'msg-3': ['invalid', 'INVALID_CHANNEL'],
    'msg-4': ['invalid', 'INVALID_FIELD'],
    'msg-5': ['delivered', undefined],
    'msg-6': ['delivered', undefined],
  });
  expect(linesOf([invocation], 'request processed').filter((l) => l.outcome === 'invalid').every((l) => l.level === 'WARN')).toBe(true);
}, 120_000);
