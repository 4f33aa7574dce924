import type { CloudTemplate } from '../../../../local/template/intrinsics';
import { localAppTemplate } from '../../../../local/template/local-app';
import { useLocalSystem } from '../../../e2e/support';

/** A route of the test's own, as CloudFormation declares it: a MOCK integration with these templates. */
interface MockRoute {
  readonly key: string;
  readonly requestTemplate: string;
  /** Integration responses: key → response template (or none). */
  readonly responses?: Record<string, string | undefined>;
  /** A `$default` route response: the route is two-way. */
  readonly twoWay?: boolean;
}

/** The local app's template with these MOCK routes added to its API. */
function withRoutes(routes: readonly MockRoute[]): CloudTemplate {
  const template = localAppTemplate();
  const resources = { ...template.Resources };
  const apiId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api')![0];
  routes.forEach((route, i) => {
    resources[`TestIntegration${i}`] = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: { ApiId: { Ref: apiId }, IntegrationType: 'MOCK', RequestTemplates: { $default: route.requestTemplate }, TemplateSelectionExpression: '\\$default' },
    };
    resources[`TestRoute${i}`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: apiId },
        RouteKey: route.key,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: `TestIntegration${i}` }]] },
        ...(route.twoWay ? { RouteResponseSelectionExpression: '$default' } : {}),
      },
    };
    Object.entries(route.responses ?? {}).forEach(([key, responseTemplate], j) => {
      resources[`TestIntegrationResponse${i}x${j}`] = {
        Type: 'AWS::ApiGatewayV2::IntegrationResponse',
        Properties: {
          ApiId: { Ref: apiId },
          IntegrationId: { Ref: `TestIntegration${i}` },
          IntegrationResponseKey: key,
          ...(responseTemplate ? { TemplateSelectionExpression: '\\$default', ResponseTemplates: { $default: responseTemplate } } : {}),
        },
      };
    });
    if (route.twoWay) {
      resources[`TestRouteResponse${i}`] = { Type: 'AWS::ApiGatewayV2::RouteResponse', Properties: { ApiId: { Ref: apiId }, RouteId: { Ref: `TestRoute${i}` }, RouteResponseKey: '$default' } };
    }
  });
  return { Resources: resources };
}

const ROUTES: MockRoute[] = [
  { key: 'ping', requestTemplate: '{"statusCode": 200}', responses: { '/200/': '{"type":"pong","connectionId":"$context.connectionId"}' }, twoWay: true },
  { key: 'quiet', requestTemplate: '{"statusCode": 200}', responses: { '/200/': '{"type":"unseen"}' } },
  { key: 'broken', requestTemplate: '{"statusCode": 200}', twoWay: true },
  { key: 'unrenderable', requestTemplate: '{"statusCode": 200}', responses: { '/200/': '#if($context.routeKey' }, twoWay: true },
  {
    key: 'status',
    requestTemplate: '{"statusCode": $input.path(\'$.code\')}',
    responses: { '/2\\d\\d/': '{"outcome":"ok"}', '/4\\d\\d/': '{"outcome":"bad request","route":"$context.routeKey"}' },
    twoWay: true,
  },
];

describe('frames routed as API Gateway routes them (the template\'s MOCK routes)', () => {
  const local = useLocalSystem({ template: withRoutes(ROUTES), handler: false });

  test('a two-way route answers with its integration response\'s template, rendered with $context', async () => {
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'ping' })).resolves.toEqual({ type: 'pong', connectionId: client.connectionId });
  });

  test('the status a template renders selects the integration response by its key\'s expression', async () => {
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'status', code: 204 })).resolves.toEqual({ outcome: 'ok' });
    await expect(client.request({ action: 'status', code: 404 })).resolves.toEqual({ outcome: 'bad request', route: 'status' });
  });

  test('a one-way route (no route response) sends nothing back', async () => {
    const [client] = await local.system.connect('alice');
    client.send({ action: 'quiet' });
    await expect(client.request({ action: 'ping' })).resolves.toMatchObject({ type: 'pong' });
    expect(client.messages).toHaveLength(1);
  });

  test('a route whose integration has no integration response fails as API Gateway fails: an error frame, and why', async () => {
    const [client] = await local.system.connect('alice');
    const reply = await client.request({ action: 'broken' });
    expect(reply).toEqual({ message: 'Internal server error', connectionId: client.connectionId, requestId: expect.any(String) });
    expect(local.system.routes.failures).toEqual([expect.objectContaining({
      routeKey: 'broken', status: 200, reason: expect.stringContaining('No match for output mapping and no default output mapping configured'),
    })]);
  });

  test('a response template that does not render fails the route the same way: an error frame, not silence', async () => {
    const [client] = await local.system.connect('alice');
    const reply = await client.request({ action: 'unrenderable' });
    expect(reply).toEqual({ message: 'Internal server error', connectionId: client.connectionId, requestId: expect.any(String) });
    expect(local.system.routes.failures).toEqual([expect.objectContaining({
      routeKey: 'unrenderable', status: 200, reason: expect.stringContaining('Execution failed: the response template'),
    })]);
    await expect(client.request({ action: 'ping' })).resolves.toMatchObject({ type: 'pong' });
  });

  test('no matching route and no $default: Forbidden, as API Gateway answers; not JSON at all: the same', async () => {
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'nothing-here' })).resolves.toEqual({ message: 'Forbidden', connectionId: client.connectionId, requestId: expect.any(String) });
    await expect(client.request('not json')).resolves.toMatchObject({ message: 'Forbidden' });
  });
});

