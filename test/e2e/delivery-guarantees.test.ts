import { Duration } from 'aws-cdk-lib';
import { FAST_RETRIES, reports, useLocalSystem, wire } from './support';
import type { VirtualConnection } from '../../local/api-gateway/connections';
import { sqsEvent } from '../../local/events';
import type { Invocation } from '../../local/lambda-runtime/function-runner';

// Delivery under faults, end to end: the bundled pusher as the template configures it (its queues, work queue and
// dead-letter queues on moto's SQS server, its topic on moto's SNS, invoked by the event sources and the subscription
// the template declares), dynalite, the WebSocket emulator. What a request cannot finish is re-queued, never the whole
// request; posts to a connection keep the batch's order; FIFO groups stop at their first failure; deduplication skips
// what was already delivered.

/** The construct with 2 posts per attempt (`maxAttempts`), 3 work-item attempts in all (the default), fast retries. */
const local = useLocalSystem({ seed: 5, app: { props: { maxAttempts: 2 } }, queues: true, pusherOverrides: FAST_RETRIES, handler: false });

const publish = (body: object) => local.system.sendToQueue(body);
const lines = (invocations: readonly Invocation[], message: string) => invocations.flatMap((i) => i.json).filter((l) => l.message === message);
const requestLines = () => lines(local.system.invocationsFrom('requests'), 'request processed');
const workLines = () => lines(local.system.invocationsFrom('work'), 'work item processed');
const workLog = () => local.system.invocationsFrom('work').flatMap((i) => i.json);
const depth = (role: 'work' | 'workDeadLetter') => local.system.messaging!.moto.depth(local.system.pusherQueues[role]!);
const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
const received = (connections: readonly VirtualConnection[]) => connections.map((c) => c.received);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the remainder is re-queued, never the whole request', () => {
  test('a slow client gets a broadcast once it recovers; nobody else gets it twice', async () => {
    // GIVEN 300 connections, one of them a slow client (its receive buffer full: 429 on every post)
    const live = await local.system.connectVirtual(users(300));
    const slow = live[42];
    local.system.setFaults({ throttledConnections: [slow.connectionId] });

    // WHEN the broadcast is published, and the client recovers after the first follow-up failed too
    await publish({ data: { alert: 'maintenance' } });
    await until(() => workLines().some((l) => l.attempt === 2));
    local.system.setFaults({});
    await local.system.drained();

    // THEN everyone received it exactly once, the slow client from the second follow-up, and the request was never retried
    expect(received(live).filter((n) => n !== 1)).toEqual([]);
    expect(local.system.invocationsFrom('requests')).toHaveLength(1);
    expect(requestLines()).toEqual([expect.objectContaining({ outcome: 'requeued', targets: 300, delivered: 299, requeued: 1, failed: 0 })]);
    const items = workLines();
    expect(items.map((l) => [l.kind, l.attempt, l.retargeted, l.delivered, l.carried])).toEqual([['carry-forward', 2, 1, 0, 1], ['carry-forward', 3, 1, 1, 0]]);
    // Retried within seconds (1 s, then 2 s of delay), not after a visibility timeout (30 s here, 6 minutes by default)
    expect(items[1].wallTimeMs).toBeLessThan(30_000);
    expect(await depth('workDeadLetter')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 120_000);

  test('a client that never recovers is named at ERROR and dead-lettered; its batch-mates get the message once', async () => {
    // GIVEN 50 connections, one throttled for good
    const live = await local.system.connectVirtual(users(50));
    const slow = live[7];
    local.system.setFaults({ throttledConnections: [slow.connectionId] });

    // WHEN
    await publish({ data: 'never', exclude_connections: [live[0].connectionId] });
    await local.system.drained();

    // THEN
    expect(received(live)).toEqual(live.map((c) => (c === slow || c === live[0] ? 0 : 1)));
    expect(workLog()).toContainEqual(expect.objectContaining({
      level: 'ERROR', message: 'connections not delivered: still failing after 3 work-item attempts', connections: [slow.connectionId],
    }));
    expect(workLines().map((l) => l.attempt)).toEqual([2, 3]);
    const dead = await local.system.messaging!.moto.drain(local.system.pusherQueues.workDeadLetter!);
    expect(dead.map((m) => JSON.parse(m.body))).toEqual([expect.objectContaining({
      requestId: requestLines()[0].messageId, attempt: 3, connections: [{ userId: slow.userId, connectionId: slow.connectionId }], data: 'never',
    })]);
  }, 120_000);

  test('a multicast whose lookup fails for some users: the others now, those users by the follow-up', async () => {
    // GIVEN four users, and DynamoDB failing every Query of bob and carol, whatever the SDK's retries
    await local.restart({ dynamoFaults: true });
    const clients = await local.system.connectUsers({ alice: 2, bob: 1, carol: 2, dave: 1 });
    const faults = local.system.dynamodb.faults!;
    faults.failQueries(['bob', 'carol']);

    // WHEN the request is processed, and then DynamoDB answers again
    await publish({ data: 'hello', users: ['alice', 'bob', 'carol', 'alice'] });
    await until(() => requestLines().length === 1);
    faults.clear();
    await local.system.drained();
    await local.system.deliveries();

    // THEN everyone targeted received it once, dave nothing; bob and carol were looked up again, once
    for (const user of ['alice', 'bob', 'carol']) {
      expect(clients[user].map((c) => c.messages)).toEqual(clients[user].map(() => [wire('hello')]));
    }
    expect(clients.dave[0].messages).toEqual([]);
    expect(new Set(faults.failedQueries)).toEqual(new Set(['bob', 'carol']));
    expect(requestLines()).toEqual([expect.objectContaining({ outcome: 'requeued', delivered: 2, requeued: 2 })]);
    expect(workLines()).toEqual([expect.objectContaining({ kind: 'users', attempt: 2, targets: 3, delivered: 3 })]);
  }, 120_000);

  test('SNS: the slow-client case without any whole-request retry', async () => {
    // GIVEN 20 connections, one throttled
    const live = await local.system.connectVirtual(users(20));
    const slow = live[3];
    local.system.setFaults({ throttledConnections: [slow.connectionId] });

    // WHEN a notification is published to the topic, then the client recovers
    await local.system.publishToTopic({ data: 'via sns' });
    await until(() => (local.system.sources?.sns[0].invocations.length ?? 0) > 0);
    local.system.setFaults({});
    await local.system.drained();

    // THEN the invocation succeeded (Lambda does not retry it) and everyone has it once
    const [invocation] = local.system.sources!.sns[0].invocations;
    expect(invocation.error).toBeUndefined();
    expect(Object.values(reports(invocation))).toEqual([expect.objectContaining({ source: 'sns', outcome: 'requeued', requeued: 1 })]);
    expect(received(live).filter((n) => n !== 1)).toEqual([]);
  }, 120_000);
});

