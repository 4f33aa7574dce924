import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../../local/identity';
import { LocalSystem } from '../../../local/system/local-system';
import { resourcesOfType, type CloudTemplate } from '../../../local/template/intrinsics';
import { ConnectionUserId, WebsocketPusher } from '../../../src';
import { functionOfKind } from '../../e2e/channels-app';

// Every SQS event source mapping of the template runs on the local system, whichever function it invokes: the
// pusher's, the connection stream function's (the presence check queue, with lifecycleEvents) and an app's own, each
// with its batch size and FunctionResponseTypes as the template says; a disabled mapping does not run; drained() waits
// for all of them, delayed messages included.

/**
 * A pusher with lifecycleEvents, and an app function on a queue of its own (batch size 3, no ReportBatchItemFailures:
 * the `batchItemFailures` it answers are ignored), with a second, disabled mapping on another queue.
 */
function synthesize(): CloudTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'queue-sources-app-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, 'Sources', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'dev', autoDeploy: true }),
      connectionRoutes: { userId: ConnectionUserId.fromIamCaller(), authorizer: new WebSocketIamAuthorizer() },
      enableDisconnect: true,
      lifecycleEvents: { eventBus: new events.EventBus(stack, 'Bus'), offlineGracePeriod: Duration.seconds(2) },
    });
    const audit = new lambda.Function(stack, 'Audit', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        'exports.handler = async (e) => ({ batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) });'),
    });
    audit.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'AuditQueue'), { batchSize: 3 }));
    audit.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'PausedQueue'), { enabled: false }));
    return app.synth().getStackByName('Sources').template as CloudTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const idOf = (template: CloudTemplate, type: string, prefix: string) => resourcesOfType(template, type).find(([id]) => id.startsWith(prefix))![0];

describe('the SQS event source mappings of every function', () => {
  const template = synthesize();
  const audit = idOf(template, 'AWS::Lambda::Function', 'Audit');
  const streamFunction = functionOfKind(template, 'connection-stream');
  let system: LocalSystem;

  beforeAll(async () => {
    system = await LocalSystem.start({ template, queues: true });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const send = async (queueLogicalId: string, body: object, delaySeconds?: number) => {
    const { url } = system.messaging!.queues.get(queueLogicalId)!;
    const command = new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(body), DelaySeconds: delaySeconds });
    await system.messaging!.moto.client.send(command);
  };

  test('run as the template declares them: the pusher\'s, the stream function\'s check queue, the app\'s; not the disabled one', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
      .filter(([, r]) => r.Properties.Enabled !== false && !JSON.stringify(r.Properties.EventSourceArn).includes('StreamArn'));
    const run = system.queueSources.map((s) => s.mappingLogicalId);
    expect([...run].sort()).toEqual(mappings.map(([id]) => id).sort());
    const checkQueue = idOf(template, 'AWS::SQS::Queue', 'PusherPresenceCheckQueue');
    const [check] = system.otherSources.get(streamFunction)!.sqs;
    expect(check).toMatchObject({ functionLogicalId: streamFunction, queueLogicalId: checkQueue });
    expect(template.Resources[check.mappingLogicalId].Properties).toMatchObject({
      BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(system.otherSources.get(audit)!.sqs.map((s) => s.queueLogicalId)).toEqual([idOf(template, 'AWS::SQS::Queue', 'AuditQueue')]);
    expect(system.queueSources.filter((s) => s.functionLogicalId === system.pusher)).toHaveLength(system.sources!.sqs.length);
  });

  test('a presence check sent to the check queue invokes the connection stream function; drained() waits for its delay', async () => {
    const checkQueue = idOf(template, 'AWS::SQS::Queue', 'PusherPresenceCheckQueue');
    const sentAt = Date.now();
    await send(checkQueue, { userId: 'nobody', token: 'no-such-departure' }, 2);
    await system.drained(60_000);

    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2_000);
    const [source] = system.otherSources.get(streamFunction)!.sqs;
    const lines = source.source.invocations.flatMap((i) => i.invocation.json).filter((l) => l.message === 'presence checks processed');
    expect(lines).toEqual([expect.objectContaining({ checks: 1, failures: 0 })]);
    expect(source.source.invocations[0].records[0]).toMatchObject({ eventSourceARN: system.messaging!.queues.get(checkQueue)!.arn });
  }, 60_000);

  test('the app function: batches of at most 3; without ReportBatchItemFailures its batchItemFailures are ignored', async () => {
    const auditQueue = idOf(template, 'AWS::SQS::Queue', 'AuditQueue');
    for (let i = 0; i < 7; i++) await send(auditQueue, { i }, i === 6 ? 1 : undefined);
    await system.drained(60_000);

    const [source] = system.otherSources.get(audit)!.sqs;
    const bodies = source.source.invocations.flatMap((i) => i.records.map((r) => JSON.parse(r.body).i));
    expect(bodies.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    source.source.invocations.forEach((i) => expect(i.records.length).toBeLessThanOrEqual(3));
    expect(await system.messaging!.moto.depth(source.source.queue)).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  }, 60_000);
});
