/**
 * `npm run demo`: the bundled pusher against the local stack (dynalite + the API Gateway WebSocket emulator),
 * with real WebSocket clients and no AWS account. Clients connect through the synthesized template's `$connect` /
 * `$disconnect` routes (their request templates rendered and sent to dynalite), with a token authorizer stand-in.
 * Prints, per request, who received what, what was pruned or closed and the handler's own log line and metrics;
 * exits non-zero if anything it demonstrates did not happen.
 */
import { RecordingClient } from './client';
import type { ConnectionRow } from './connections-table';
import { snsEvent, sqsEvent } from './events';
import type { HandlerRunner, Invocation } from './handler-runner';
import type { AuthorizerAnswer, LocalAuthorizer } from './routes';
import { LocalStack } from './stack';

interface Step {
  readonly title: string;
  readonly via: 'SQS' | 'SNS';
  readonly request: Record<string, unknown> | string;
  /** Runs just before the request is sent (e.g. a connection vanishing). */
  readonly before?: () => Promise<string | undefined>;
  /** The clients that must receive the request, once each. */
  readonly receivers: () => readonly RecordingClient[];
  /** The rows the request must prune (or, for a disconnect, delete). */
  readonly pruned: () => readonly ConnectionRow[];
  /** The clients whose sockets the request must close. */
  readonly closed?: () => readonly RecordingClient[];
  /** The outcome the handler must report. */
  readonly outcome: 'delivered' | 'invalid';
}

const rule = (title: string) => `\n── ${title} ${'─'.repeat(Math.max(3, 74 - title.length))}`;
const label = (name: string) => name.padEnd(10);
const key = (row: ConnectionRow) => `${row.userId}/${row.connectionId}`;

/** What the `$connect` route's Lambda authorizer would answer for each token: its local stand-in. */
const TOKENS: Record<string, AuthorizerAnswer> = Object.fromEntries(
  [['alice', 'acme'], ['bob', 'acme'], ['carol', 'globex'], ['dave', 'globex']]
    .map(([user, tenant]) => [`token-${user}`, { principalId: user, context: { tenant } }]),
);
const tokenAuthorizer: LocalAuthorizer = ({ query }) => TOKENS[query.token];

async function main(): Promise<number> {
  const started = Date.now();
  const stack = await LocalStack.start({ seed: 2024, authorizer: tokenAuthorizer, app: { authorizerContextAttributes: ['tenant'] } });
  try {
    return await demo(stack, started);
  } finally {
    await stack.stop();
  }
}

