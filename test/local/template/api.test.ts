import { apiRoutes, connectionRoutes, routeSelectionExpression } from '../../../local/template/api';
import type { CloudTemplate } from '../../../local/template/intrinsics';
import { localAppTemplate } from '../../../local/template/local-app';

describe('the API\'s routes as the local API Gateway reads them', () => {
  test('the local app\'s $connect and $disconnect: DynamoDB actions, templates, integration and route responses, the authorizer', () => {
    const routes = connectionRoutes(localAppTemplate());
    expect(routes.$connect).toMatchObject({
      authorizationType: 'CUSTOM',
      integrationType: 'AWS',
      dynamodbAction: 'PutItem',
      templateSelectionExpression: '\\$default',
      requestTemplates: { $default: expect.anything() },
      integrationResponses: [{ key: '/2\\d\\d/' }],
      routeResponseKeys: ['$default'],
      routeResponseSelectionExpression: '$default',
      authorizerFunction: expect.stringMatching(/^AuthorizerFunction/),
      identitySource: ['route.request.querystring.token'],
    });
    expect(routes.$disconnect).toMatchObject({ authorizationType: 'NONE', dynamodbAction: 'DeleteItem', integrationResponses: [{ key: '$default' }] });
  });

  test('a route whose target is not an integration of the template is named', () => {
    const template: CloudTemplate = { Resources: { R: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'x', Target: 'integrations/Gone' } } } };
    expect(() => apiRoutes(template)).toThrow('x: its target integrations/Gone is not an integration of this template');
  });

  test('the route selection expression: the API\'s, or CDK\'s default', () => {
    expect(routeSelectionExpression({ Resources: { A: { Type: 'AWS::ApiGatewayV2::Api', Properties: { RouteSelectionExpression: '$request.body.type' } } } }))
      .toBe('$request.body.type');
    expect(routeSelectionExpression({ Resources: {} })).toBe('$request.body.action');
  });
});
