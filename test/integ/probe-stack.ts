/**
 * What every integration test's stack has (test/integ/integ.*.ts): a WebSocket API and its stage, a `$connect` Lambda
 * authorizer that turns a test token (`integ:<user>`) into the user id, and the probe function (./probe) that connects
 * clients and reports what they receive. Each test adds the `WebsocketPusher` of its configuration and its assertions.
 */
import * as path from 'node:path';
import { App, Aspects, CfnResource, Duration, RemovalPolicy, Stack, type IAspect } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { ConnectionUserId, type ConnectionRoutesOptions, type WebsocketPusher } from '../../src';

/** Where `npx projen integ:probe` bundles the probe (ignored by git; the snapshots mask the asset's hash). */
export const PROBE_BUNDLE_DIR = path.join(__dirname, 'probe', 'dist');

/**
 * The test authorizer: a token `integ:<user>` (letters, digits, `-` and `_`, up to 64) is that user; anything else is
 * refused. Only for the tests' own stacks: it proves nothing about who holds a token.
 */
const AUTHORIZER_SOURCE = `
exports.handler = async (event) => {
  const token = (event.queryStringParameters || {}).token || '';
  const match = /^integ:([A-Za-z0-9_-]{1,64})$/.exec(token);
  if (!match) throw new Error('Unauthorized');
  return {
    principalId: match[1],
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
  };
};`;

/** Every resource of a test stack is deleted with it: the tables and log groups the construct retains by default too. */
class DestroyEverything implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnResource) node.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }
}

export interface ProbeStack {
  readonly app: App;
  readonly stack: Stack;
  readonly stage: apigwv2.WebSocketStage;
  /** The pusher's `connectionRoutes`: the user id from the test authorizer. */
  readonly connectionRoutes: ConnectionRoutesOptions;
}

/**
 * The app (synthesized into `outdir`, when given), its stack (named `name`, every resource deleted with it), the API, its
 * stage and the test authorizer.
 */
export function probeStack(name: string, outdir?: string): ProbeStack {
  const app = new App(outdir ? { outdir } : {});
  const stack = new Stack(app, name);
  Aspects.of(stack).add(new DestroyEverything());
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'integ', autoDeploy: true });
  const authorizerFunction = new lambda.Function(stack, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline(AUTHORIZER_SOURCE),
    logGroup: new logs.LogGroup(stack, 'AuthorizerLogGroup', { retention: logs.RetentionDays.ONE_WEEK }),
  });
  const authorizer = new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] });
  return { app, stack, stage, connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer } };
}

/**
 * The probe function of `pusher`: its settings (the API's URL, the pusher's queue, topic and connections table), and
 * exactly the permissions it uses: publish to the queue and the topic, `Query` and `PutItem` on the connections table.
 */
export function addProbe(stack: Stack, stage: apigwv2.WebSocketStage, pusher: WebsocketPusher): lambda.Function {
  const probe = new lambda.Function(stack, 'Probe', {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(PROBE_BUNDLE_DIR),
    // Above the probe's own deadline (80 s), under the assertion provider's 2 minutes.
    timeout: Duration.seconds(100),
    logGroup: new logs.LogGroup(stack, 'ProbeLogGroup', { retention: logs.RetentionDays.ONE_WEEK }),
    memorySize: 512,
    environment: {
      WS_URL: stage.url,
      QUEUE_URL: pusher.queue!.queueUrl,
      TOPIC_ARN: pusher.topic!.topicArn,
      TABLE_NAME: pusher.connectionsTable.tableName,
    },
  });
  pusher.grantPublish(probe);
  pusher.connectionsTable.grant(probe, 'dynamodb:Query', 'dynamodb:PutItem');
  return probe;
}
