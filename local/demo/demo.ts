/**
 * `npm run demo`: the bundled pusher against the local system (dynalite + the API Gateway WebSocket emulator),
 * with real WebSocket clients and no AWS account. Clients connect through the synthesized template's `$connect` /
 * `$disconnect` routes (their request templates rendered and sent to dynalite), with a token authorizer stand-in;
 * some subscribe to a room through its subscribe route (the channels function), and one is refused a channel.
 * Prints, per request, who received what, what was pruned or closed and the handler's own log line and metrics, and
 * the connection stream function's cleanup of a leaving subscriber; exits non-zero if anything it demonstrates did
 * not happen.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOBBY, ROOM_RULES, roomSubscriptions, showCleanup, subscribeClients, subscriptionRows, subscriptionsTable } from './room';
import { key, rule, runStep } from './run-step';
import { demoSteps, roomStep, type DemoUsers } from './steps';
import { ChannelRule, MessageFormat } from '../../src';
import type { AuthorizerAnswer, LocalAuthorizer } from '../api-gateway/routes/authorizers';
import { RecordingClient } from '../client/recording-client';
import { consoleBackend } from '../console/console-backend';
import { consoleHandler } from '../console/console-server';
import { LocalSystem } from '../system/local-system';

/** What the `$connect` route's Lambda authorizer would answer for each token: its local stand-in. */
const TOKENS: Record<string, AuthorizerAnswer> = Object.fromEntries(
  [['alice', 'acme'], ['bob', 'acme'], ['carol', 'globex'], ['dave', 'globex']]
    .map(([user, tenant]) => [`token-${user}`, { principalId: user, context: { tenant } }]),
);
const tokenAuthorizer: LocalAuthorizer = ({ query }) => TOKENS[query.token];

/** The demo app: `connectionRoutes` with the tenant kept, the envelope, and channels. */
const DEMO_APP = {
  authorizerContextAttributes: ['tenant'],
  props: { messageFormat: MessageFormat.ENVELOPE, channels: { rules: ROOM_RULES.map((pattern) => ChannelRule.allow(pattern)) } },
};

/**
 * Runs the demo, printing as it goes; resolves to its exit code (1 when anything it demonstrates did not happen). With
 * `console`, the system runs on with its queues and topic (on moto) and the console in the browser, until Ctrl-C.
 */
export async function runDemo(options: { readonly console?: boolean } = {}): Promise<number> {
  const started = Date.now();
  let served: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const system = await LocalSystem.start({
    seed: 2024,
    authorizer: tokenAuthorizer,
    app: DEMO_APP,
    ...(options.console ? { queues: true, httpHandler: (req, res) => served?.(req, res) ?? false } : {}),
  });
  // Mounted first: the console replays what the demo did to a page opened later.
  if (options.console) served = consoleHandler(consoleBackend(system, { authorizer: 'assembly', tokenHint: 'token-alice' }));
  try {
    const code = await demo(system, started);
    if (options.console) await runOn(system);
    return code;
  } finally {
    await system.stop();
  }
}

