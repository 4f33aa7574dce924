/**
 * The integration tests' probe (test/integ/): a Lambda function in the deployed test stack that connects real clients
 * (the client package, on Node.js 22's WebSocket) with tokens the stack's authorizer accepts, publishes requests
 * through the pusher's queue and topic with the AWS SDK, and reports what each client received and what became of the
 * connections table. The assertions of `integ-tests-alpha` invoke it and compare its report; it asserts nothing itself.
 *
 * Its settings come from its environment, which the test stack sets: `WS_URL`, `QUEUE_URL`, `TOPIC_ARN`, `TABLE_NAME`.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { WebSocket as NodeWebSocket } from 'ws';
import { WebsocketPusherClient } from '../../../client/src';

/** Which configuration's checks to run: the stack of each integ test deploys one. */
export interface ProbeEvent {
  readonly scenario: 'users' | 'channels' | 'segmented';
}

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

/** Waits until `done()` or `ms` passed; says which. */
async function until(done: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await done()) return true;
    await sleep(250);
  }
  return done();
}

/** A connected client of `user`, and what it received (each message's `data.step`, and its envelope's `seq`). */
class Probe {
  readonly steps: string[] = [];
  readonly seqs: number[] = [];
  readonly states: string[] = [];
  /** Messages the client dropped as duplicates (an envelope id it had delivered): what the pusher sent twice. */
  duplicates = 0;
  readonly client: WebsocketPusherClient;

  constructor(readonly user: string) {
    this.client = new WebsocketPusherClient({ url: setting('WS_URL'), token: () => tokenOf(user), messageFormat: 'envelope', WebSocket: webSocket });
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
}

async function connect(userIds: readonly string[]): Promise<Probe[]> {
  const probes = userIds.map((user) => new Probe(user));
  if (!await until(() => probes.every((p) => p.open))) throw new Error(`not every client connected: ${probes.map((p) => `${p.user} ${p.client.state}`).join(', ')}`);
  return probes;
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
 * The default pusher with `connectionRoutes` and `enableDisconnect`: a multicast through the queue, a broadcast with an
 * exclusion through the topic, a stale row pruned on 410, and a disconnect request that closes a client.
 */
async function users() {
  const [alice1, alice2, bob, carol] = await connect(['alice', 'alice', 'bob', 'carol']);
  await sendToQueue({ users: ['alice'], data: { step: 'multicast' } });
  await publishToTopic({ exclude_users: ['carol'], data: { step: 'broadcast' } });
  await until(() => alice1.steps.length >= 2 && alice2.steps.length >= 2 && bob.steps.length >= 1);
  // A row whose connection is gone (API Gateway answers 410 to a post to it): the pusher prunes it.
  await dynamodb.send(new PutItemCommand({
    TableName: setting('TABLE_NAME'),
    Item: { user_id: { S: 'dave' }, connection_id: { S: 'ZZZZZZZZZZZZZZZ=' }, expires_at: { N: String(Math.floor(Date.now() / 1000) + 3600) } },
  }));
  await sendToQueue({ users: ['dave'], data: { step: 'to-a-gone-connection' } });
  const pruned = await until(async () => (await rowsOf('dave')).length === 0);
  await sendToQueue({ action: 'disconnect', users: ['carol'], data: { step: 'goodbye' } });
  const carolClosed = await until(() => carol.states.includes('reconnecting'));
  for (const p of [alice1, alice2, bob, carol]) p.client.close();
  return {
    alice: [sorted(alice1.steps), sorted(alice2.steps)],
    bob: bob.steps,
    carol: carol.steps,
    pruned,
    carolClosed,
  };
}

/**
 * Channels with presence and history: two members subscribe, a publish reaches both in order, a member closed by a
 * disconnect request reconnects and misses nothing of what was published meanwhile, and presence names both.
 */
async function channels() {
  const [alice, bob] = await connect(['alice', 'bob']);
  await alice.client.subscribe('room/1');
  await bob.client.subscribe('room/1');
  await sendToQueue({ channels: ['room/1'], data: { step: 'first' } });
  await until(() => alice.steps.length >= 1 && bob.steps.length >= 1);
  await sendToQueue({ action: 'disconnect', users: ['bob'] });
  await until(() => bob.states.includes('reconnecting'));
  await publishToTopic({ channels: ['room/1'], data: { step: 'while-away' } });
  await until(() => bob.open && bob.steps.length >= 2 && alice.steps.length >= 2, 60_000);
  const members = await alice.client.members('room/1');
  for (const p of [alice, bob]) p.client.close();
  return { alice: alice.steps, bob: bob.steps, bobSeqs: bob.seqs, members: sorted(members.users) };
}

/**
 * A segmented broadcast with deduplication: the same request id twice reaches each of 20 clients once. The client drops a
 * second copy by its envelope id anyway, so the report counts what it dropped too: the pusher must have sent none.
 */
async function segmented() {
  const probes = await connect(Array.from({ length: 20 }, (_, i) => `user-${i}`));
  const request = { id: 'integ-segmented-1', data: { step: 'broadcast' } };
  await sendToQueue(request);
  await sendToQueue(request);
  await until(() => probes.every((p) => p.steps.length >= 1));
  await sleep(5_000); // time for a duplicate to arrive, were one sent
  for (const p of probes) p.client.close();
  return { received: probes.map((p) => p.steps.length), duplicates: probes.map((p) => p.duplicates) };
}

export async function handler(event: ProbeEvent): Promise<unknown> {
  switch (event.scenario) {
    case 'users': return users();
    case 'channels': return channels();
    case 'segmented': return segmented();
    default: throw new Error(`unknown scenario: ${JSON.stringify(event)}`);
  }
}
