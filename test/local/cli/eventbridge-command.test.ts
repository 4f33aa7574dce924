import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { startCommand, stopCommand, until } from './command';
import { WebsocketPusher } from '../../../src';

// The packaged command on an app with a rule: a backend puts events at the printed EventBridge endpoint, the command
// prints one line per event (where it went) and the rule's function's own lines.

function synthesizeApp(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'eventbridge-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ShopStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  new WebsocketPusher(stack, 'Pusher', { webSocketStage: new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'dev', autoDeploy: true }) });
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'shop' });
  const fn = new lambda.Function(stack, 'OnOrder', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => { console.log("order", e.detail.order); };'),
  });
  new events.Rule(stack, 'OrdersRule', {
    eventBus: bus, eventPattern: { source: events.Match.prefix('shop.') }, targets: [new targets.LambdaFunction(fn), new targets.SqsQueue(new sqs.Queue(stack, 'Orders'))],
  });
  app.synth();
  return outdir;
}

test('the local command runs the app\'s rules: one line per event, where it went, and the target function\'s output', async () => {
  // GIVEN
  const { child, env, output } = await startCommand(synthesizeApp(), 0);
  const client = new EventBridgeClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_EVENTBRIDGE,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  try {
    // WHEN a backend puts a matching event on the app's bus and one the rule does not match
    const out = await client.send(new PutEventsCommand({
      Entries: [
        { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: '{"order":7}' },
        { EventBusName: 'shop', Source: 'billing', DetailType: 'InvoiceSent', Detail: '{}' },
      ],
    }));
    expect(out.FailedEntryCount).toBe(0);

    // THEN
    await until(() => output.some((l) => / eventbridge +unmatched +billing InvoiceSent bus=shop$/.test(l)), 'the unmatched event\'s line');
    expect(output.filter((l) => / eventbridge +matched +shop\.orders OrderPlaced bus=shop {2}OrdersRule\w* -> OnOrder\w*, Orders\w*$/.test(l))).toHaveLength(1);
    await until(() => output.some((l) => /^ {2}OnOrder\w*: .*order 7$/.test(l)), 'the function\'s line');
  } finally {
    client.destroy();
    await stopCommand(child);
  }
}, 90_000);
