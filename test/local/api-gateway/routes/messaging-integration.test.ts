import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { MessagingIntegration } from '../../../../local/api-gateway/routes/integrations/messaging';
import { integrationOf } from '../../../../local/api-gateway/routes/message-routes';
import { unsupported } from '../../../../local/api-gateway/routes/run-integration';
import type { RouteContext } from '../../../../local/api-gateway/routes/vtl';
import { MotoServer, type LocalQueue } from '../../../../local/aws/moto/moto-server';
import { LOCAL_CREDENTIALS, LOCAL_PSEUDO_PARAMETERS, LOCAL_REGION } from '../../../../local/identity';
import { apiRoutes, type RouteIntegration } from '../../../../local/template/api';
import type { CloudTemplate } from '../../../../local/template/intrinsics';

// SQS and SNS service integrations, as apps use them to publish straight from a socket: the route's template rendered,
// POSTed to moto signed for the service, in the three URI forms API Gateway accepts; what cannot run is refused by name.

const HOSTILE = 'a & b = c + d % e 🙂 <x> "q" \'s\' \n line';

/** A template with one API and one route per integration (Properties), as CloudFormation declares them. */
function template(integrations: Record<string, Record<string, unknown>>): CloudTemplate {
  const resources: CloudTemplate['Resources'] = { Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} } };
  for (const [key, properties] of Object.entries(integrations)) {
    resources[`${key}Integration`] = { Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, IntegrationType: 'AWS', ...properties } };
    resources[`${key}Route`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: { ApiId: { Ref: 'Api' }, RouteKey: key, Target: { 'Fn::Join': ['', ['integrations/', { Ref: `${key}Integration` }]] } },
    };
  }
  return { Resources: resources };
}

const apigateway = (service: string, rest: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, `:${service}:`, ...rest]] });
const FORM = { 'integration.request.header.Content-Type': '\'application/x-www-form-urlencoded\'' };

const ROUTES = template({
  // CDK's WebSocketAwsIntegration to a queue, by path: /<account>/<queue name>
  enqueue: {
    IntegrationUri: apigateway('sqs', ['path/', { Ref: 'AWS::AccountId' }, '/', { 'Fn::GetAtt': ['Requests', 'QueueName'] }]),
    RequestParameters: FORM,
    RequestTemplates: { $default: 'Action=SendMessage&MessageBody=$util.urlEncode($input.json(\'$.data\'))' },
    TemplateSelectionExpression: '\\$default',
  },
  // SQS by action, every parameter a request parameter: a static queue URL, the connection id as the body
  hello: {
    IntegrationUri: apigateway('sqs', ['action/SendMessage']),
    RequestParameters: { 'integration.request.querystring.QueueUrl': { 'Fn::Join': ['', ['\'', { Ref: 'Requests' }, '\'']] }, 'integration.request.querystring.MessageBody': 'context.connectionId' },
    RequestTemplates: { $default: '' },
    TemplateSelectionExpression: '\\$default',
  },
  // SNS Publish, by path, the topic in the template
  announce: {
    IntegrationUri: apigateway('sns', ['path//']),
    RequestParameters: FORM,
    RequestTemplates: { $default: { 'Fn::Join': ['', ['Action=Publish&TopicArn=$util.urlEncode(\'', { Ref: 'Topic' }, '\')&Message=$util.urlEncode($input.body)']] } },
    TemplateSelectionExpression: '\\$default',
  },
  missing: {
    IntegrationUri: apigateway('sqs', ['path/', { Ref: 'AWS::AccountId' }, '/NoSuchQueue']),
    RequestParameters: FORM,
    RequestTemplates: { $default: 'Action=SendMessage&MessageBody=x' },
  },
  fromBody: { IntegrationUri: apigateway('sqs', ['action/SendMessage']), RequestParameters: { 'integration.request.querystring.MessageBody': 'route.request.body.text' } },
  stream: { IntegrationUri: apigateway('kinesis', ['action/PutRecord']), RequestTemplates: { $default: '{}' } },
});

