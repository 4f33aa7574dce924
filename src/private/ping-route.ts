import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { suppressNag } from './nag';
import { refuseDuplicateRoutes } from './route-conflicts';

/** The route selection expression the client protocol's `{"action": …}` frames need. */
export const ACTION_SELECTION = '$request.body.action';

/**
 * A MOCK integration (API Gateway answers itself) whose request template is `templates`' `$default`; aws-cdk-lib's
 * `WebSocketMockIntegration` takes no templates at the library's floor.
 */
class TemplatedMockIntegration extends apigwv2.WebSocketRouteIntegration {
  constructor(id: string, private readonly requestTemplate: string) {
    super(id);
  }

  bind(): apigwv2.WebSocketRouteIntegrationConfig {
    return {
      type: apigwv2.WebSocketIntegrationType.MOCK,
      uri: '',
      requestTemplates: { $default: this.requestTemplate },
      templateSelectionExpression: '\\$default',
    };
  }
}

/**
 * The `ping` route: a MOCK integration whose request template renders status 200, an integration response (`/200/`)
 * whose template is `{"type":"pong"}`, and a `$default` route response, so that API Gateway sends the pong back (the
 * keep-alive of obytes/terraform-aws-sumu, the seed's stack, built the same way). No Lambda, no table.
 */
export function addPingRoute(scope: Construct, api: apigwv2.IWebSocketApi): apigwv2.WebSocketRoute {
  const route = new apigwv2.WebSocketRoute(scope, 'PingRoute', {
    webSocketApi: api,
    routeKey: 'ping',
    integration: new TemplatedMockIntegration('PingIntegration', '{"statusCode": 200}'),
    returnResponse: true,
  });
  const integration = route.node.findChild('PingIntegration') as apigwv2.WebSocketIntegration;
  new apigwv2.CfnIntegrationResponse(route, 'IntegrationResponse', {
    apiId: api.apiId,
    integrationId: integration.integrationId,
    integrationResponseKey: '/200/',
    templateSelectionExpression: '\\$default',
    responseTemplates: { $default: '{"type":"pong"}' },
  });
  suppressNag(route, 'AwsSolutions-APIG4',
    'API Gateway authorizes a WebSocket connection once, on $connect; ping, like every later route, takes no authorizer.');
  refuseDuplicateRoutes(scope, api, [route], (_, path) =>
    `WebsocketPusher: enablePingRoute adds a ping route to the API, which already has one (${path}): remove it, or set enablePingRoute: false`);
  return route;
}

/** Why the API cannot route `{"action": …}` frames (its route selection expression), when it is an API of this app. */
export function routeSelectionViolation(api: apigwv2.IWebSocketApi, prop: string): string | undefined {
  const cfn = api instanceof apigwv2.WebSocketApi ? api.node.defaultChild as apigwv2.CfnApi : undefined;
  const expression = cfn?.routeSelectionExpression;
  if (cfn === undefined || expression === ACTION_SELECTION) return undefined;
  return `WebsocketPusher: ${prop} needs the API's routeSelectionExpression to be ${ACTION_SELECTION} (the client protocol's {"action": …} frames), got ${expression ?? 'none'}`;
}