describe('order per connection', () => {
  test('10 requests to one user arrive on each of its sockets in batch order, with random latency', async () => {
    // GIVEN a user with two sockets, and a Management API answering after 0 to 40 ms at random
    const [first, second] = await local.system.connect('chat-user', 2);
    const pusher = await local.system.loadPusher();
    local.system.setFaults({ latencyJitterMs: 40 });

    for (let round = 0; round < 5; round++) {
      // WHEN ten chat messages come in one batch
      const batch = Array.from({ length: 10 }, (_, i) => ({ data: { round, n: i }, users: ['chat-user'] }));
      const invocation = await pusher.invoke(sqsEvent(batch, { messageIds: batch.map((_, i) => `r${round}-m${i}`) }));
      await local.system.deliveries();

      // THEN both sockets received them in batch order, in every round
      expect(invocation.result).toEqual({ batchItemFailures: [] });
      for (const socket of [first, second]) {
        expect(socket.messages.slice(round * 10)).toEqual(batch.map((b) => wire(b.data)));
      }
    }
  }, 120_000);

  test('a broadcast and a multicast to the same socket keep their order too', async () => {
    // GIVEN one user with a socket, among others
    const [target] = await local.system.connect('target', 1);
    await local.system.connectMany(['x', 'y', 'z']);
    const pusher = await local.system.loadPusher();
    local.system.setFaults({ latencyJitterMs: 40 });

    // WHEN a broadcast, a multicast to the user, and a broadcast again come in one batch
    const invocation = await pusher.invoke(sqsEvent([{ data: 1 }, { data: 2, users: ['target'] }, { data: 3 }]));
    await local.system.deliveries();

    // THEN the user's socket has them in that order
    expect(invocation.result).toEqual({ batchItemFailures: [] });
    expect(target.messages).toEqual([wire(1), wire(2), wire(3)]);
  }, 60_000);
});