let moto: MotoServer;
let requests: LocalQueue;
let announcements: LocalQueue;
let integration: MessagingIntegration;
let routes: Map<string, RouteIntegration>;
beforeAll(async () => {
  moto = await MotoServer.start();
  requests = await moto.createQueue('Requests');
  announcements = await moto.createQueue('Announcements');
  const topicArn = await moto.createTopic('Topic');
  await moto.subscribeQueue(topicArn, announcements);
  // Resolved as the local system resolves them: the account is the local one (000000000000), moto's URLs its own.
  const names = { ...LOCAL_PSEUDO_PARAMETERS, 'Requests': requests.url, 'Requests.QueueName': 'Requests', 'Topic': topicArn };
  integration = new MessagingIntegration({
    endpoint: moto.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    names,
    queueUrl: (name) => (name === 'Requests' ? requests.url : undefined),
  });
  routes = new Map(apiRoutes(ROUTES).map((r) => [r.routeKey, r]));
});
afterAll(() => moto?.stop());

const context = (routeKey: string): RouteContext => ({
  connectionId: 'conn-1=',
  connectedAt: 1,
  requestTimeEpoch: 2,
  requestId: 'req',
  eventType: 'MESSAGE',
  routeKey,
  stage: 'local',
  apiId: 'local',
  domainName: '127.0.0.1',
  authorizer: { principalId: 'alice' },
  identity: {},
});

async function receive(queue: LocalQueue): Promise<string[]> {
  const { Messages } = await moto.client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (Messages ?? []).map((m) => m.Body!);
}

test('a path integration sends to the template\'s queue, found by name whatever account the URI names; hostile text intact', async () => {
  const call = await integration.call(routes.get('enqueue')!, context('enqueue'), JSON.stringify({ action: 'enqueue', data: { users: ['bob'], text: HOSTILE } }));
  expect(call.status).toBe(200);
  expect(call.answer).toContain('SendMessageResponse');
  expect((await receive(requests)).map((b) => JSON.parse(b))).toEqual([{ users: ['bob'], text: HOSTILE }]);
});

test('an action integration takes its parameters from static values and $context', async () => {
  const call = await integration.call(routes.get('hello')!, context('hello'), '{"action":"hello"}');
  expect(call.status).toBe(200);
  expect(await receive(requests)).toEqual(['conn-1=']);
});

test('an SNS Publish reaches the topic\'s subscribers', async () => {
  const frame = JSON.stringify({ action: 'announce', text: HOSTILE });
  expect((await integration.call(routes.get('announce')!, context('announce'), frame)).status).toBe(200);
  expect((await receive(announcements)).map((b) => JSON.parse(b).Message)).toEqual([frame]);
});

test('a queue the template does not have is an error naming it; what moto refuses is its status and answer', async () => {
  await expect(integration.call(routes.get('missing')!, context('missing'), '{}')).rejects.toThrow('missing: no queue of this template is named NoSuchQueue');
  const noContentType = { ...routes.get('enqueue')!, requestParameters: {} };
  const call = await integration.call(noContentType, context('enqueue'), '{"data":1}');
  expect(call.status).toBeGreaterThanOrEqual(400);
});

test('what cannot run is refused with its reason; each integration is named for the log', () => {
  const backends = { messaging: integration };
  expect(unsupported(routes.get('enqueue')!, backends)).toBeUndefined();
  expect(unsupported(routes.get('enqueue')!, {})).toBe('enqueue: enqueueIntegration is an sqs integration, and the local system runs no queues or topics');
  expect(unsupported(routes.get('fromBody')!, backends))
    .toBe('fromBody: the local system maps static values and context variables only, not integration.request.querystring.MessageBody = route.request.body.text');
  expect(unsupported(routes.get('missing')!, backends)).toBe('missing: no queue of this template is named NoSuchQueue');
  expect(unsupported(routes.get('stream')!, backends)).toBe('stream: the local system runs AWS integrations to DynamoDB, SQS and SNS only (streamIntegration: kinesis)');
  expect(['enqueue', 'hello', 'announce'].map((key) => integrationOf(routes.get(key)!))).toEqual(['AWS sqs:SendMessage', 'AWS sqs:SendMessage', 'AWS sns:Publish']);
});
