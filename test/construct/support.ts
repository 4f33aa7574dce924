import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChannelRule, ConnectionUserId, JwtAuthorizer, MessageFormat, WebsocketPusher } from '../../src';

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

/**
 * The cells of each row of the first table after `marker` in README.md (header and separator rows left out; the
 * leading and trailing `|` too).
 */
export function readmeTable(marker: string): string[][] {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const after = readme.split(marker)[1];
  if (after === undefined) throw new Error(`README.md has no ${marker}`);
  const table = after.split('\n\n').find((block) => block.startsWith('|'));
  if (!table) throw new Error(`README.md has no table after ${marker}`);
  return table.split('\n').slice(2).filter((line) => line.startsWith('|')).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

/** A resource of a synthesized stack: its construct path, type, logical id and template entry. */
export interface SynthesizedResource {
  readonly path: string;
  readonly type: string;
  readonly logicalId: string;
  readonly Properties: Record<string, any>;
  readonly DeletionPolicy?: string;
}

/**
 * A stack with every feature of the construct on (the connections routes with a `JwtAuthorizer`, the envelope, a
 * channel rule with presence and history, lifecycle events and a rule, deduplication, segmented broadcasts, a
 * disconnect request, alarms, the dashboard, a customer-managed key on the connections table), and its resources.
 */
export function everythingOn(): { template: Template; resources: SynthesizedResource[] } {
  const s = stackWithStage();
  const authorizer = new JwtAuthorizer(s.stack, 'Jwt', { issuer: 'https://issuer.example.com/', audience: ['app'] });
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*', { presence: true, history: Duration.hours(1) })] },
    lifecycleEvents: {},
    deduplication: {},
    segmentedBroadcast: {},
    enableDisconnect: true,
    alarms: {},
    connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
  });
  pusher.createDashboard();
  pusher.onUserOnline('UserOnline');
  const template = Template.fromStack(s.stack);
  const entries = template.toJSON().Resources as Record<string, { Properties?: Record<string, any>; DeletionPolicy?: string }>;
  const resources = s.stack.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource).map((c) => {
    const logicalId = s.stack.getLogicalId(c);
    const { Properties = {}, DeletionPolicy } = entries[logicalId] ?? {};
    return { path: c.node.path, type: c.cfnResourceType, logicalId, Properties, DeletionPolicy };
  });
  return { template, resources };
}
