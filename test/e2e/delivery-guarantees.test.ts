import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { FAST_RETRIES, reports, wire } from './support';
import { DynamoFaults } from '../../local/dynamo-faults';
import type { VirtualConnection } from '../../local/emulator';
import { LOCAL_REGION, snsEvent, sqsEvent } from '../../local/events';
import type { HandlerRunner } from '../../local/handler-runner';
import { drained, SqsEventSource } from '../../local/sqs-event-source';
import { SqsServer, type LocalQueue } from '../../local/sqs-server';
import { LOCAL_CREDENTIALS, LocalStack } from '../../local/stack';
import { ENV, LIMITS } from '../../src/shared/constants';

// Delivery under faults, end to end: the bundled pusher configured as the construct configures it (its work queue
// and dead-letter queue on moto's SQS server, consumed through an emulated event source), dynalite, the WebSocket
// emulator. What a request cannot finish is re-queued, never the whole request; posts to a connection keep the
// batch's order; FIFO groups stop at their first failure; deduplication skips what was already delivered.

let stack: LocalStack;
let sqs: SqsServer;
let requests: LocalQueue;
let work: LocalQueue;
let workDlq: LocalQueue;
const sources: SqsEventSource[] = [];

beforeEach(async () => {
  sqs = await SqsServer.start();
  stack = await LocalStack.start({ seed: 5 });
  requests = await sqs.createQueue('notifications');
  workDlq = await sqs.createQueue('work-dlq');
  work = await sqs.createQueue('work', { deadLetter: { queue: workDlq, maxReceiveCount: LIMITS.WORK_MAX_RECEIVE_COUNT } });
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await stack?.stop();
  await sqs?.stop();
});

/** The construct's settings for the work queue, with fast retries: 2 posts per attempt, 3 attempts in all. */
function pusherEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...sqs.handlerEnv(),
    ...FAST_RETRIES,
    [ENV.MAX_ATTEMPTS]: '2',
    [ENV.WORK_QUEUE_URL]: work.url,
    [ENV.WORK_QUEUE_ARN]: work.arn,
    [ENV.WORK_DEAD_LETTER_QUEUE_URL]: workDlq.url,
    [ENV.FANOUT_MAX_ATTEMPTS]: '3',
    ...overrides,
  };
}

/** The event sources: requests in batches of 10, work items one at a time. */
async function startSources(overrides: Record<string, string> = {}) {
  const [requestRunner, workRunner] = await Promise.all([stack.loadHandler(pusherEnv(overrides)), stack.loadHandler(pusherEnv(overrides))]);
  const requestSource = new SqsEventSource({ client: sqs.client, queue: requests, runners: [requestRunner], batchSize: 10 });
  const workSource = new SqsEventSource({ client: sqs.client, queue: work, runners: [workRunner], batchSize: 1 });
  sources.push(requestSource, workSource);
  requestSource.start();
  workSource.start();
  return { requestSource, workSource };
}

