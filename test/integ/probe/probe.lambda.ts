/**
 * The integration tests' probe (test/integ/): a Lambda function in the deployed test stack that connects real clients
 * (the client package, on Node.js 22's WebSocket) with tokens the stack's authorizer accepts, publishes requests
 * through the pusher's queue and topic with the AWS SDK, and reports what each client received and what became of the
 * connections table. The assertions of `integ-tests-alpha` invoke it and compare its report; it asserts nothing itself.
 *
 * An assertion that does not match invokes it again (`waitForAssertions`): every run uses user ids, a channel and a
 * request id of its own (a nonce), so that a run never sees an earlier one's rows, history or deduplication record;
 * and it reports within `DEADLINE_MS` whatever happened, under the assertion provider's 2-minute limit.
 *
 * Its settings come from its environment, which the test stack sets: `WS_URL`, `QUEUE_URL`, `TOPIC_ARN`, `TABLE_NAME`.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { WebSocket as NodeWebSocket } from 'ws';
import { WebsocketPusherClient } from '../../../client/src';

/** Which configuration's checks to run: the stack of each integ test deploys one. */
export interface ProbeEvent {
  readonly scenario: 'users' | 'channels' | 'segmented';
}

/** A run reports by then, whatever happened (the function's timeout is above it, the provider's 2 minutes above that). */
export const DEADLINE_MS = 80_000;

/** A token the test stack's authorizer turns into this user id (`integ:<user>`). */
export const tokenOf = (user: string) => `integ:${user}`;

const setting = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`the probe needs ${name}`);
  return value;
};

/** Lambda's Node.js 22 has a global WebSocket; the local stack runs the probe on the machine's Node.js 20, with `ws`. */
const webSocket = 'WebSocket' in globalThis ? undefined : NodeWebSocket;

const sqs = new SQSClient({});
const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run: its nonce, its deadline, and its clients (closed when it ends). */
class Run {
  readonly nonce = randomUUID().slice(0, 8);
  private readonly deadline = Date.now() + DEADLINE_MS;
  readonly probes: Probe[] = [];

  /** A user id of this run. */
  user(name: string): string {
    return `${name}-${this.nonce}`;
  }

  /** Waits until `done()`, at most `ms` and never past the run's deadline; says whether it came. */
  async until(done: () => boolean | Promise<boolean>, ms = 20_000): Promise<boolean> {
    const end = Math.min(Date.now() + ms, this.deadline);
    while (Date.now() < end) {
      if (await done()) return true;
      await sleep(250);
    }
    return done();
  }

  async connect(names: readonly string[], format: 'data' | 'envelope' = 'envelope'): Promise<Probe[]> {
    const probes = names.map((name) => new Probe(this.user(name), format));
    this.probes.push(...probes);
    await this.until(() => probes.every((p) => p.open));
    return probes;
  }

  close(): void {
    for (const p of this.probes) p.client.close();
  }
}

/** A client of `user`, and what it received (each message's `data.step`, its envelope's `seq`, the drops). */
class Probe {
  readonly steps: string[] = [];
  readonly seqs: number[] = [];
  readonly states: string[] = [];
  /** Messages the client dropped as duplicates (an envelope id it had delivered): what the pusher sent twice. */
  duplicates = 0;
  /** While set, the client's token waits for it: the client cannot reconnect until it resolves. */
  gate?: Promise<void>;
  readonly client: WebsocketPusherClient;

  constructor(readonly user: string, format: 'data' | 'envelope') {
    this.client = new WebsocketPusherClient({
      url: setting('WS_URL'),
      token: async () => {
        await this.gate;
        return tokenOf(user);
      },
      messageFormat: format,
      WebSocket: webSocket,
    });
    this.client.on('message', (data, envelope) => {
      this.steps.push(String((data as { step?: unknown }).step));
      if (envelope?.seq !== undefined) this.seqs.push(envelope.seq);
    });
    this.client.on('state', (state) => this.states.push(state));
    this.client.on('duplicate', () => this.duplicates++);
    this.client.connect();
  }

  get open(): boolean {
    return this.client.state === 'open';
  }

  /** Whether the connection was lost after `since` state changes (what a disconnect request does). */
  droppedSince(since: number): boolean {
    return this.states.slice(since).includes('reconnecting');
  }
}

const sendToQueue = (request: object) => sqs.send(new SendMessageCommand({ QueueUrl: setting('QUEUE_URL'), MessageBody: JSON.stringify(request) }));
const publishToTopic = (request: object) => sns.send(new PublishCommand({ TopicArn: setting('TOPIC_ARN'), Message: JSON.stringify(request) }));

/** The connection ids of `user` in the connections table. */
async function rowsOf(user: string): Promise<string[]> {
  const answer = await dynamodb.send(new QueryCommand({
    TableName: setting('TABLE_NAME'),
    KeyConditionExpression: 'user_id = :u',
    ExpressionAttributeValues: { ':u': { S: user } },
    ConsistentRead: true,
  }));
  return (answer.Items ?? []).map((item) => item.connection_id.S!);
}