describe('$default', () => {
  const local = useLocalSystem({
    template: withRoutes([{ key: '$default', requestTemplate: '{"statusCode": 200}', responses: { $default: '{"routed":"$context.routeKey"}' }, twoWay: true }]),
    handler: false,
  });

  test('frames that match no route, and frames that are not JSON, go to $default', async () => {
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'unknown' })).resolves.toEqual({ routed: '$default' });
    await expect(client.request('plain text')).resolves.toEqual({ routed: '$default' });
  });
});

/** An inline function of the template: echoes the frame and what API Gateway told it; `fail` answers 500, `throw` throws. */
const PROXY_SOURCE = `
exports.handler = async (event) => {
  const frame = JSON.parse(event.body);
  if (frame.action === 'throw') throw new Error('the function broke');
  if (frame.action === 'fail') return { statusCode: 500, body: 'not for the client' };
  return { statusCode: 200, body: JSON.stringify({ got: frame, route: event.requestContext.routeKey, user: event.requestContext.authorizer.principalId }) };
};`;

/** The local app's template with routes integrated (AWS_PROXY) with one inline function; `twoWay` ones with a route response. */
function withProxyRoutes(routes: ReadonlyArray<{ key: string; twoWay: boolean }>): CloudTemplate {
  const template = localAppTemplate();
  const resources = { ...template.Resources };
  const apiId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api')![0];
  resources.ProxyFunction = { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { ZipFile: PROXY_SOURCE } } };
  resources.ProxyIntegration = {
    Type: 'AWS::ApiGatewayV2::Integration',
    Properties: {
      ApiId: { Ref: apiId },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['ProxyFunction', 'Arn'] }, '/invocations']] },
    },
  };
  routes.forEach((route, i) => {
    resources[`ProxyRoute${i}`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: apiId },
        RouteKey: route.key,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'ProxyIntegration' }]] },
        ...(route.twoWay ? { RouteResponseSelectionExpression: '$default' } : {}),
      },
    };
    if (route.twoWay) {
      resources[`ProxyRouteResponse${i}`] = { Type: 'AWS::ApiGatewayV2::RouteResponse', Properties: { ApiId: { Ref: apiId }, RouteId: { Ref: `ProxyRoute${i}` }, RouteResponseKey: '$default' } };
    }
  });
  return { Resources: resources };
}

describe('Lambda proxy routes (the template\'s inline function, no cloud assembly needed)', () => {
  const local = useLocalSystem({
    template: withProxyRoutes([{ key: 'echo', twoWay: true }, { key: 'fire', twoWay: false }, { key: 'fail', twoWay: true }, { key: 'throw', twoWay: true }]),
    handler: false,
  });

  test('a two-way route sends the function\'s body back to the client, as a frame of its own', async () => {
    const [client] = await local.system.connect('alice');
    await expect(client.request({ action: 'echo', n: 1 }, 20_000)).resolves.toEqual({ got: { action: 'echo', n: 1 }, route: 'echo', user: 'alice' });
  });

  test('a one-way route runs the function and sends nothing back', async () => {
    const [client] = await local.system.connect('alice');
    client.send({ action: 'fire' });
    await expect(client.request({ action: 'echo', n: 2 }, 20_000)).resolves.toMatchObject({ got: { n: 2 } });
    expect(client.messages).toHaveLength(1);
  });

  test('a function answering 500, or throwing: API Gateway\'s error frame, not its body; the failure is recorded', async () => {
    const [client] = await local.system.connect('alice');
    for (const action of ['fail', 'throw']) {
      await expect(client.request({ action }, 20_000)).resolves.toEqual({ message: 'Internal server error', connectionId: client.connectionId, requestId: expect.any(String) });
    }
    expect(local.system.routes.failures.map((f) => [f.routeKey, f.status])).toEqual([['fail', 500], ['throw', 500]]);
  });
});