const publish = (body: object) => sqs.client.send(new SendMessageCommand({ QueueUrl: requests.url, MessageBody: JSON.stringify(body) }));
const requestLines = (source: SqsEventSource) => source.lines.filter((l) => l.message === 'request processed');
const workLines = (source: SqsEventSource) => source.lines.filter((l) => l.message === 'work item processed');
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
    const live = await stack.connectVirtual(users(300));
    const slow = live[42];
    stack.setFaults({ throttledConnections: [slow.connectionId] });
    const { requestSource, workSource } = await startSources();

    // WHEN the broadcast is published, and the client recovers after the first follow-up failed too
    await publish({ data: { alert: 'maintenance' } });
    await until(() => workLines(workSource).some((l) => l.attempt === 2));
    stack.setFaults({});
    await drained([requestSource, workSource], [requests, work], (q) => sqs.depth(q), 60_000);

    // THEN everyone received it exactly once, the slow client from the second follow-up, and the request was never retried
    expect(received(live).filter((n) => n !== 1)).toEqual([]);
    expect(requestSource.invocations).toHaveLength(1);
    expect(requestLines(requestSource)).toEqual([expect.objectContaining({ outcome: 'requeued', targets: 300, delivered: 299, requeued: 1, failed: 0 })]);
    const items = workLines(workSource);
    expect(items.map((l) => [l.kind, l.attempt, l.retargeted, l.delivered, l.carried])).toEqual([['carry-forward', 2, 1, 0, 1], ['carry-forward', 3, 1, 1, 0]]);
    // Retried within seconds (1 s, then 2 s of delay), not after a visibility timeout (30 s here, 6 minutes by default)
    expect(items[1].wallTimeMs).toBeLessThan(30_000);
    expect(await sqs.depth(workDlq)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 120_000);

  test('a client that never recovers is named at ERROR and dead-lettered; its batch-mates get the message once', async () => {
    // GIVEN 50 connections, one throttled for good
    const live = await stack.connectVirtual(users(50));
    const slow = live[7];
    stack.setFaults({ throttledConnections: [slow.connectionId] });
    const { requestSource, workSource } = await startSources();

    // WHEN
    await publish({ data: 'never', exclude_connections: [live[0].connectionId] });
    await drained([requestSource, workSource], [requests, work], (q) => sqs.depth(q), 60_000);

    // THEN
    expect(received(live)).toEqual(live.map((c) => (c === slow || c === live[0] ? 0 : 1)));
    expect(workSource.lines).toContainEqual(expect.objectContaining({
      level: 'ERROR', message: 'connections not delivered: still failing after 3 work-item attempts', connections: [slow.connectionId],
    }));
    expect(workLines(workSource).map((l) => l.attempt)).toEqual([2, 3]);
    const dead = await sqs.drain(workDlq);
    expect(dead.map((m) => JSON.parse(m.body))).toEqual([expect.objectContaining({
      requestId: requestLines(requestSource)[0].messageId, attempt: 3, connections: [{ userId: slow.userId, connectionId: slow.connectionId }], data: 'never',
    })]);
  }, 120_000);

  test('a multicast whose lookup fails for some users: the others now, those users by the follow-up', async () => {
    // GIVEN four users, and DynamoDB failing every Query of bob and carol, whatever the SDK's retries
    const clients = await stack.connectUsers({ alice: 2, bob: 1, carol: 2, dave: 1 });
    const faults = await DynamoFaults.start(stack.dynamoEndpoint);
    try {
      faults.failQueries(['bob', 'carol']);
      const { requestSource, workSource } = await startSources({ AWS_ENDPOINT_URL_DYNAMODB: faults.endpoint });

      // WHEN the request is processed, and then DynamoDB answers again
      await publish({ data: 'hello', users: ['alice', 'bob', 'carol', 'alice'] });
      await until(() => requestLines(requestSource).length === 1);
      faults.clear();
      await drained([requestSource, workSource], [requests, work], (q) => sqs.depth(q), 60_000);
      await stack.deliveries();

      // THEN everyone targeted received it once, dave nothing; bob and carol were looked up again, once
      for (const user of ['alice', 'bob', 'carol']) {
        expect(clients[user].map((c) => c.messages)).toEqual(clients[user].map(() => [wire('hello')]));
      }
      expect(clients.dave[0].messages).toEqual([]);
      expect(new Set(faults.failedQueries)).toEqual(new Set(['bob', 'carol']));
      expect(requestLines(requestSource)).toEqual([expect.objectContaining({ outcome: 'requeued', delivered: 2, requeued: 2 })]);
      expect(workLines(workSource)).toEqual([expect.objectContaining({ kind: 'users', attempt: 2, targets: 3, delivered: 3 })]);
    } finally {
      await faults.stop();
    }
  }, 120_000);

  test('SNS: the slow-client case without any whole-request retry', async () => {
    // GIVEN 20 connections, one throttled, and the work queue's event source
    const live = await stack.connectVirtual(users(20));
    const slow = live[3];
    stack.setFaults({ throttledConnections: [slow.connectionId] });
    const { workSource } = await startSources();
    const pusher = await stack.loadHandler(pusherEnv());

    // WHEN the SNS notification is delivered, then the client recovers
    const invocation = await pusher.invoke(snsEvent({ data: 'via sns' }));
    stack.setFaults({});
    await drained([workSource], [work], (q) => sqs.depth(q), 60_000);

    // THEN the invocation succeeded (Lambda does not retry it) and everyone has it once
    expect(invocation.error).toBeUndefined();
    expect(reports(invocation)['sns-msg-1']).toMatchObject({ outcome: 'requeued', requeued: 1 });
    expect(received(live).filter((n) => n !== 1)).toEqual([]);
  }, 120_000);
});