async function demo(stack: LocalStack, started: number): Promise<number> {
  console.log('WebsocketPusher demo: the bundled handler (assets/lambda/pusher.lambda/index.js) against a local stack');
  console.log(`  DynamoDB      dynalite at ${stack.dynamoEndpoint}, table "${stack.table.tableName}" (user_id, connection_id)`);
  console.log(`  API Gateway   WebSocket emulator at ${stack.emulator.connectUrl()}, Management API ${stack.emulator.callbackUrl}`);

  const users: Record<string, RecordingClient[]> = {};
  for (const [user, count] of Object.entries({ alice: 2, bob: 2, carol: 1, dave: 3 })) {
    users[user] = [];
    for (let i = 0; i < count; i++) users[user].push(await stack.open(user, { query: { token: `token-${user}` } }));
  }
  const { alice, bob, carol, dave } = users;
  const vanishing = dave[2];
  console.log(rule('Connected clients (real ws sockets, ?token=…; each row written by the $connect route)'));
  console.log('  routes        $connect → DynamoDB PutItem, $disconnect → DeleteItem (the synthesized template\'s, rendered)');
  for (const [user, clients] of Object.entries(users)) {
    console.log(`  ${user.padEnd(6)} ${clients.map((c) => c.connectionId).join('  ')}`);
  }
  const [item] = (await stack.table.items()).filter((i) => i.connection_id === alice[0].connectionId);
  console.log(`  a row         ${JSON.stringify(item)}`);
  console.log('                (user_id from the authorizer, tenant from its context, expires_at = connect time + connectionTtl)');
  const refused = await RecordingClient.open(stack.emulator.connectUrl(), 'mallory', { query: { token: 'forged' } }).then(() => 'accepted', (e: Error) => e.message);
  console.log(`  ?token=forged ${refused}: the authorizer refused it, no row written`);
  let failures = refused === 'connect refused: 401' ? 0 : 1;

  const pusher = await stack.loadHandler({ DISCONNECT_ENABLED: 'true' });
  const everyone = () => stack.clients.filter((c) => c !== vanishing);
  const steps: Step[] = [
    {
      title: '1. Multicast to alice and bob',
      via: 'SQS',
      request: { data: { type: 'chat', from: 'carol', text: 'lunch at noon?' }, users: ['alice', 'bob', 'alice'] },
      receivers: () => [...alice, ...bob],
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '2. Broadcast (the seed format: "users": null)',
      via: 'SNS',
      request: { data: { type: 'announcement', text: 'deploy at 17:00' }, users: null },
      receivers: () => stack.clients,
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '3. Broadcast excluding a user and the sender\'s own socket',
      via: 'SQS',
      request: { data: { type: 'presence', user: 'bob', status: 'online' }, exclude_users: ['bob'], exclude_connections: [alice[0].connectionId] },
      receivers: () => [alice[1], ...carol, ...dave],
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '4. Multicast to dave, one of whose connections vanished without $disconnect',
      via: 'SQS',
      request: { data: { type: 'chat', from: 'alice', text: 'are you there?' }, users: ['dave'] },
      before: async () => {
        await stack.makeStale(vanishing);
        return `dave's connection ${vanishing.connectionId} dropped; its row stays in the table (a stale row)`;
      },
      receivers: () => [dave[0], dave[1]],
      pruned: () => [{ userId: 'dave', connectionId: vanishing.connectionId }],
      outcome: 'delivered',
    },
    {
      title: '5. An invalid request (no "data"): reported, not retried, nothing sent',
      via: 'SQS',
      request: { users: ['alice'], text: 'where is data?' },
      receivers: () => [],
      pruned: () => [],
      outcome: 'invalid',
    },
    {
      title: '6. Disconnect carol: a last message, then her socket is closed and her row deleted',
      via: 'SQS',
      request: { action: 'disconnect', users: ['carol'], data: { type: 'session', text: 'signed out elsewhere' } },
      receivers: () => carol,
      pruned: () => carol.map((c) => ({ userId: 'carol', connectionId: c.connectionId })),
      closed: () => carol,
      outcome: 'delivered',
    },
  ];

  for (const [index, step] of steps.entries()) {
    failures += await runStep(stack, pusher, step, `demo-${index + 1}`, everyone);
  }

  const stats = stack.emulator.stats;
  const rows = (await stack.rows()).map(key).sort();
  const liveRows = everyone().filter((c) => c.isOpen).map((c) => `${c.userId}/${c.connectionId}`).sort();
  const tableOk = JSON.stringify(rows) === JSON.stringify(liveRows);
  failures += tableOk ? 0 : 1;
  console.log(rule('Summary'));
  console.log(`  Management API  ${stats.requests.POST} POSTs, ${stats.requests.DELETE} DELETE: ${Object.entries(stats.byStatus).map(([s, n]) => `${n}×${s}`).join(', ')}`);
  console.log(`  table           ${rows.length} rows left, ${tableOk ? 'exactly the live connections' : `✗ expected exactly the ${liveRows.length} live connections`}`);
  console.log(`  ${failures === 0 ? '✓ every request behaved as expected' : `✗ ${failures} expectation(s) not met`} (${Date.now() - started} ms)`);
  return failures === 0 ? 0 : 1;
}

