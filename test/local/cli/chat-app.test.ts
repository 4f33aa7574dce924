import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketAwsIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { startCommand, stopCommand, until, type Started } from './command';
import { RecordingClient } from '../../../local/client/recording-client';
import { ConnectionUserId, WebsocketPusher } from '../../../src';

// A chat app of the tests' own, as a new user writes one, run through the packaged command: a `sendmessage` route whose
// Lambda publishes to the pusher's queue with the AWS SDK (which Lambda's runtime provides), an `echo` Lambda route that
// replies by the Management API, a `whoami` two-way Lambda route, an `enqueue` route that is an SQS service integration straight to the pusher's queue, the construct's `ping`
// (a mock integration), and, in the second run, a `$default` Lambda route; every frame a line in the command's log.

const SEND_MESSAGE = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const from = event.requestContext.authorizer.principalId;
  const { to, text } = JSON.parse(event.body);
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.PUSHER_QUEUE_URL,
    MessageBody: JSON.stringify({ users: to, data: { from, text } }),
  }));
  console.log('sent', from, '->', to.join(','));
  // A line shaped like the pusher's report: the app's own line, not a request
  console.log(JSON.stringify({ message: 'request processed', source: 'forged', kind: 'multicast', outcome: 'delivered', targets: 99 }));
  return { statusCode: 200 };
};`;

const WHOAMI = `exports.handler = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ you: event.requestContext.authorizer.principalId, route: event.requestContext.routeKey, stage: event.requestContext.stage }),
});`;

// A reply by the Management API, as apps post back: the endpoint is the command's environment locally, the API's in AWS.
const ECHO = `
const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require('@aws-sdk/client-apigatewaymanagementapi');
exports.handler = async (event) => {
  const { domainName, stage, connectionId } = event.requestContext;
  const endpoint = process.env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI ?? 'https://' + domainName + '/' + stage;
  const api = new ApiGatewayManagementApiClient({ endpoint });
  await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ echo: JSON.parse(event.body).text }) }));
  return { statusCode: 200 };
};`;

const BOOM = 'exports.handler = async () => { throw new Error("the table is \\u001b[31mon fire\\nreally"); };';

const CATCH_ALL = 'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ unknown: event.body }) });';

/** The chat app, synthesized into a cloud assembly; with `withDefault`, a `$default` route too. */
function synthesizeChatApp(withDefault: boolean): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'chat-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ChatStack');
  const fn = (id: string, code: string) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(code), timeout: Duration.seconds(10),
  });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'chat', autoDeploy: true });
  const authorizer = new WebSocketLambdaAuthorizer('Authorizer', fn('AuthorizerFn', 'exports.handler = async () => { throw new Error("Unauthorized"); };'), {
    identitySource: ['route.request.querystring.token'],
  });
  const pusher = new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    enableDisconnect: true,
    connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer },
  });
  const sendMessage = fn('SendMessageFn', SEND_MESSAGE);
  sendMessage.addEnvironment('PUSHER_QUEUE_URL', pusher.queue!.queueUrl);
  pusher.queue!.grantSendMessages(sendMessage);
  api.addRoute('sendmessage', { integration: new WebSocketLambdaIntegration('SendMessage', sendMessage) });
  api.addRoute('boom', { integration: new WebSocketLambdaIntegration('Boom', fn('BoomFn', BOOM)) });
  api.addRoute('echo', { integration: new WebSocketLambdaIntegration('Echo', fn('EchoFn', ECHO)) });
  api.addRoute('whoami', { integration: new WebSocketLambdaIntegration('WhoAmI', fn('WhoAmIFn', WHOAMI)), returnResponse: true });
  const role = new iam.Role(stack, 'EnqueueRole', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
  pusher.queue!.grantSendMessages(role);
  api.addRoute('enqueue', {
    integration: new WebSocketAwsIntegration('Enqueue', {
      integrationUri: `arn:aws:apigateway:${stack.region}:sqs:path/${stack.account}/${pusher.queue!.queueName}`,
      integrationMethod: 'POST',
      credentialsRole: role,
      requestParameters: { 'integration.request.header.Content-Type': '\'application/x-www-form-urlencoded\'' },
      requestTemplates: { $default: 'Action=SendMessage&MessageBody=$util.urlEncode($input.json(\'$.request\'))' },
      templateSelectionExpression: '\\$default',
    }),
    returnResponse: true,
  });
  // A route the local system cannot run (a Kinesis integration): named at start, its frames refused.
  api.addRoute('track', {
    integration: new WebSocketAwsIntegration('Track', {
      integrationUri: `arn:aws:apigateway:${stack.region}:kinesis:action/PutRecord`, integrationMethod: 'POST', credentialsRole: role,
    }),
  });
  // An AWS integration answers through an integration response (without one, API Gateway sends the request and logs
  // "No match for output mapping", and so does the local system); its template is the two-way route's reply.
  const enqueue = stack.node.findAll().find((c): c is apigwv2.CfnIntegration => c instanceof apigwv2.CfnIntegration
    && JSON.stringify(stack.resolve(c.integrationUri)).includes(':sqs:path/'))!;
  new apigwv2.CfnIntegrationResponse(stack, 'EnqueueResponse', {
    apiId: api.apiId,
    integrationId: enqueue.ref,
    integrationResponseKey: '$default',
    templateSelectionExpression: '\\$default',
    responseTemplates: { $default: '{"queued": true, "route": "$context.routeKey", "by": "$context.connectionId"}' },
  });
  // (Not 'Default': CDK leaves a 'Default' id out of logical ids, and the integration's would be the route's own.)
  if (withDefault) api.addRoute('$default', { integration: new WebSocketLambdaIntegration('CatchAll', fn('CatchAllFn', CATCH_ALL)), returnResponse: true });
  app.synth();
  return outdir;
}

/** A connection id in a pattern (ids have `+`, `/` and `=`). */
const re = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const frames = (client: RecordingClient) => client.messages.map((m) => JSON.parse(m));

describe('a chat app through the packaged command', () => {
  let started: Started | undefined;
  afterEach(async () => {
    if (started) await stopCommand(started.child);
    started = undefined;
  });

  test('sendmessage (a Lambda publishing with the SDK), enqueue (SQS, two-way), echo (a Management API reply), whoami (two-way), ping (mock), an unmatched frame; a line each', async () => {
    // GIVEN the app without $default, run by the command
    started = await startCommand(synthesizeChatApp(false), 0);
    const { webSocketUrl, output } = started;
    const alice = await RecordingClient.open(webSocketUrl, 'alice', { query: { token: 'alice' } });
    const bob = await RecordingClient.open(webSocketUrl, 'bob', { query: { token: 'bob' } });
    const carol = await RecordingClient.open(webSocketUrl, 'carol', { query: { token: 'carol' } });

    // WHEN alice sends a chat message to bob and carol through the sendmessage route
    alice.send(JSON.stringify({ action: 'sendmessage', to: ['bob', 'carol'], text: 'hi <b>all</b> & 🙂' }));

    // THEN the app's Lambda ran, published to the pusher's queue, and the others received it; alice did not
    await until(() => bob.messages.length === 1 && carol.messages.length === 1, 'the chat message');
    for (const client of [bob, carol]) expect(frames(client)).toEqual([{ from: 'alice', text: 'hi <b>all</b> & 🙂' }]);
    expect(alice.messages).toEqual([]);

    // WHEN bob publishes straight from his socket through the SQS integration route
    bob.send(JSON.stringify({ action: 'enqueue', request: { users: ['alice'], data: { note: 'via SQS & no Lambda' } } }));

    // THEN the pusher got it from the queue, and bob the integration response's reply
    await until(() => alice.messages.length === 1 && bob.messages.length === 2, 'the enqueued request and its reply');
    expect(frames(alice)).toEqual([{ note: 'via SQS & no Lambda' }]);
    expect(frames(bob)[1]).toEqual({ queued: true, route: 'enqueue', by: bob.connectionId });

    // WHEN bob asks for an echo, which the app's Lambda posts back through the Management API
    bob.send(JSON.stringify({ action: 'echo', text: 'ping & pong 🙂' }));

    // THEN it reached bob
    await until(() => bob.messages.length === 3, 'the echo');
    expect(frames(bob)[2]).toEqual({ echo: 'ping & pong 🙂' });

    // WHEN carol asks whoami (two-way), pings (the construct's mock route), and sends a frame no route takes
    carol.send(JSON.stringify({ action: 'whoami' }));
    await until(() => carol.messages.length === 2, 'the whoami reply');
    carol.send(JSON.stringify({ action: 'ping' }));
    await until(() => carol.messages.length === 3, 'the pong');
    carol.send(JSON.stringify({ action: 'dance' }));
    await until(() => carol.messages.length === 4, 'the error frame');

    // THEN each got its answer, and the unmatched frame API Gateway's error frame
    expect(frames(carol).slice(1, 3)).toEqual([{ you: 'carol', route: 'whoami', stage: 'chat' }, { type: 'pong' }]);
    expect(frames(carol)[3]).toMatchObject({ message: 'Forbidden', connectionId: carol.connectionId });

    // WHEN carol sends a frame to the route that is not run
    carol.send(JSON.stringify({ action: 'track' }));
    await until(() => carol.messages.length === 5, 'the error frame of the route not run');

    // AND a frame to a route whose function throws (a message with a newline and a terminal escape) gets the error frame
    carol.send(JSON.stringify({ action: 'boom' }));
    await until(() => carol.messages.length === 6, 'the error frame of the throwing function');
    expect(frames(carol)[5]).toMatchObject({ message: 'Internal server error', connectionId: carol.connectionId });

    // THEN she gets API Gateway's error frame, and the banner named the route and why at start
    expect(frames(carol)[4]).toMatchObject({ message: 'Internal server error', connectionId: carol.connectionId });
    expect(output).toContainEqual(expect.stringMatching(/^ {2}NOT RUN +track: the local system runs AWS integrations to DynamoDB, SQS and SNS only \(\w*Track\w*: kinesis\): its frames get API Gateway's error frame$/));

    // AND the log has a line per frame routed (route, integration, outcome), the app's own line, the requests
    await until(() => output.filter((l) => / sqs multicast +delivered +targets=/.test(l)).length === 2, 'the request lines');
    const line = (pattern: RegExp) => expect(output.find((l) => pattern.test(l)) ?? output).toEqual(expect.stringMatching(pattern));
    line(new RegExp(`\\$connect +accepted +${re(alice.connectionId)} principal=alice`));
    line(new RegExp(`frame sendmessage +ok +${re(alice.connectionId)} -> AWS_PROXY SendMessageFn\\w+$`));
    line(/SendMessageFn\w*: .*sent alice -> bob,carol/);
    line(/SendMessageFn\w*: \{"message":"request processed","source":"forged"/);
    expect(output.filter((l) => /forged|targets=99/.test(l))).toHaveLength(1);
    line(new RegExp(`frame enqueue +ok +${re(bob.connectionId)} -> AWS sqs:SendMessage`));
    line(new RegExp(`frame echo +ok +${re(bob.connectionId)} -> AWS_PROXY EchoFn\\w+$`));
    line(new RegExp(`frame whoami +ok +${re(carol.connectionId)} -> AWS_PROXY WhoAmIFn\\w+$`));
    line(new RegExp(`frame track +failed +${re(carol.connectionId)} -> AWS kinesis:PutRecord  .*kinesis`));
    // The function's error is the line's reason, its control characters escaped: one line, no terminal escape.
    line(new RegExp(`frame boom +failed +${re(carol.connectionId)} -> AWS_PROXY BoomFn\\w+  BoomFn\\w+ threw Error: the table is \\\\u001b\\[31mon fire\\\\nreally$`));
    line(new RegExp(`frame ping +ok +${re(carol.connectionId)} -> MOCK`));
    line(new RegExp(`frame \\(no route\\) +unrouted +${re(carol.connectionId)}  no route for "dance" and no \\$default route`));
    for (const client of [alice, bob, carol]) client.terminate();
  }, 120_000);

  test('$default takes what no route does; a refused connect is a line with its reason; a request to nobody says so', async () => {
    // GIVEN the app with $default
    started = await startCommand(synthesizeChatApp(true), 0);
    const { webSocketUrl, output, env } = started;
    const dave = await RecordingClient.open(webSocketUrl, 'dave', { query: { token: 'dave' } });

    // WHEN dave sends an unknown action and a frame that is not JSON
    dave.send(JSON.stringify({ action: 'dance' }));
    dave.send('not json');
    await until(() => dave.messages.length === 2, 'the $default replies');

    // THEN $default answered both (two-way)
    expect(frames(dave)).toEqual([{ unknown: '{"action":"dance"}' }, { unknown: 'not json' }]);
    expect(output.filter((l) => new RegExp(`frame \\$default +ok +${re(dave.connectionId)} -> AWS_PROXY CatchAllFn\\w+$`).test(l))).toHaveLength(2);

    // WHEN a client connects without a token, and a request reaches nobody
    await expect(RecordingClient.open(webSocketUrl, 'nobody')).rejects.toThrow('connect refused: 401');
    const sqs = new SQSClient({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: env.PUSHER_QUEUE_URL, MessageBody: JSON.stringify({ users: ['zed'], data: 1 }) }));

    // THEN the refusal's reason and the request's "no targets" are lines
    await until(() => output.some((l) => / sqs multicast +no targets +-$/.test(l)), 'the no-targets line');
    expect(output.find((l) => /\$connect +refused +401 no route\.request\.querystring\.token/.test(l))).toBeDefined();

    // WHEN a disconnect request closes dave's connection, and a client closes its own
    await sqs.send(new SendMessageCommand({ QueueUrl: env.PUSHER_QUEUE_URL, MessageBody: JSON.stringify({ action: 'disconnect', users: ['dave'], data: 'bye' }) }));
    sqs.destroy();
    const erin = await RecordingClient.open(webSocketUrl, 'erin', { query: { token: 'erin' } });
    erin.terminate();

    // THEN each is a $disconnect line saying who closed it, and the request counts dave as closed, not pruned
    await until(() => output.some((l) => new RegExp(`\\$disconnect +closed by api +${re(dave.connectionId)}$`).test(l)), 'the api disconnect line');
    await until(() => output.some((l) => new RegExp(`\\$disconnect +closed +${re(erin.connectionId)}$`).test(l)), 'the client disconnect line');
    await until(() => output.some((l) => / sqs multicast +delivered +targets=1 delivered=1 closed=1$/.test(l)), 'the disconnect request line');
  }, 120_000);
});
