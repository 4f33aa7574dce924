import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect as tcpConnect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import WebSocket from 'ws';
import { COMMAND, startCommand, until } from './command';
import { RecordingClient } from '../../../local/client/recording-client';
import { MOTO_VENV } from '../../../local/paths';
import { ConnectionUserId, WebsocketPusher } from '../../../src';
import { synthesizeTypeScriptExample } from '../../examples/typescript-example';

// What a user does: synthesize an app (the README example), run the packaged command on its cloud assembly, connect
// real clients, publish with the AWS SDK to the printed endpoints, and stop it.

const refused = (url: string) => new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  socket.once('connect', () => { socket.destroy(); resolve(false); });
  socket.once('error', () => resolve(true));
});

test('runs a synthesized app on loopback: routes, SQS and SNS sources, pruning, a disconnect; Ctrl-C leaves no port open', async () => {
  // GIVEN the README example synthesized into a cloud assembly, and the command started on it
  const app = synthesizeTypeScriptExample();
  const started = await startCommand(app, 0);
  const { env, webSocketUrl, child, output, tableName } = started;
  const aws = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
  const sqs = new SQSClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const sns = new SNSClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_SNS });
  const dynamodb = new DynamoDBClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  try {
    // WHEN clients connect through the template's $connect with the local token stand-in
    const alice = await RecordingClient.open(webSocketUrl, 'alice', { query: { token: 'alice' } });
    const bob = await RecordingClient.open(webSocketUrl, 'bob', { query: { token: 'bob' } });

    // THEN their rows are in the table, written by the route
    const rows = async () => (await dynamodb.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    expect((await rows()).map((r) => r.user_id.S).sort()).toEqual(['alice', 'bob']);

    // WHEN a backend publishes with the SDK: a multicast on the queue, a broadcast on the topic
    await sqs.send(new SendMessageCommand({ QueueUrl: env.PUSHER_QUEUE_URL, MessageBody: JSON.stringify({ users: ['alice'], data: 'to alice' }) }));
    await until(() => alice.messages.length === 1, 'the multicast');
    await sns.send(new PublishCommand({ TopicArn: env.PUSHER_TOPIC_ARN, Message: JSON.stringify({ data: 'to everyone' }) }));
    await until(() => alice.messages.length === 2 && bob.messages.length === 1, 'the broadcast');

    // THEN each received the envelopes of the example's messageFormat, the broadcast's id the same for both
    const data = (client: RecordingClient) => client.messages.map((m) => JSON.parse(m)).map(({ type, data: d }) => [type, d]);
    expect(data(alice)).toEqual([['message', 'to alice'], ['message', 'to everyone']]);
    expect(data(bob)).toEqual([['message', 'to everyone']]);
    expect(JSON.parse(bob.messages[0]).id).toBe(JSON.parse(alice.messages[1]).id);

    // WHEN a row whose connection is long gone is targeted
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { user_id: { S: 'alice' }, connection_id: { S: 'gone0000000000A=' } } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: env.PUSHER_QUEUE_URL, MessageBody: JSON.stringify({ users: ['alice'], data: 'again' }) }));

    // THEN it is pruned, and alice still gets the message
    await until(async () => (await rows()).every((r) => r.connection_id.S !== 'gone0000000000A='), 'the stale row to be pruned');
    await until(() => alice.messages.length === 3, 'the second multicast');

    // WHEN bob is disconnected by a request
    await sqs.send(new SendMessageCommand({ QueueUrl: env.PUSHER_QUEUE_URL, MessageBody: JSON.stringify({ action: 'disconnect', users: ['bob'], data: 'bye' }) }));
    await bob.whenClosed();

    // THEN bob got the last message, his row is gone, alice is still connected; a line per request was printed
    expect(data(bob)).toEqual([['message', 'to everyone'], ['message', 'bye']]);
    await until(async () => (await rows()).map((r) => r.user_id.S).join() === 'alice', 'bob\'s row to be deleted');
    expect(alice.isOpen).toBe(true);
    expect(output.filter((l) => / sqs multicast +delivered /.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(output.some((l) => / sns broadcast +delivered /.test(l))).toBe(true);
    alice.terminate();
  } finally {
    sqs.destroy();
    sns.destroy();
    dynamodb.destroy();
    // WHEN Ctrl-C
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }

  // THEN nothing is left listening
  for (const url of [webSocketUrl.replace('ws:', 'http:'), env.AWS_ENDPOINT_URL_SQS, env.AWS_ENDPOINT_URL_DYNAMODB]) {
    expect(await refused(url)).toBe(true);
  }
}, 120_000);

describe('errors a user can act on: one line, exit 1', () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [COMMAND, ...args], { env: { ...process.env, MOTO_PYTHON: path.join(MOTO_VENV, 'bin', 'python') } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('exit', (code) => resolve({ code, stderr }));
  });

  test('no cloud assembly', async () => {
    // WHEN / THEN
    expect(await run(['local', '--app', '/nonexistent'])).toEqual({
      code: 1, stderr: 'cdk-websocket-pusher local: no cloud assembly at /nonexistent (no manifest.json): run `cdk synth` first, or pass --app <dir>\n',
    });
  });

  test('no such stack', async () => {
    // GIVEN
    const app = synthesizeTypeScriptExample();

    // WHEN / THEN
    expect(await run(['local', '--app', app, '--stack', 'Other'])).toEqual({
      code: 1, stderr: `cdk-websocket-pusher local: no stack Other in ${app} (stacks: PusherExample)\n`,
    });
  });

  test('a port in use', async () => {
    // GIVEN a port taken
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    // WHEN / THEN
    try {
      expect(await run(['local', '--app', synthesizeTypeScriptExample(), '--port', String(port)])).toEqual({
        code: 1, stderr: `cdk-websocket-pusher local: port ${port} is in use: pass --port <another>\n`,
      });
    } finally {
      server.close();
    }
  });

  test('a wrong command line', async () => {
    // WHEN / THEN
    expect((await run(['serve'])).code).toBe(2);
  });
});

