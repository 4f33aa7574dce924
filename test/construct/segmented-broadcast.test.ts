import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { nagFindings, stackWithStage } from './support';
import { WebsocketPusher, WebsocketPusherProps } from '../../src';

// Segmented broadcast: the work queue, its DLQ, its event source and the one extra permission, only when asked for.

function synth(props: Partial<WebsocketPusherProps> = {}) {
  const { app, stack, stage } = stackWithStage();
  const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props });
  return { app, stack, pusher, template: () => Template.fromStack(stack) };
}

const statements = (template: Template): any[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
const ref = (template: Template, logicalPrefix: string) => {
  const ids = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith(logicalPrefix));
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe('segmented broadcast off (the default)', () => {
  test('the work queue (follow-ups) exists, but no split setting', () => {
    // WHEN the pusher is added without segmentedBroadcast
    const { pusher, template } = synth();
    const t = template();

    // THEN the work queue carries every request's follow-ups; nothing is split
    expect(pusher.workQueue).toBeDefined();
    expect(pusher.workDeadLetterQueue).toBeDefined();
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    const variables = Object.values(t.findResources('AWS::Lambda::Function'))
      .flatMap((f: any) => Object.keys(f.Properties.Environment?.Variables ?? {}));
    expect(variables.filter((v) => /FANOUT_THRESHOLD|FANOUT_SEGMENTS/.test(v))).toEqual([]);
    expect(variables).toEqual(expect.arrayContaining(['WORK_QUEUE_URL', 'WORK_QUEUE_ARN', 'WORK_DEAD_LETTER_QUEUE_URL', 'FANOUT_MAX_ATTEMPTS']));
    // sqs:SendMessage: the SNS path's on-failure destination, and the work queue with its dead-letter queue.
    expect(statements(t).filter((s) => [s.Action].flat().includes('sqs:SendMessage')).map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^PusherFailedEventsQueue/), 'Arn'] },
      [{ 'Fn::GetAtt': [expect.stringMatching(/^PusherWorkQueue/), 'Arn'] }, { 'Fn::GetAtt': [expect.stringMatching(/^PusherWorkDeadLetterQueue/), 'Arn'] }],
    ]);
  });
});

