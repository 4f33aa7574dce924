import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { ConnectionUserId, WebsocketPusher } from '../../src';

/**
 * Asset hashes change with every handler edit and the bootstrap version with every CDK release; neither is a
 * change of the template a reviewer cares about, so both are replaced before comparing.
 */
function stable(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template, (key, value) => {
    if (key === 'S3Key' && typeof value === 'string') return '<asset>.zip';
    if (key === 'aws:asset:path' || key === 'aws:asset:property') return undefined;
    return value;
  }), (key, value) => (key === 'BootstrapVersion' || key === 'CheckBootstrapVersion' || key === 'Rules' ? undefined : value));
}

test('snapshot of the default WebsocketPusher', () => {
  // GIVEN a WebSocket API stage
  const app = new App();
  const stack = new Stack(app, 'SnapshotStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });

  // WHEN the pusher is added with its defaults
  new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage });

  // THEN the template matches the reviewed snapshot
  const template = stable(Template.fromStack(stack).toJSON()) as any;
  expect(JSON.stringify(template)).not.toMatch(/[0-9a-f]{64}\.zip/);
  expect(template).toMatchSnapshot();
});

test('snapshot of a WebsocketPusher with connectionRoutes (their integrations, integration and route responses)', () => {
  // GIVEN a WebSocket API stage and an IAM-authorized $connect
  const app = new App();
  const stack = new Stack(app, 'SnapshotStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });

  // WHEN the pusher adds the connection routes
  new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    connectionRoutes: { userId: ConnectionUserId.fromIamCaller(), authorizer: new WebSocketIamAuthorizer() },
  });

  // THEN the API's resources match the reviewed snapshot
  const resources = (stable(Template.fromStack(stack).toJSON()) as any).Resources;
  const apiResources = Object.fromEntries(Object.entries(resources).filter(([, r]: [string, any]) => r.Type.startsWith('AWS::ApiGatewayV2::')));
  expect(apiResources).toMatchSnapshot();
});