describe('order per connection', () => {
  test('10 requests to one user arrive on each of its sockets in batch order, with random latency', async () => {
    // GIVEN a user with two sockets, and a Management API answering after 0 to 40 ms at random
    const [first, second] = await stack.connect('chat-user', 2);
    const pusher = await stack.loadHandler(pusherEnv());
    stack.setFaults({ latencyJitterMs: 40 });

    for (let round = 0; round < 5; round++) {
      // WHEN ten chat messages come in one batch
      const batch = Array.from({ length: 10 }, (_, i) => ({ data: { round, n: i }, users: ['chat-user'] }));
      const invocation = await pusher.invoke(sqsEvent(batch, { messageIds: batch.map((_, i) => `r${round}-m${i}`) }));
      await stack.deliveries();

      // THEN both sockets received them in batch order, in every round
      expect(invocation.result).toEqual({ batchItemFailures: [] });
      for (const socket of [first, second]) {
        expect(socket.messages.slice(round * 10)).toEqual(batch.map((b) => wire(b.data)));
      }
    }
  }, 120_000);

  test('a broadcast and a multicast to the same socket keep their order too', async () => {
    // GIVEN one user with a socket, among others
    const [target] = await stack.connect('target', 1);
    await stack.connectMany(['x', 'y', 'z']);
    const pusher = await stack.loadHandler(pusherEnv());
    stack.setFaults({ latencyJitterMs: 40 });

    // WHEN a broadcast, a multicast to the user, and a broadcast again come in one batch
    const invocation = await pusher.invoke(sqsEvent([{ data: 1 }, { data: 2, users: ['target'] }, { data: 3 }]));
    await stack.deliveries();

    // THEN the user's socket has them in that order
    expect(invocation.result).toEqual({ batchItemFailures: [] });
    expect(target.messages).toEqual([wire(1), wire(2), wire(3)]);
  }, 60_000);
});

describe('FIFO sources', () => {
  test('a failing record fails the rest of its group, unsent; the other group is delivered in order', async () => {
    // GIVEN group A's second record goes to a throttled client
    const clients = await stack.connectUsers({ a: 1, slow: 1, b: 1 });
    stack.setFaults({ throttledConnections: [clients.slow[0].connectionId] });
    const pusher = await stack.loadHandler(pusherEnv());

    // WHEN one FIFO batch carries two groups
    const invocation = await pusher.invoke(sqsEvent(
      [{ data: 'A1', users: ['a'] }, { data: 'A2', users: ['slow'] }, { data: 'A3', users: ['a'] }, { data: 'B1', users: ['b'] }, { data: 'B2', users: ['b'] }],
      { messageIds: ['a1', 'a2', 'a3', 'b1', 'b2'], groupIds: ['A', 'A', 'A', 'B', 'B'], queueName: 'notifications.fifo' },
    ));
    await stack.deliveries();

    // THEN A2 and A3 are reported (SQS redelivers them, in order), A3 was not sent, B is delivered in order
    expect(invocation.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }] });
    expect(clients.a[0].messages).toEqual([wire('A1')]);
    expect(clients.b[0].messages).toEqual([wire('B1'), wire('B2')]);
    expect(reports(invocation).a3).toMatchObject({ outcome: 'blocked', targets: 0, error: { code: 'GROUP_BLOCKED' } });
    // Order wins over the re-queue: nothing was handed to a follow-up
    expect(await sqs.depth(work)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 60_000);
});

describe('deduplication', () => {
  async function idempotencyTable(): Promise<string> {
    const client = new DynamoDBClient({ endpoint: stack.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await client.send(new CreateTableCommand({
      TableName: 'idempotency',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    client.destroy();
    return 'idempotency';
  }

  test('the same id published twice, and the same message delivered twice, are delivered once', async () => {
    // GIVEN deduplication on
    const [client] = await stack.connect('reader', 1);
    const pusher = await stack.loadHandler(pusherEnv({ [ENV.IDEMPOTENCY_TABLE_NAME]: await idempotencyTable() }));

    // WHEN one id comes in two messages, and a message without id is delivered twice
    const first = await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: ['m1'] }));
    const again = await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: ['m2'] }));
    const plain = await pusher.invoke(sqsEvent([{ data: 'shipped', users: ['reader'] }], { messageIds: ['m3'] }));
    const redelivered = await pusher.invoke(sqsEvent([{ data: 'shipped', users: ['reader'] }], { messageIds: ['m3'] }));
    await stack.deliveries();

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
    const [client] = await stack.connect('reader', 1);
    const pusher: HandlerRunner = await stack.loadHandler(pusherEnv());

    // WHEN
    for (const messageId of ['m1', 'm2']) await pusher.invoke(sqsEvent([{ id: 'order-1', data: 'paid', users: ['reader'] }], { messageIds: [messageId] }));
    await stack.deliveries();

    // THEN
    expect(client.messages).toEqual([wire('paid'), wire('paid')]);
  }, 60_000);
});
