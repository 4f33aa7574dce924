import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { AwsSolutionsChecks } from 'cdk-nag';

/** The account and Region every construct test synthesizes in. */
export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/** An app with `TestStack`, a WebSocket API and its `live` stage. */
export function stackWithStage() {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: TEST_ENV });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
  return { app, stack, api, stage };
}

/** Runs cdk-nag's AwsSolutions checks and returns their errors and warnings on the pusher (`/TestStack/Pusher/…`). */
export function nagFindings(app: App, stack: Stack, under = '/TestStack/Pusher/'): string[] {
  Aspects.of(stack).add(new AwsSolutionsChecks());
  app.synth();
  const isPusher = (entry: { id: string }) => entry.id.startsWith(under);
  return [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].filter(isPusher).map((e) => `${e.id}: ${e.entry.data}`);
}

/**
 * The non-proxy integrations of a template (`AWS`, `HTTP`, `MOCK`) that no `AWS::ApiGatewayV2::IntegrationResponse`
 * refers to: API Gateway fails every call to them ("No match for output mapping and no default output mapping
 * configured"). Integrations the construct adds must never be listed.
 */
export function integrationsWithoutResponse(template: Record<string, any>): string[] {
  const answered = new Set(Object.values<any>(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::IntegrationResponse')
    .map((r) => r.Properties.IntegrationId?.Ref));
  return Object.entries<any>(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration' && !String(r.Properties.IntegrationType).endsWith('_PROXY'))
    .map(([id]) => id)
    .filter((id) => !answered.has(id));
}
