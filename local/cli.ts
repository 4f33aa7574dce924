/**
 * `cdk-websocket-pusher local [--app cdk.out] [--stack NAME] [--port 8080]`: runs a synthesized app's pusher, its
 * connection routes and its sources on loopback, for developing a frontend and a backend without deploying.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './assembly';
import { LocalRun } from './run-assembly';

const USAGE = 'usage: cdk-websocket-pusher local [--app <cloud assembly dir, default cdk.out>] [--stack <name>] [--port <port, default 8080>]'
  + ' [--authorizer stand-in|assembly]';

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        app: { type: 'string' }, stack: { type: 'string' }, port: { type: 'string' }, authorizer: { type: 'string' }, help: { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help || args.positionals[0] !== 'local') {
    console.error(USAGE);
    return args.values.help ? 0 : 2;
  }
  const port = args.values.port === undefined ? 8080 : Number(args.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, got ${args.values.port}\n${USAGE}`);
    return 2;
  }
  const authorizer = args.values.authorizer ?? 'stand-in';
  if (authorizer !== 'stand-in' && authorizer !== 'assembly') {
    console.error(`--authorizer must be stand-in or assembly, got ${authorizer}\n${USAGE}`);
    return 2;
  }
  let run: LocalRun;
  try {
    run = await LocalRun.start({ app: args.values.app, stack: args.values.stack, port, authorizer });
  } catch (error) {
    console.error(`cdk-websocket-pusher local: ${describe(error, port)}`);
    return 1;
  }
  printBlock(run);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await run.stop();
  return 0;
}

function describe(error: unknown, port: number): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return `port ${port} is in use: pass --port <another>`;
  if (error instanceof UsageError) return e.message;
  return e.message ?? String(error);
}

function printBlock(run: LocalRun): void {
  const stack = run.stack!;
  const { queueUrl, topicArn } = run.publishTargets();
  const hasRoutes = run.template && Object.values(run.template.Resources).some((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties?.RouteKey === '$connect');
  console.log(`cdk-websocket-pusher local: ${run.pusher.stackName}/${run.pusher.functionLogicalId}, on loopback only (nothing reaches AWS)`);
  if (run.otherPushers > 0) console.log(`  (${run.otherPushers} more pusher(s) in the assembly: choose one with --stack)`);
  console.log(`  WebSocket       ${stack.emulator.connectUrl()}?token=<user id>`);
  console.log(hasRoutes
    ? `                  the template's $connect / $disconnect run locally; ${run.authorizer === 'assembly'
      ? 'the authorizer is the app\'s own Lambda authorizer' : 'the authorizer is a LOCAL STAND-IN: the token is the user id'}`
    : `                  no $connect route: write the rows yourself into the table "${stack.table.tableName}" at ${stack.dynamoEndpoint}`);
  console.log(`  Management API  ${stack.emulator.callbackUrl}`);
  console.log(`  DynamoDB        ${stack.dynamoEndpoint}, connections table "${stack.table.tableName}"`);
  console.log('');
  console.log('Backend environment (paste into the shell that runs your backend):');
  const targets = { ...(queueUrl ? { PUSHER_QUEUE_URL: queueUrl } : {}), ...(topicArn ? { PUSHER_TOPIC_ARN: topicArn } : {}) };
  for (const [name, value] of Object.entries({ ...run.backendEnv(), ...targets })) {
    console.log(`  export ${name}=${value}`);
  }
  console.log('');
  console.log('Requests (Ctrl-C stops everything):');
}

if (require.main === module) {
  // Lambda runs the handler on Node.js 22: the SDK's notice about this Node.js version is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(1);
  });
}
