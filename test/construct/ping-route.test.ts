import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { integrationsWithoutResponse, nagFindings, stackWithStage } from './support';
import { ConnectionUserId, WebsocketPusher } from '../../src';

function resources(template: Template, type: string): any[] {
  return Object.values(template.findResources(type));
}

describe('enablePingRoute', () => {
  test('a ping route answered by API Gateway: a MOCK integration rendering 200, a pong template, a route response', () => {
    // GIVEN / WHEN
    const { stack, stage } = stackWithStage();
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, enablePingRoute: true });

    // THEN
    const template = Template.fromStack(stack);
    const [route] = resources(template, 'AWS::ApiGatewayV2::Route');
    expect(route.Properties).toMatchObject({ RouteKey: 'ping', AuthorizationType: 'NONE', RouteResponseSelectionExpression: '$default' });
    const [integration] = resources(template, 'AWS::ApiGatewayV2::Integration');
    expect(integration.Properties).toMatchObject({ IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode": 200}' }, TemplateSelectionExpression: '\\$default' });
    expect(resources(template, 'AWS::ApiGatewayV2::IntegrationResponse').map((r) => r.Properties)).toEqual([expect.objectContaining({
      IntegrationResponseKey: '/200/', TemplateSelectionExpression: '\\$default', ResponseTemplates: { $default: '{"type":"pong"}' },
    })]);
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  });

  test('on with connectionRoutes by default, off without them, off when asked', () => {
    const keys = (props: object) => {
      const { stack, stage } = stackWithStage();
      new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props });
      return resources(Template.fromStack(stack), 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey).sort();
    };
    const anonymous = { connectionRoutes: { userId: ConnectionUserId.anonymous() } };
    expect(keys(anonymous)).toEqual(['$connect', '$disconnect', 'ping']);
    expect(keys({})).toEqual([]);
    expect(keys({ ...anonymous, enablePingRoute: false })).toEqual(['$connect', '$disconnect']);
  });

  test('an API that routes by another expression: refused when asked for, left out by default', () => {
    // GIVEN
    const { stack } = stackWithStage();
    const api = new apigwv2.WebSocketApi(stack, 'TypeApi', { routeSelectionExpression: '$request.body.type' });
    const stage = new apigwv2.WebSocketStage(stack, 'TypeStage', { webSocketApi: api, stageName: 'live' });

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'Asked', { webSocketStage: stage, enablePingRoute: true }))
      .toThrow('WebsocketPusher: enablePingRoute needs the API\'s routeSelectionExpression to be $request.body.action (the client protocol\'s {"action": …} frames), got $request.body.type');
    const pusher = new WebsocketPusher(stack, 'Default', { webSocketStage: stage, connectionRoutes: { userId: ConnectionUserId.anonymous() } });
    expect(pusher.pingRoute).toBeUndefined();
  });

  test('an API that already has a ping route is refused at synth, naming it', () => {
    // GIVEN
    const { app, stack, api, stage } = stackWithStage();
    api.addRoute('ping', { integration: new WebSocketMockIntegration('Own') });

    // WHEN
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, enablePingRoute: true });

    // THEN
    expect(() => app.synth()).toThrow(/enablePingRoute adds a ping route to the API, which already has one \(TestStack\/Api\/ping-Route\/Resource\)/);
  });

  test('cdk-nag: no unsuppressed finding', () => {
    const { app, stack, stage } = stackWithStage();
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, enablePingRoute: true });
    expect(nagFindings(app, stack)).toEqual([]);
  });
});