const sorted = (values: readonly string[]) => [...values].sort();

/**
 * A dropped connection's row: dave connects, goes (`$disconnect` deletes his row), and his row is written back as a
 * `$disconnect` that never ran would leave it. A post to it gets API Gateway's 410 for a real, gone connection id.
 */
async function staleRow(run: Run): Promise<string> {
  const [dave] = await run.connect(['dave']);
  await run.until(async () => (await rowsOf(dave.user)).length === 1);
  const [connectionId] = await rowsOf(dave.user);
  dave.client.close();
  await run.until(async () => (await rowsOf(dave.user)).length === 0);
  await dynamodb.send(new PutItemCommand({
    TableName: setting('TABLE_NAME'),
    Item: { user_id: { S: dave.user }, connection_id: { S: connectionId }, expires_at: { N: String(Math.floor(Date.now() / 1000) + 3600) } },
  }));
  return dave.user;
}

/**
 * The default pusher (the `data` format) with `connectionRoutes` and `enableDisconnect`: a multicast through the queue,
 * a broadcast with an exclusion through the topic, a dropped connection's row pruned on 410, and a disconnect request
 * that sends its data and closes a client.
 */
async function users(run: Run) {
  const [alice1, alice2, bob, carol] = await run.connect(['alice', 'alice', 'bob', 'carol'], 'data');
  await sendToQueue({ users: [alice1.user], data: { step: 'multicast' } });
  await publishToTopic({ exclude_users: [carol.user], data: { step: 'broadcast' } });
  await run.until(() => alice1.steps.length >= 2 && alice2.steps.length >= 2 && bob.steps.length >= 1);
  const dave = await staleRow(run);
  await sendToQueue({ users: [dave], data: { step: 'to-a-dropped-connection' } });
  const pruned = await run.until(async () => (await rowsOf(dave)).length === 0);
  const since = carol.states.length;
  await sendToQueue({ action: 'disconnect', users: [carol.user], data: { step: 'goodbye' } });
  const carolClosed = await run.until(() => carol.droppedSince(since));
  await run.until(() => carol.steps.length >= 1, 5_000);
  return { alice: [sorted(alice1.steps), sorted(alice2.steps)], bob: bob.steps, carol: carol.steps, pruned, carolClosed };
}

/**
 * Channels with presence and history: two members subscribe; a publish reaches both; bob, closed by a disconnect
 * request, cannot reconnect until alice has what is published meanwhile, so he can only get it by the resume of his
 * history channel: once, and in `seq` order. Presence names both.
 */
async function channels(run: Run) {
  const room = `room/${run.nonce}`;
  const [alice, bob] = await run.connect(['alice', 'bob']);
  await alice.client.subscribe(room);
  await bob.client.subscribe(room);
  await sendToQueue({ channels: [room], data: { step: 'first' } });
  await run.until(() => alice.steps.length >= 1 && bob.steps.length >= 1);
  let release = () => {};
  bob.gate = new Promise<void>((resolve) => (release = resolve));
  const since = bob.states.length;
  await sendToQueue({ action: 'disconnect', users: [bob.user] });
  const bobClosed = await run.until(() => bob.droppedSince(since));
  await publishToTopic({ channels: [room], data: { step: 'while-away' } });
  await run.until(() => alice.steps.length >= 2);
  release();
  await run.until(() => bob.open && bob.steps.length >= 2, 30_000);
  const members = await alice.client.members(room).then((m) => sorted(m.users.map((u) => u.replace(`-${run.nonce}`, ''))), () => []);
  return { alice: alice.steps, bob: bob.steps, bobSeqs: bob.seqs, bobClosed, members };
}

/**
 * A segmented broadcast with deduplication: the same request id twice reaches each of 20 clients once. The client drops a
 * second copy by its envelope id anyway, so the report counts what it dropped too: the pusher must have sent none.
 */
async function segmented(run: Run) {
  const probes = await run.connect(Array.from({ length: 20 }, (_, i) => `user-${i}`));
  const request = { id: `integ-segmented-${run.nonce}`, data: { step: 'broadcast' } };
  await sendToQueue(request);
  await sendToQueue(request);
  await run.until(() => probes.every((p) => p.steps.length >= 1));
  await run.until(() => false, 5_000); // time for a duplicate to arrive, were one sent
  // A broadcast reaches every connection: only this run's clients are counted.
  return { received: probes.map((p) => p.steps.length), duplicates: probes.map((p) => p.duplicates) };
}

const SCENARIOS = { users, channels, segmented } as const;

export async function handler(event: ProbeEvent): Promise<unknown> {
  const scenario = SCENARIOS[event.scenario];
  if (!scenario) throw new Error(`unknown scenario: ${JSON.stringify(event)}`);
  const run = new Run();
  try {
    return await scenario(run);
  } finally {
    run.close();
  }
}
