import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { COMMAND, startCommand, stopCommand } from './command';
import { RecordingClient } from '../../../local/client/recording-client';
import { MOTO_VENV } from '../../../local/paths';
import { ConnectionUserId, WebsocketPusher } from '../../../src';

// The command line as a user meets it: --help, --version, a typo, --pusher among several pushers, --console-port, the
// stand-in reading the identity source the app's authorizer reads, and the errors that name the option to change.

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (args: string[]) => new Promise<Run>((resolve) => {
  const child = spawn(process.execPath, [COMMAND, ...args], { env: { ...process.env, MOTO_PYTHON: path.join(MOTO_VENV, 'bin', 'python') } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  child.once('exit', (code) => resolve({ code, stdout, stderr }));
});

interface AppOptions {
  /** One pusher per construct path, each on its own API. */
  readonly pushers: readonly string[];
  /** The query string parameter the authorizer reads. */
  readonly identity?: string;
  readonly stageName?: string;
}

/** An app with pushers (each with connectionRoutes and a Lambda authorizer on its own API), synthesized. */
function synthesize({ pushers, identity = 'token', stageName = 'live' }: AppOptions): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'command-line-'));
  // With the construct paths in the template's metadata, as the CDK CLI's `cdk synth` writes them.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Chat');
  for (const id of pushers) {
    const api = new apigwv2.WebSocketApi(stack, `${id}Api`);
    const stage = new apigwv2.WebSocketStage(stack, `${id}Stage`, { webSocketApi: api, stageName, autoDeploy: true });
    const authorizerFn = new lambda.Function(stack, `${id}AuthorizerFn`, {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("Unauthorized"); };'),
    });
    const authorizer = new WebSocketLambdaAuthorizer(`${id}Authorizer`, authorizerFn, { identitySource: [`route.request.querystring.${identity}`] });
    new WebsocketPusher(stack, id, { webSocketStage: stage, connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer } });
  }
  app.synth();
  return outdir;
}

const USAGE_OPTIONS = ['--app <dir>', '--stack <name>', '--pusher <construct path>', '--port <port>', '--console-port <port>', '--authorizer <mode>', '--help', '--version'];

describe('what the command says of itself', () => {
  test('--help describes every option, on stdout, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: cdk-websocket-pusher local \[options\]/);
    for (const option of USAGE_OPTIONS) expect(stdout).toContain(`  ${option}`);
  });

  test('--version is the package\'s', async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('a typo is an unknown command, with the usage, exit 2', async () => {
    const { code, stdout, stderr } = await run(['lcoal']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^unknown command "lcoal": the command is local\n\nusage: /);
  });

  test('a wrong option value names the option', async () => {
    expect((await run(['local', '--console-port', 'eighty'])).stderr).toMatch(/^--console-port must be a port number, got eighty\n/);
    expect((await run(['local', '--authorizer', 'mine'])).stderr).toMatch(/^--authorizer must be stand-in or assembly, got mine\n/);
  });
});

describe('choosing the pusher', () => {
  let app: string;
  beforeAll(() => {
    app = synthesize({ pushers: ['Chat', 'ChatAlerts', 'Feed'] });
  });

  test('without --pusher, the first runs and the banner names the others', async () => {
    const started = await startCommand(app, 0);
    await stopCommand(started.child);
    expect(started.output).toContain('  (2 more pusher(s) in the assembly: Chat/ChatAlerts, Chat/Feed; choose with --pusher)');
  });

  test('--pusher runs the one at that construct path', async () => {
    const started = await startCommand(app, 0, ['--pusher', 'Chat/Feed']);
    await stopCommand(started.child);
    expect(started.output[0]).toMatch(/^cdk-websocket-pusher local: Chat\/FeedFunction\w+, on loopback only/);
    expect(started.output).toContain('  (2 more pusher(s) in the assembly: Chat/Chat, Chat/ChatAlerts; choose with --pusher)');
  });

  test('a path that names no pusher, or several, is refused with the list', async () => {
    const pushers = '(pushers: Chat/Chat, Chat/ChatAlerts, Chat/Feed)';
    expect(await run(['local', '--app', app, '--pusher', 'Chat/Nope'])).toMatchObject({
      code: 1, stderr: `cdk-websocket-pusher local: --pusher Chat/Nope: no pusher at that construct path ${pushers}\n`,
    });
    expect(await run(['local', '--app', app, '--pusher', 'Chat'])).toMatchObject({
      code: 1, stderr: `cdk-websocket-pusher local: --pusher Chat: 3 pushers are under that construct path ${pushers}\n`,
    });
  });
});

describe('the console\'s port, and the stand-in\'s parameter', () => {
  test('--console-port serves the console on its own port; the stand-in reads the parameter the authorizer reads', async () => {
    // GIVEN an app whose authorizer reads ?auth=, run with the console on a port of its own
    const port = await freePort();
    const started = await startCommand(synthesize({ pushers: ['Pusher'], identity: 'auth' }), 0, ['--console-port', String(port)]);
    try {
      // THEN the banner says where the console is and which parameter carries the user id
      expect(started.output).toContain(`  Console         http://127.0.0.1:${port}/console`);
      expect(started.output.find((l) => l.startsWith('  WebSocket'))).toMatch(/\/live\?auth=<user id>$/);
      const page = await fetch(`http://127.0.0.1:${port}/console`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<h2 id="connections-heading">Connections')]);
      const state = await (await fetch(`http://127.0.0.1:${port}/console/state`)).json() as { auth: { parameter: string } };
      expect(state.auth).toEqual({ asks: 'user id', parameter: 'auth' });

      // AND a client with ?auth= connects as that user; ?token= lacks the identity source (401)
      const alice = await RecordingClient.open(started.webSocketUrl, 'alice', { query: { auth: 'alice' } });
      await expect(RecordingClient.open(started.webSocketUrl, 'bob', { query: { token: 'bob' } })).rejects.toThrow('connect refused: 401');
      expect(started.output).toContainEqual(expect.stringMatching(new RegExp(`\\$connect +accepted +${alice.connectionId.replace(/[+/=]/g, '\\$&')} principal=alice$`)));
      alice.terminate();
    } finally {
      await stopCommand(started.child);
    }
  });

  test('a console port in use, and a stage named console, name the option to pass', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as AddressInfo).port;
    try {
      expect(await run(['local', '--app', synthesize({ pushers: ['Pusher'] }), '--port', '0', '--console-port', String(taken)])).toMatchObject({
        code: 1, stderr: `cdk-websocket-pusher local: port ${taken} is in use: pass --console-port <another>\n`,
      });
    } finally {
      server.close();
    }
    expect(await run(['local', '--app', synthesize({ pushers: ['Pusher'], stageName: 'console' }), '--port', '0'])).toMatchObject({
      code: 1,
      stderr: 'cdk-websocket-pusher local: the stage is named "console", the console\'s own path on the WebSocket port: pass --console-port <port>\n',
    });
  });

  test('--authorizer assembly asks for a token the app\'s authorizer accepts', async () => {
    const started = await startCommand(synthesize({ pushers: ['Pusher'] }), 0, ['--authorizer', 'assembly']);
    await stopCommand(started.child);
    expect(started.output.find((l) => l.startsWith('  WebSocket'))).toMatch(/\/live\?token=<a token your authorizer accepts>$/);
    expect(started.output).toContain('                  the template\'s $connect / $disconnect run locally; the authorizer is the app\'s own Lambda authorizer');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
