/**
 * `cdk-websocket-pusher local [--app cdk.out] [--stack NAME] [--port 8080]`: runs a synthesized app's pusher, its
 * connection routes and its sources on loopback, for developing a frontend and a backend without deploying.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backendEnv, startLocalCommand, type LocalCommand } from './local-command';
import { identityParameter } from '../api-gateway/routes/authorizers';
import { PACKAGE_JSON } from '../paths';
import { connectionRoutes } from '../template/api';
import { UsageError } from '../template/assembly';

const COMMANDS = ['local'];

const USAGE = `usage: cdk-websocket-pusher local [options]

Runs a synthesized CDK app's WebsocketPusher on loopback, without an AWS account: its WebSocket API (every route of the
template), its tables, queues, topics and functions, and a console in the browser.

options:
  --app <dir>                the cloud assembly \`cdk synth\` wrote (default: cdk.out)
  --stack <name>             the stack to run, when the assembly holds several
  --pusher <construct path>  the pusher to run, when the stacks hold several (e.g. ChatStack/Pusher)
  --port <port>              the WebSocket, Management API and console port (default: 8080)
  --console-port <port>      serve the console on this port instead, under /console
  --authorizer <mode>        stand-in (default): ?token=<user id> is believed;
                             assembly: the $connect route's own Lambda authorizer decides
  --help                     this text
  --version                  the package's version`;

interface Arguments {
  readonly app?: string;
  readonly stack?: string;
  readonly pusher?: string;
  readonly port: number;
  readonly consolePort?: number;
  readonly authorizer: 'stand-in' | 'assembly';
}

/** A port option's value, or an error message naming it. */
function portOf(name: string, value: string | undefined, fallback?: number): number | string | undefined {
  if (value === undefined) return fallback;
  const port = Number(value);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : `--${name} must be a port number, got ${value}`;
}

/** The command line, or the exit code of a wrong one (its message already printed), or of `--help` / `--version`. */
function parse(argv: string[]): Arguments | number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'app': { type: 'string' },
        'stack': { type: 'string' },
        'pusher': { type: 'string' },
        'port': { type: 'string' },
        'console-port': { type: 'string' },
        'authorizer': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.version) {
    console.log(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).version);
    return 0;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = args.positionals;
  if (command === undefined || !COMMANDS.includes(command)) {
    console.error(`${command === undefined ? 'no command' : `unknown command "${command}"`}: the command is local\n\n${USAGE}`);
    return 2;
  }
  if (rest.length > 0) {
    console.error(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
    return 2;
  }
  const port = portOf('port', args.values.port, 8080);
  const consolePort = portOf('console-port', args.values['console-port']);
  const authorizer = args.values.authorizer ?? 'stand-in';
  const wrong = [port, consolePort].find((p): p is string => typeof p === 'string')
    ?? (authorizer !== 'stand-in' && authorizer !== 'assembly' ? `--authorizer must be stand-in or assembly, got ${authorizer}` : undefined);
  if (wrong) {
    console.error(`${wrong}\n\n${USAGE}`);
    return 2;
  }
  return {
    app: args.values.app,
    stack: args.values.stack,
    pusher: args.values.pusher,
    port: port as number,
    consolePort: consolePort as number | undefined,
    authorizer: authorizer as Arguments['authorizer'],
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'number') return args;
  let command: LocalCommand;
  try {
    command = await startLocalCommand(args);
  } catch (error) {
    console.error(`cdk-websocket-pusher local: ${describe(error, args)}`);
    return 1;
  }
  printBlock(command);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await command.stop();
  return 0;
}

function describe(error: unknown, args: Arguments): string {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    const option = args.consolePort !== undefined && e.port === args.consolePort ? '--console-port' : '--port';
    return `port ${e.port ?? args.port} is in use: pass ${option} <another>`;
  }
  if (error instanceof UsageError) return e.message;
  return e.message ?? String(error);
}

function printBlock(command: LocalCommand): void {
  const { system, pusher } = command;
  const connect = connectionRoutes(system.template).$connect;
  console.log(`cdk-websocket-pusher local: ${pusher.stackName}/${pusher.functionLogicalId}, on loopback only (nothing reaches AWS)`);
  if (command.otherPushers > 0) console.log(`  (${command.otherPushers} more pusher(s) in the assembly: ${command.otherPusherPaths.join(', ')}; choose with --pusher)`);
  const parameter = identityParameter(connect?.identitySource ?? []);
  const assembly = command.authorizer === 'assembly';
  const placeholder = `<${assembly ? 'a token your authorizer accepts' : 'user id'}>`;
  console.log(`  WebSocket       ${system.emulator.connectUrl()}${'query' in parameter ? `?${parameter.query}=${placeholder}` : ` with the header ${parameter.header}: ${placeholder}`}`);
  console.log(connect
    ? `                  the template's $connect / $disconnect run locally; ${assembly
      ? 'the authorizer is the app\'s own Lambda authorizer' : 'the authorizer is a LOCAL STAND-IN: the token is the user id'}`
    : `                  no $connect route: write the rows yourself into the table "${system.table.tableName}" at ${system.dynamoEndpoint}`);
  console.log(`  Console         ${command.consoleUrl}`);
  console.log(`  Management API  ${system.emulator.callbackUrl}`);
  console.log(`  DynamoDB        ${system.dynamoEndpoint}, connections table "${system.table.tableName}"`);
  for (const reason of system.routes.unsupportedRoutes) console.log(`  NOT RUN         ${reason}: its frames get API Gateway's error frame`);
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
