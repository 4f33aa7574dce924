/**
 * `cdk-websocket-pusher local [--app cdk.out] [--stack NAME] [--port 8080]`: runs a synthesized app's pusher, its
 * connection routes and its sources on loopback, for developing a frontend and a backend without deploying.
 */
import { parseArgs } from 'node:util';
import { backendEnv, startLocalCommand, type LocalCommand } from './local-command';
import { connectionRoutes } from '../template/api';
import { UsageError } from '../template/assembly';

const USAGE = 'usage: cdk-websocket-pusher local [--app <cloud assembly dir, default cdk.out>] [--stack <name>] [--port <port, default 8080>]'
  + ' [--authorizer stand-in|assembly]';

interface Arguments {
  readonly app?: string;
  readonly stack?: string;
  readonly port: number;
  readonly authorizer: 'stand-in' | 'assembly';
}

/** The command line, or the exit code of a wrong one (its message already printed). */
function parse(argv: string[]): Arguments | number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { app: { type: 'string' }, stack: { type: 'string' }, port: { type: 'string' }, authorizer: { type: 'string' }, help: { type: 'boolean' } },
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
  return { app: args.values.app, stack: args.values.stack, port, authorizer };
}

export async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'number') return args;
  let command: LocalCommand;
  try {
    command = await startLocalCommand(args);
  } catch (error) {
    console.error(`cdk-websocket-pusher local: ${describe(error, args.port)}`);
    return 1;
  }
  printBlock(command);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await command.system.stop();
  return 0;
}

function describe(error: unknown, port: number): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return `port ${port} is in use: pass --port <another>`;
  if (error instanceof UsageError) return e.message;
  return e.message ?? String(error);
}

function printBlock(command: LocalCommand): void {
  const { system, pusher } = command;
  const hasConnect = connectionRoutes(system.template).$connect !== undefined;
  console.log(`cdk-websocket-pusher local: ${pusher.stackName}/${pusher.functionLogicalId}, on loopback only (nothing reaches AWS)`);
  if (command.otherPushers > 0) console.log(`  (${command.otherPushers} more pusher(s) in the assembly: choose one with --stack)`);
  console.log(`  WebSocket       ${system.emulator.connectUrl()}?token=<user id>`);
  console.log(hasConnect
    ? `                  the template's $connect / $disconnect run locally; ${command.authorizer === 'assembly'
      ? 'the authorizer is the app\'s own Lambda authorizer' : 'the authorizer is a LOCAL STAND-IN: the token is the user id'}`
    : `                  no $connect route: write the rows yourself into the table "${system.table.tableName}" at ${system.dynamoEndpoint}`);
  console.log(`  Management API  ${system.emulator.callbackUrl}`);
  console.log(`  DynamoDB        ${system.dynamoEndpoint}, connections table "${system.table.tableName}"`);
  console.log('');
  console.log('Backend environment (paste into the shell that runs your backend):');
  for (const [name, value] of Object.entries(backendEnv(command))) console.log(`  export ${name}=${value}`);
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