describe('segmented broadcast on', () => {
  test('a TLS-only, encrypted work queue (visibility 6x the timeout) with a DLQ after 3 receives', () => {
    // WHEN
    const { pusher, template } = synth({ segmentedBroadcast: {} });
    const t = template();

    // THEN
    const dlq = ref(t, 'PusherWorkDeadLetterQueue');
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    const workQueue = ref(t, 'PusherWorkQueue');
    for (const queue of [workQueue, dlq]) {
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
        },
      });
    }
    expect(pusher.workQueue).toBeDefined();
    expect(pusher.workDeadLetterQueue).toBeDefined();
  });

  test('its event source: one item per invocation, partial batch failures, workerConcurrency', () => {
    // WHEN segmented broadcast is on with 8 workers
    const t = synth({ segmentedBroadcast: { workerConcurrency: 8 } }).template();

    // THEN one work item per invocation, partial batch failures, maximum concurrency = workerConcurrency
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ref(t, 'PusherWorkQueue'), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 8 },
    });
  });

  test('its permissions: sqs:SendMessage on the work queues, and consuming the work queue', () => {
    // WHEN
    const t = synth({ segmentedBroadcast: {} }).template();

    // THEN sqs:SendMessage on the work queue and its dead-letter queue alone, and consuming the work queue
    const workQueueArn = { 'Fn::GetAtt': [ref(t, 'PusherWorkQueue'), 'Arn'] };
    const dlqArn = { 'Fn::GetAtt': [ref(t, 'PusherWorkDeadLetterQueue'), 'Arn'] };
    const onWorkQueue = statements(t).filter((s) => [workQueueArn, dlqArn].some((arn) => JSON.stringify(s.Resource).includes(JSON.stringify(arn))));
    expect(onWorkQueue).toEqual([
      {
        Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Effect: 'Allow',
        Resource: workQueueArn,
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: [workQueueArn, dlqArn] },
    ]);
    // Sending elsewhere is unchanged: only the SNS path's on-failure destination.
    expect(statements(t).filter((s) => [s.Action].flat().includes('sqs:SendMessage')).length).toBe(2);
    // The table grant is unchanged: the threshold is checked by a Scan, so no dynamodb:DescribeTable.
    expect(statements(t).flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('dynamodb:')).sort())
      .toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:Scan']);
  });

  test('the defaults in the environment: 10,000, 16 segments, 4 workers, 3,000/s, 10 s, 3 attempts', () => {
    // WHEN segmented broadcast is on with its defaults
    const t = synth({ segmentedBroadcast: {} }).template();

    // THEN threshold 10,000, 16 segments, 4 workers, 3,000/s, a 10 s margin, 3 attempts
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FANOUT_THRESHOLD: '10000',
          FANOUT_SEGMENTS: '16',
          WORKER_CONCURRENCY: '4',
          RATE_LIMIT_PER_SECOND: '3000',
          TIME_MARGIN_MS: '10000',
          FANOUT_MAX_ATTEMPTS: '3',
          WORK_QUEUE_URL: { Ref: ref(t, 'PusherWorkQueue') },
          WORK_QUEUE_ARN: { 'Fn::GetAtt': [ref(t, 'PusherWorkQueue'), 'Arn'] },
        }),
      },
    });
  });

  test('every option overridden; the default margin follows the timeout', () => {
    // WHEN every option is overridden, and the timeout is 15 minutes
    const t = synth({
      timeout: Duration.minutes(15),
      segmentedBroadcast: { threshold: 0, totalSegments: 64, workerConcurrency: 20, sendRatePerSecond: 8_000, maxCarryForwardAttempts: 5 },
    }).template();

    // THEN every setting is in the environment, and the default margin follows the timeout
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FANOUT_THRESHOLD: '0',
          FANOUT_SEGMENTS: '64',
          WORKER_CONCURRENCY: '20',
          RATE_LIMIT_PER_SECOND: '8000',
          TIME_MARGIN_MS: '150000',
          FANOUT_MAX_ATTEMPTS: '5',
        }),
      },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 5400, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });

    // WHEN the margin is given
    const explicit = synth({ segmentedBroadcast: { timeMargin: Duration.seconds(20) } }).template();

    // THEN it is used
    explicit.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TIME_MARGIN_MS: '20000' }) } });
  });

  test('works without the public queue (SNS only)', () => {
    // WHEN the public queue is off (SNS only)
    const t = synth({ enableQueue: false, segmentedBroadcast: {} }).template();

    // THEN
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1 });
  });

  test('grantPublish never covers the work queue', () => {
    // GIVEN segmented broadcast on, and a backend role
    const { stack, pusher, template } = synth({ segmentedBroadcast: {} });
    const backend = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    pusher.grantPublish(backend);

    // THEN
    const t = template();
    const workQueueArn = { 'Fn::GetAtt': [ref(t, 'PusherWorkQueue'), 'Arn'] };
    const backendPolicy = Object.values(t.findResources('AWS::IAM::Policy'))
      .find((p: any) => p.Properties.Roles.some((r: any) => JSON.stringify(r).includes('Backend'))) as any;
    expect(JSON.stringify(backendPolicy.Properties.PolicyDocument)).not.toContain(JSON.stringify(workQueueArn));
  });
});

describe('validation', () => {
  test.each([
    [{ segmentedBroadcast: { threshold: -1 } }, 'segmentedBroadcast.threshold must be an integer from 0 to 100000000, got -1'],
    [{ segmentedBroadcast: { totalSegments: 0 } }, 'segmentedBroadcast.totalSegments must be an integer from 1 to 1000, got 0'],
    [{ segmentedBroadcast: { workerConcurrency: 1 } }, 'segmentedBroadcast.workerConcurrency must be an integer from 2 to 1000, got 1'],
    [{ segmentedBroadcast: { sendRatePerSecond: 0.5 } }, 'segmentedBroadcast.sendRatePerSecond must be an integer from 1 to 1000000, got 0.5'],
    [{ segmentedBroadcast: { maxCarryForwardAttempts: 21 } }, 'segmentedBroadcast.maxCarryForwardAttempts must be an integer from 1 to 20, got 21'],
    [{ segmentedBroadcast: { timeMargin: Duration.minutes(1) } }, 'segmentedBroadcast.timeMargin must be at least 1 second and less than the timeout (1 minute), got 1 minute'],
    [{ segmentedBroadcast: { timeMargin: Duration.millis(500) } }, 'segmentedBroadcast.timeMargin must be at least 1 second'],
    [{ reservedConcurrentExecutions: 3, segmentedBroadcast: {} }, 'reservedConcurrentExecutions (3) must be at least segmentedBroadcast.workerConcurrency (4)'],
  ])('%j throws', (props, message) => {
    // WHEN / THEN
    expect(() => synth(props as Partial<WebsocketPusherProps>)).toThrow(message);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no unsuppressed finding with segmented broadcast on, and no new suppression', () => {
    // GIVEN segmented broadcast on
    const { app, stack } = synth({ segmentedBroadcast: { threshold: 0 } });

    // WHEN the AwsSolutions checks run
    const findings = nagFindings(app, stack);

    // THEN
    expect(findings).toEqual([]);
    const suppressions = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.map((s: any) => s.id).sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']);
  });
});
