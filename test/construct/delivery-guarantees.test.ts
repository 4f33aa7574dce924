import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { nagFindings, stackWithStage } from './support';
import { WebsocketPusher, WebsocketPusherProps } from '../../src';

// Follow-ups, FIFO sources and deduplication: what the template says about each.

function synth(props: Partial<WebsocketPusherProps> = {}) {
  const { app, stack: s, stage } = stackWithStage();
  const pusher = new WebsocketPusher(s, 'Pusher', { webSocketStage: stage, ...props });
  return { app, stack: s, pusher, template: () => Template.fromStack(s) };
}

const statements = (template: Template): any[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
const environment = (template: Template): Record<string, unknown> =>
  (Object.values(template.findResources('AWS::Lambda::Function'))[0] as any).Properties.Environment.Variables;

describe('deduplication', () => {
  test('off: no idempotency table, no grant, no setting', () => {
    // WHEN
    const { template, pusher } = synth();
    const t = template();

    // THEN
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(pusher.deduplicationTable).toBeUndefined();
    expect(statements(t).flatMap((s) => [s.Action].flat()).filter((a: string) => /GetItem|PutItem|UpdateItem|DeleteItem/.test(a))).toEqual([]);
    expect(Object.keys(environment(t))).not.toContain('IDEMPOTENCY_TABLE_NAME');
  });

  test('on: a table with a TTL, four item actions on it alone, the window in seconds', () => {
    // WHEN
    const { template, pusher } = synth({ deduplication: { window: Duration.minutes(30) } });
    const t = template();

    // THEN
    expect(pusher.deduplicationTable).toBeDefined();
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const table = Object.keys(t.findResources('AWS::DynamoDB::Table')).find((id) => id.startsWith('PusherDeduplicationTable'))!;
    expect(statements(t).filter((s) => JSON.stringify(s.Resource).includes(table))).toEqual([{
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [table, 'Arn'] },
    }]);
    expect(environment(t)).toMatchObject({ IDEMPOTENCY_TABLE_NAME: { Ref: table }, DEDUPLICATION_WINDOW_SECONDS: '1800' });
  });

  test('the default window is an hour; a window out of range is refused', () => {
    // WHEN / THEN
    expect(environment(synth({ deduplication: {} }).template())).toMatchObject({ DEDUPLICATION_WINDOW_SECONDS: '3600' });
    expect(() => synth({ deduplication: { window: Duration.days(8) } }))
      .toThrow('WebsocketPusher: deduplication.window must be from 1 second to 7 days, got 8 days');
  });
});

describe('FIFO sources', () => {
  test('a FIFO topic is refused, with what to do instead', () => {
    // GIVEN
    const { stack: s, stage } = stackWithStage();
    const topic = new sns.Topic(s, 'Fifo', { fifo: true, topicName: 'requests' });

    // WHEN / THEN
    expect(() => new WebsocketPusher(s, 'Pusher', { webSocketStage: stage, topic }))
      .toThrow('WebsocketPusher: topic is a FIFO topic, which cannot invoke a Lambda function: subscribe a FIFO SQS queue to it and give that queue as `queue` (with enableTopic: false)');
    expect(() => synth({ topicProps: { fifo: true, topicName: 'requests' } })).toThrow('WebsocketPusher: topicProps is a FIFO topic');
  });

  test('a FIFO queue is consumed with partial batch failures; at most 10 per batch', () => {
    // GIVEN
    const { stack: s, stage } = stackWithStage();
    const queue = new sqs.Queue(s, 'Requests', { fifo: true, visibilityTimeout: Duration.minutes(6) });

    // WHEN
    new WebsocketPusher(s, 'Pusher', { webSocketStage: stage, queue, enableTopic: false });

    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Requests'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(() => synth({ queueProps: { fifo: true }, batchSize: 20, maxBatchingWindow: Duration.seconds(1) }))
      .toThrow('WebsocketPusher: batchSize must be at most 10 for a FIFO queue, got 20');
  });

  test('a created FIFO queue gets a FIFO dead-letter queue', () => {
    // WHEN
    const t = synth({ queueProps: { fifo: true }, enableTopic: false }).template();

    // THEN
    const fifoQueues = Object.entries(t.findResources('AWS::SQS::Queue')).filter(([, q]: [string, any]) => q.Properties.FifoQueue);
    expect(fifoQueues.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['PusherDeadLetterQueue', 'PusherQueue']);
  });
});

describe('cdk-nag AwsSolutions with every option', () => {
  test('no unsuppressed finding with deduplication and segmented broadcast on', () => {
    // GIVEN
    const { app, stack: s } = synth({ deduplication: {}, segmentedBroadcast: {} });

    // WHEN
    const findings = nagFindings(app, s);

    // THEN
    expect(findings).toEqual([]);
  });
});

describe('what would fail only at deploy time', () => {
  test.each([
    [{ callbackUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/live' }, "WebsocketPusher: callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got 'wss://abc.execute-api.eu-west-1.amazonaws.com/live'"],
    [{ callbackUrl: 'not a url' }, "WebsocketPusher: callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got 'not a url'"],
    [{ memorySize: 64 }, 'WebsocketPusher: memorySize must be an integer from 128 to 10240, got 64'],
    [{ timeout: Duration.minutes(16) }, 'WebsocketPusher: timeout must be from 1 second to 15 minutes, got 16 minutes'],
    [{ queueProps: { visibilityTimeout: Duration.seconds(30) } }, "WebsocketPusher: queueProps.visibilityTimeout (30 seconds) must be at least the function's timeout (1 minute)"],
  ])('%j is refused at synth time', (props, message) => {
    // WHEN / THEN
    expect(() => synth(props as Partial<WebsocketPusherProps>)).toThrow(message);
  });

  test('a given queue whose visibility timeout is shorter than the function timeout is refused', () => {
    // GIVEN a queue with SQS's default 30 s visibility timeout
    const { stack: s, stage } = stackWithStage();
    const queue = new sqs.Queue(s, 'Requests');

    // WHEN / THEN
    expect(() => new WebsocketPusher(s, 'Pusher', { webSocketStage: stage, queue }))
      .toThrow("WebsocketPusher: the visibility timeout of queue (30 seconds) must be at least the function's timeout (1 minute)");
    expect(() => new WebsocketPusher(s, 'Pusher2', { webSocketStage: stage, queue, timeout: Duration.seconds(30) })).not.toThrow();
  });

  test('a custom-domain https callback URL is accepted', () => {
    // WHEN / THEN
    expect(() => synth({ callbackUrl: 'https://live.example.com/push' })).not.toThrow();
  });
});
