import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig } from '../../../local/identity';
import type { Invocation } from '../../../local/lambda-runtime/function-runner';
import type { EventBridgeDelivery } from '../../../local/system/eventbridge';
import { LocalSystem } from '../../../local/system/local-system';
import { resourcesOfType, type CloudTemplate } from '../../../local/template/intrinsics';
import { WebsocketPusher } from '../../../src';

// The template's EventBridge on the local system: its bus and rules on moto's EventBridge (moto matches the pattern and
// delivers to the queue), its Lambda target invoked by a local source, every event put reported to onEvent.

/** A pusher, a custom bus, a rule (prefix and anything-but) to a function and a queue, a disabled rule to the queue. */
function synthesize(extra?: (stack: Stack, bus: events.EventBus) => void): CloudTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'eventbridge-app-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, 'Events', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'dev', autoDeploy: true }) });
    const bus = new events.EventBus(stack, 'Bus');
    const fn = new lambda.Function(stack, 'OnOrder', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => { console.log(JSON.stringify({ got: e })); if (e.detail.fail) throw new Error("boom"); };'),
    });
    const queue = new sqs.Queue(stack, 'Orders');
    new events.Rule(stack, 'OrdersRule', {
      eventBus: bus,
      eventPattern: { source: events.Match.prefix('shop.'), detail: { status: events.Match.anythingBut('test') } },
      targets: [new targets.LambdaFunction(fn), new targets.SqsQueue(queue)],
    });
    new events.Rule(stack, 'DisabledRule', { eventBus: bus, enabled: false, eventPattern: { source: ['shop.orders'] }, targets: [new targets.SqsQueue(queue)] });
    extra?.(stack, bus);
    return app.synth().getStackByName('Events').template as CloudTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const idOf = (template: CloudTemplate, type: string, prefix: string) => resourcesOfType(template, type).find(([id]) => id.startsWith(prefix))![0];

describe('a rule of the template on the local EventBridge', () => {
  const template = synthesize();
  const [fn, queue, rule] = [idOf(template, 'AWS::Lambda::Function', 'OnOrder'), idOf(template, 'AWS::SQS::Queue', 'Orders'), idOf(template, 'AWS::Events::Rule', 'OrdersRule')];
  const seen: EventBridgeDelivery[] = [];
  const invocations: Invocation[] = [];
  const log: string[] = [];
  let system: LocalSystem;
  let client: EventBridgeClient;

  beforeAll(async () => {
    system = await LocalSystem.start({
      template,
      queues: true,
      onEvent: (d) => seen.push(d),
      log: (l) => log.push(l),
      onFunctionInvocation: (id, invocation) => id === fn && invocations.push(invocation),
    });
    client = new EventBridgeClient(localClientConfig(system.messaging!.moto.endpoint));
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await system?.stop();
  });

  const put = async (entries: Array<Omit<PutEventsRequestEntry, 'Detail'> & { Detail: object }>) => {
    const bus = system.names[idOf(template, 'AWS::Events::EventBus', 'Bus')];
    const Entries = entries.map((e) => ({ EventBusName: bus, ...e, Detail: JSON.stringify(e.Detail) }));
    const out = await client.send(new PutEventsCommand({ Entries }));
    expect(out.FailedEntryCount).toBe(0);
    return { bus, ids: out.Entries!.map((e) => e.EventId!) };
  };

  const received = async () => {
    const { url } = system.messaging!.queues.get(queue)!;
    const sqsClient = system.messaging!.moto.client;
    const { Messages = [] } = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of Messages) await sqsClient.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    return Messages.map((m) => JSON.parse(m.Body!));
  };

  test('the function and the queue get the matching event exactly once, as EventBridge delivers it; the others reach neither', async () => {
    // WHEN one event matches (a shop.* source, a status other than test), one fails the anything-but, one the prefix
    const { bus, ids } = await put([
      { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: { status: 'paid', order: 1 } },
      { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: { status: 'test', order: 2 } },
      { Source: 'other.app', DetailType: 'OrderPlaced', Detail: { status: 'paid', order: 3 } },
    ]);
    await system.drained();

    // THEN the function was invoked once, with the whole event
    const expected = {
      'version': '0',
      'id': ids[0],
      'detail-type': 'OrderPlaced',
      'source': 'shop.orders',
      'account': expect.any(String),
      'time': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      'region': LOCAL_REGION,
      'resources': [],
      'detail': { status: 'paid', order: 1 },
    };
    expect(invocations).toHaveLength(1);
    expect(invocations[0].error).toBeUndefined();
    expect(JSON.parse(invocations[0].lines[0]).got).toEqual(expected);
    // AND the queue holds it once (the disabled rule, whose pattern matches the first two, delivered nothing)
    expect(await received()).toEqual([expected]);
    // AND the sink saw all three, the first with its rule and both targets, the others with none
    expect(seen.map((d) => [d.bus, d.event.id, d.rules])).toEqual([
      [bus, ids[0], [{ logicalId: rule, targets: [fn, queue] }]],
      [bus, ids[1], []],
      [bus, ids[2], []],
    ]);
    expect(seen[0].event).toEqual(expected);
  }, 60_000);

  test('an event on the default bus is seen too; a function that throws is retried twice, then the event is logged', async () => {
    seen.length = 0;
    invocations.length = 0;
    await client.send(new PutEventsCommand({ Entries: [{ Source: 'shop.orders', DetailType: 'Elsewhere', Detail: '{"status":"paid"}' }] }));
    await put([{ Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: { status: 'paid', fail: true } }]);
    await system.drained();

    expect(seen.map((d) => [d.bus, d.event['detail-type'], d.rules.length])).toEqual([['default', 'Elsewhere', 0], [expect.any(String), 'OrderPlaced', 1]]);
    expect(invocations.map((i) => i.error?.message)).toEqual(['boom', 'boom', 'boom']);
    expect(log.filter((l) => l.includes(`${rule}: ${fn} threw on all 3 attempt(s) (Error: boom); the event is dropped: {`))).toHaveLength(1);
    expect(await received()).toHaveLength(1);
  }, 60_000);

  test('the functions reach EventBridge at moto', () => {
    expect(system.functions.environment(fn).env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(system.messaging!.moto.endpoint);
  });
});

test('a rule whose target is neither a queue nor a function of the template fails the start, naming the rule', async () => {
  const template = synthesize((stack, bus) => {
    new events.Rule(stack, 'ToTopic', { eventBus: bus, eventPattern: { source: ['shop.orders'] }, targets: [new targets.SnsTopic(new sns.Topic(stack, 'Topic'))] });
  });
  const rule = idOf(template, 'AWS::Events::Rule', 'ToTopic');
  await expect(LocalSystem.start({ template, queues: true })).rejects.toThrow(
    `${rule}: target Target0 is AWS::SNS::Topic: the local system delivers a rule's events to a queue or a Lambda function of the template only`);
}, 60_000);