/** Keeps the demo's system running, its console served, until Ctrl-C. */
async function runOn(system: LocalSystem): Promise<void> {
  console.log(rule('Console'));
  console.log(`  open http://127.0.0.1:${system.emulator.port}/console in a browser (tokens: token-alice, token-bob, token-carol, token-dave)`);
  console.log('  the demo\'s clients stay connected; Ctrl-C stops everything');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function demo(system: LocalSystem, started: number): Promise<number> {
  console.log('WebsocketPusher demo: the bundled handler (assets/lambda/pusher.lambda/index.js) against a local stack');
  console.log(`  DynamoDB      dynalite at ${system.dynamoEndpoint}, table "${system.table.tableName}" (user_id, connection_id)`);
  console.log(`  API Gateway   WebSocket emulator at ${system.emulator.connectUrl()}, Management API ${system.emulator.callbackUrl}`);
  console.log(`  Channels      table "${subscriptionsTable(system)}" (channel_key, connection_id); the channels function and the`);
  console.log('                connection stream function (on the connections table\'s stream) from assets/lambda/');
  const users = await connectUsers(system);
  let failures = await showRefusedConnect(system);
  const pusher = await system.loadPusher();
  const everyone = () => system.clients.filter((c) => c !== users.vanishing && c.isOpen);
  const steps = demoSteps(system, users);
  for (const [index, step] of steps.entries()) {
    failures += await runStep(system, pusher, step, `demo-${index + 1}`, everyone);
  }
  const subscriptions = roomSubscriptions(users);
  failures += await subscribeClients(system, subscriptions);
  const lobby = subscriptions.filter((s) => s.channel === LOBBY && s.expect === 'subscribed').map((s) => s.client);
  failures += await runStep(system, pusher, roomStep(users.alice[0], lobby, LOBBY), `demo-${steps.length + 1}`, everyone);
  failures += await showCleanup(system, users.dave[0], `${steps.length + 2}. dave's first socket leaves: $disconnect deletes its row, the stream function its subscriptions`);
  failures += await summary(system, everyone);
  console.log(`  ${failures === 0 ? '✓ every request behaved as expected' : `✗ ${failures} expectation(s) not met`} (${Date.now() - started} ms)`);
  return failures === 0 ? 0 : 1;
}

/** What the Management API answered, and whether the tables hold exactly the live connections and their subscriptions. */
async function summary(system: LocalSystem, everyone: () => RecordingClient[]): Promise<number> {
  const stats = system.emulator.stats;
  const rows = (await system.rows()).map(key).sort();
  const live = everyone();
  const liveRows = live.map((c) => `${c.userId}/${c.connectionId}`).sort();
  const tableOk = JSON.stringify(rows) === JSON.stringify(liveRows);
  const subscriptions = await subscriptionRows(system);
  const subscriptionsOk = subscriptions.every((s) => live.some((c) => c.connectionId === s.connection_id));
  console.log(rule('Summary'));
  console.log(`  Management API  ${stats.requests.POST} POSTs, ${stats.requests.DELETE} DELETE: ${Object.entries(stats.byStatus).map(([s, n]) => `${n}×${s}`).join(', ')}`);
  console.log(`  table           ${rows.length} rows left, ${tableOk ? 'exactly the live connections' : `✗ expected exactly the ${liveRows.length} live connections`}`);
  console.log(`  subscriptions   ${subscriptions.length} rows left, ${subscriptionsOk ? 'each of a live connection' : '✗ some of a connection that is gone'}`);
  return (tableOk ? 0 : 1) + (subscriptionsOk ? 0 : 1);
}

/** Connects every user's clients through `$connect` with their tokens, and prints them and a row. */
async function connectUsers(system: LocalSystem): Promise<DemoUsers> {
  const users: Record<string, RecordingClient[]> = {};
  for (const [user, count] of Object.entries({ alice: 2, bob: 2, carol: 1, dave: 3 })) {
    users[user] = [];
    for (let i = 0; i < count; i++) users[user].push(await system.open(user, { query: { token: `token-${user}` } }));
  }
  console.log(rule('Connected clients (real ws sockets, ?token=…; each row written by the $connect route)'));
  console.log('  routes        $connect → DynamoDB PutItem, $disconnect → DeleteItem (the synthesized template\'s, rendered)');
  for (const [user, clients] of Object.entries(users)) {
    console.log(`  ${user.padEnd(6)} ${clients.map((c) => c.connectionId).join('  ')}`);
  }
  const [item] = (await system.table.items()).filter((i) => i.connection_id === users.alice[0].connectionId);
  console.log(`  a row         ${JSON.stringify(item)}`);
  console.log('                (user_id from the authorizer, tenant from its context, expires_at = connect time + connectionTtl)');
  return { alice: users.alice, bob: users.bob, carol: users.carol, dave: users.dave, vanishing: users.dave[2] };
}

/** A forged token is refused at `$connect`: 0 when it was, 1 (a failure) when it was not. */
async function showRefusedConnect(system: LocalSystem): Promise<number> {
  const refused = await RecordingClient.open(system.emulator.connectUrl(), 'mallory', { query: { token: 'forged' } }).then(() => 'accepted', (e: Error) => e.message);
  console.log(`  ?token=forged ${refused}: the authorizer refused it, no row written`);
  return refused === 'connect refused: 401' ? 0 : 1;
}

// Lambda runs the function on Node.js 22: the SDK's notice about older Node.js versions is noise in the demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (require.main === module) {
  const args = process.argv.slice(2);
  const unknown = args.find((a) => a !== '--console');
  if (unknown !== undefined) {
    console.error(`unknown option ${unknown}: usage: npm run demo [-- --console]`);
    process.exit(2);
  }
  runDemo({ console: args.includes('--console') }).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