describe('FIFO sources', () => {
  test('a failing record fails the rest of its group, unsent; the other group is delivered in order', async () => {
    // GIVEN group A's second record goes to a throttled client
    const clients = await local.system.connectUsers({ a: 1, slow: 1, b: 1 });
    local.system.setFaults({ throttledConnections: [clients.slow[0].connectionId] });
    const pusher = await local.system.loadPusher();

    // WHEN one FIFO batch carries two groups
    const invocation = await pusher.invoke(sqsEvent(
      [{ data: 'A1', users: ['a'] }, { data: 'A2', users: ['slow'] }, { data: 'A3', users: ['a'] }, { data: 'B1', users: ['b'] }, { data: 'B2', users: ['b'] }],
      { messageIds: ['a1', 'a2', 'a3', 'b1', 'b2'], groupIds: ['A', 'A', 'A', 'B', 'B'], queueName: 'notifications.fifo' },
    ));
    await local.system.deliveries();

    // THEN A2 and A3 are reported (SQS redelivers them, in order), A3 was not sent, B is delivered in order
    expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }] });
    expect(clients.a[0].messages).toEqual([wire('A1')]);
    expect(clients.b[0].messages).toEqual([wire('B1'), wire('B2')]);
    expect(reports(invocation).a3).toMatchObject({ outcome: 'blocked', targets: 0, error: { code: 'GROUP_BLOCKED' } });
    // Order wins over the re-queue: nothing was handed to a follow-up
    expect(await depth('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(local.system.invocationsFrom('work')).toEqual([]);
  }, 60_000);
});

describe('deduplication', () => {
  test('the same id published twice, and the same message delivered twice, are delivered once', async () => {
    // GIVEN deduplication on: its table and the pusher's settings from the template
    await local.restart({ app: { props: { maxAttempts: 2, deduplication: { window: Duration.hours(1) } } } });
    const [client] = await local.system.connect('reader', 1);
    const pusher = await local.system.loadPusher();

    // WHEN one id comes in two messages, and a message without id is delivered twice
    const first = await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: ['m1'] }));
    const again = await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: ['m2'] }));
    const plain = await pusher.invoke(sqsEvent([{ data: 'shipped', users: ['reader'] }], { messageIds: ['m3'] }));
    const redelivered = await pusher.invoke(sqsEvent([{ data: 'shipped', users: ['reader'] }], { messageIds: ['m3'] }));
    await local.system.deliveries();

    // THEN each was delivered once; the repeats are reported and counted as duplicates
    expect(client.messages).toEqual([wire('paid'), wire('shipped')]);
    expect(reports(first).m1).toMatchObject({ outcome: 'delivered' });
    expect(reports(again).m2).toMatchObject({ outcome: 'duplicate', targets: 0 });
    expect(reports(plain).m3).toMatchObject({ outcome: 'delivered' });
    expect(reports(redelivered).m3).toMatchObject({ outcome: 'duplicate' });
    expect(again.json.find((l) => l._aws)?.DuplicateRequests).toBe(1);
  }, 60_000);

  test('without the option, the same id is delivered twice', async () => {
    // GIVEN deduplication off
    const [client] = await local.system.connect('reader', 1);
    const pusher = await local.system.loadPusher();

    // WHEN
    for (const messageId of ['m1', 'm2']) await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: [messageId] }));
    await local.system.deliveries();

    // THEN
    expect(client.messages).toEqual([wire('paid'), wire('paid')]);
  }, 60_000);
});