async function runStep(
  stack: LocalStack, pusher: HandlerRunner, step: Step, messageId: string, live: () => RecordingClient[],
): Promise<number> {
  console.log(rule(`${step.title} (${step.via})`));
  const note = await step.before?.();
  if (note) {
    console.log(`  ${label('before')}${note}`);
  }
  const rowsBefore = await stack.rows();
  const seen = new Map(stack.clients.map((c) => [c, c.messages.length]));
  console.log(`  ${label('request')}${typeof step.request === 'string' ? step.request : JSON.stringify(step.request)}`);

  const event = step.via === 'SNS'
    ? snsEvent(step.request, { messageIds: [messageId] })
    : sqsEvent([step.request], { messageIds: [messageId] });
  const invocation = await pusher.invoke(event);
  await stack.deliveries();
  await Promise.all((step.closed?.() ?? []).map((c) => c.whenClosed()));
  await stack.emulator.settled();

  const received = stack.clients.map((c) => ({ client: c, messages: c.messages.slice(seen.get(c)) })).filter((r) => r.messages.length > 0);
  if (received.length === 0) {
    console.log(`  ${label('received')}nobody`);
  }
  received.forEach(({ client, messages }, i) => {
    for (const message of messages) {
      console.log(`  ${label(i === 0 ? 'received' : '')}${client.userId.padEnd(6)} ${client.connectionId}  ${message}`);
    }
  });
  const skipped = live().filter((c) => !received.some((r) => r.client === c));
  if (skipped.length > 0 && received.length > 0) {
    console.log(`  ${label('not sent')}${skipped.map((c) => `${c.userId} ${c.connectionId}`).join(', ')}`);
  }
  const rowsAfter = new Set((await stack.rows()).map(key));
  const pruned = rowsBefore.filter((row) => !rowsAfter.has(key(row)));
  console.log(`  ${label(step.closed ? 'deleted' : 'pruned')}${pruned.length === 0 ? 'nothing' : pruned.map(key).join(', ')}`);
  const closed = (step.closed?.() ?? []).filter((c) => !c.isOpen);
  if (step.closed) console.log(`  ${label('closed')}${closed.map((c) => `${c.userId} ${c.connectionId} (close code ${c.closeCode})`).join(', ') || 'nothing'}`);
  printHandlerOutput(invocation, messageId);

  return verify(step, received, pruned, invocation, messageId);
}

function printHandlerOutput(invocation: Invocation, messageId: string): void {
  const report = invocation.json.find((line) => line.message === 'request processed' && line.messageId === messageId);
  if (report) {
    const fields = ['outcome', 'kind', 'targets', 'delivered', 'gone', 'pruned', 'retried', 'failed', ...(report.closed ? ['closed'] : []), 'durationMs'];
    console.log(`  ${label('handler')}${report.level} "${report.message}" ${fields.map((f) => `${f}=${report[f]}`).join(' ')}`);
    if (report.error) {
      console.log(`  ${label('')}error ${report.error.code}: ${report.error.message}`);
    }
  }
  for (const emf of invocation.json.filter((line) => line._aws?.CloudWatchMetrics)) {
    const [directive] = emf._aws.CloudWatchMetrics;
    const metrics = directive.Metrics.map((m: { Name: string; Unit: string }) => `${m.Name}=${emf[m.Name]}${m.Unit === 'Milliseconds' ? 'ms' : ''}`);
    console.log(`  ${label('metrics')}${directive.Namespace} (EMF): ${metrics.join(' ')}`);
  }
  const result = invocation.error ? `threw ${invocation.error.name}: ${invocation.error.message}` : JSON.stringify(invocation.result) ?? 'resolved';
  console.log(`  ${label('returned')}${result}`);
}

function verify(
  step: Step, received: { client: RecordingClient; messages: string[] }[], pruned: ConnectionRow[], invocation: Invocation, messageId: string,
): number {
  const problems: string[] = [];
  const expectedText = typeof step.request === 'object' && 'data' in step.request ? JSON.stringify(step.request.data) : undefined;
  const receivers = new Set(step.receivers());
  for (const client of receivers) {
    const got = received.find((r) => r.client === client)?.messages ?? [];
    if (got.length !== 1 || got[0] !== expectedText) {
      problems.push(`${client.userId} ${client.connectionId} received ${got.length} message(s), expected exactly the request's data once`);
    }
  }
  for (const { client } of received.filter((r) => !receivers.has(r.client))) {
    problems.push(`${client.userId} ${client.connectionId} received a message it should not have`);
  }
  const expectedPruned = step.pruned().map(key).sort();
  if (JSON.stringify(pruned.map(key).sort()) !== JSON.stringify(expectedPruned)) {
    problems.push(`pruned ${JSON.stringify(pruned.map(key))}, expected ${JSON.stringify(expectedPruned)}`);
  }
  const report = invocation.json.find((line) => line.message === 'request processed' && line.messageId === messageId);
  if (report?.outcome !== step.outcome) {
    problems.push(`the handler reported outcome ${report?.outcome}, expected ${step.outcome}`);
  }
  if (invocation.error) {
    problems.push(`the invocation failed: ${invocation.error.message}`);
  }
  for (const client of step.closed?.() ?? []) {
    if (client.isOpen) problems.push(`${client.userId} ${client.connectionId} is still open`);
  }
  for (const problem of problems) {
    console.log(`  ✗ ${problem}`);
  }
  return problems.length;
}

// Lambda runs the function on Node.js 22: the SDK's notice about older Node.js versions is noise in the demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