/** An app of its own: the pusher, and either its own $connect / $disconnect functions or connectionRoutes with a Lambda authorizer. */
function synthesizeApp(kind: 'own-connect' | 'lambda-authorizer'): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pusher-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ChatStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const fn = (id: string, code: string) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(code),
  });
  const connect = kind === 'own-connect'
    ? {
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('Connect', fn('ConnectFn',
          ['exports.handler = async (e) => {',
            '  console.log("connect", e.requestContext.connectionId);',
            '  const offered = Object.keys(e.headers || {}).some((name) => name.toLowerCase() === "sec-websocket-protocol");',
            // A header name in capitals: HTTP header names are case-insensitive, and so is API Gateway.
            '  return { statusCode: e.queryStringParameters.token ? 200 : 401, ...(offered ? { headers: { "SEC-WEBSOCKET-PROTOCOL": "chat" } } : {}) };',
            '};'].join('\n'))),
      },
    }
    : {};
  const api = new apigwv2.WebSocketApi(stack, 'Api', connect);
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'dev', autoDeploy: true });
  const authorizer = new WebSocketLambdaAuthorizer('Authorizer', fn('AuthorizerFn', [
    'exports.handler = async (e) => {',
    '  if (e.queryStringParameters.token === "expired") throw new Error("Unauthorized");',
    '  if (e.queryStringParameters.token === "broken") throw new Error("a bug");',
    '  return e.queryStringParameters.token === "secret-alice"',
    '    ? { principalId: "alice", context: { tenant: "acme" }, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: e.methodArn }] } }',
    '    : { principalId: "nobody", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: e.methodArn }] } };',
    '};',
  ].join('\n')), { identitySource: ['route.request.querystring.token'] });
  new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    ...(kind === 'lambda-authorizer' ? { connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer } } : {}),
  });
  app.synth();
  return outdir;
}

describe('the app\'s own functions, from the assembly', () => {
  test('--authorizer assembly: the app\'s Lambda authorizer decides who connects, and as whom', async () => {
    // GIVEN
    const { child, webSocketUrl, env, tableName, output } = await startCommand(synthesizeApp('lambda-authorizer'), 0, ['--authorizer', 'assembly']);
    const dynamodb = new DynamoDBClient({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    try {
      // WHEN
      const alice = await RecordingClient.open(webSocketUrl, 'alice', { query: { token: 'secret-alice' } });
      const denied = RecordingClient.open(webSocketUrl, 'mallory', { query: { token: 'alice' } });
      const unauthorized = RecordingClient.open(webSocketUrl, 'mallory', { query: { token: 'expired' } });
      const failing = RecordingClient.open(webSocketUrl, 'mallory', { query: { token: 'broken' } });
      const noToken = RecordingClient.open(webSocketUrl, 'mallory');

      // THEN the authorizer's principalId is the row's user id; a Deny is 403, a thrown "Unauthorized" or no token 401,
      // any other throw 500, as API Gateway answers them
      await expect(denied).rejects.toThrow('connect refused: 403');
      await expect(unauthorized).rejects.toThrow('connect refused: 401');
      await expect(failing).rejects.toThrow('connect refused: 500');
      await expect(noToken).rejects.toThrow('connect refused: 401');
      const items = (await dynamodb.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
      expect(items.map((i) => [i.user_id.S, i.connection_id.S])).toEqual([['alice', alice.connectionId]]);
      expect(output.join('\n')).toContain('the authorizer is the app\'s own Lambda authorizer');
      alice.terminate();
    } finally {
      dynamodb.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  }, 60_000);

  test('an own $connect Lambda runs, and its status code decides; the block says where rows go', async () => {
    // GIVEN
    const { child, webSocketUrl, output } = await startCommand(synthesizeApp('own-connect'), 0);
    try {
      // WHEN
      const client = await RecordingClient.open(webSocketUrl, 'alice', { query: { token: 'any' } });
      const refusedConnect = RecordingClient.open(webSocketUrl, 'nobody');
      const chat = new WebSocket(`${webSocketUrl}?token=any`, ['chat']);
      await new Promise((resolve, reject) => { chat.once('open', resolve); chat.once('error', reject); });

      // THEN
      await expect(refusedConnect).rejects.toThrow('connect refused: 500');
      // the subprotocol the function's answer selects, whatever its header name's case
      expect(chat.protocol).toBe('chat');
      chat.terminate();
      await until(() => output.some((l) => /ConnectFn[0-9A-F]{8}: /.test(l) && l.includes(`connect ${client.connectionId}`)), 'the function\'s log line');
      expect(output.join('\n')).toMatch(/the template's \$connect \/ \$disconnect run locally/);
      client.terminate();
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  }, 60_000);
});
