import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { nagFindings, stackWithStage, TEST_ENV } from './support';
import { WebsocketPusher, WebsocketPusherProps } from '../../src';

const ENV = TEST_ENV;

function synth(props: Partial<WebsocketPusherProps> = {}) {
  const { stack, stage } = stackWithStage();
  const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props });
  return {
    stack,
    pusher,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

function policyStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function statementFor(template: Template, action: string): any {
  const found = statementsFor(template, action);
  expect(found).toHaveLength(1);
  return found[0];
}

function statementsFor(template: Template, action: string): any[] {
  return policyStatements(template).filter((s) => [s.Action].flat().includes(action));
}

/** The pusher's own work queue and its DLQ exist in every template: two queues, one event source, one SendMessage. */
const WORK_QUEUES = 2;

describe('defaults', () => {
  test('creates the connections table: user_id / connection_id, on-demand, PITR, TTL', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'user_id', KeyType: 'HASH' },
        { AttributeName: 'connection_id', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'user_id', AttributeType: 'S' },
        { AttributeName: 'connection_id', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  test('the function: Node.js 22 on ARM64, 1,024 MB, 1 minute, its own log group, its settings', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN the handler settings are in its environment
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 60,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('PusherLogGroup') } },
      Environment: {
        Variables: {
          CONNECTIONS_TABLE_NAME: { Ref: Match.stringLikeRegexp('PusherConnectionsTable') },
          USER_ID_ATTRIBUTE: 'user_id',
          CONNECTION_ID_ATTRIBUTE: 'connection_id',
          TTL_ATTRIBUTE: 'expires_at',
          CALLBACK_URL: {
            'Fn::Join': ['', ['https://', { Ref: Match.stringLikeRegexp('Api') }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/live']],
          },
          MAX_IN_FLIGHT: '128',
          MAX_ATTEMPTS: '5',
          SCAN_SEGMENTS: '4',
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // No reserved concurrency unless asked for.
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the function role has no managed policy (only its own log group)', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementFor(template, 'logs:PutLogEvents')).toEqual({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PusherLogGroup/), 'Arn'] },
    });
  });

  test('SQS source: an encrypted, TLS-only queue with a dead-letter queue after 5 receives', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    template.resourceCountIs('AWS::SQS::Queue', 3 + WORK_QUEUES); // queue, its DLQ, the failed-events queue, the work queues
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    // Every queue refuses requests that are not TLS.
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as any[];
    expect(policies).toHaveLength(3 + WORK_QUEUES);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]));
    }
  });

  test('SQS event source reports partial batch failures, batches of 10', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN (the other event source is the work queue's)
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('PusherFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: Match.absent(),
    });
  });

  test('SNS source: an encrypted, TLS-only topic the function subscribes to, with a DLQ', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111111111111:alias/aws/sns']] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('PusherTopic') },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherFunction'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherFailedEventsQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: Match.stringLikeRegexp('PusherTopic') },
    });
  });

  test('SNS path: an on-failure destination queue and 2 async retries', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherFailedEventsQueue'), 'Arn'] } },
      },
    });
    expect(statementsFor(template, 'sqs:SendMessage').map((s) => s.Resource)).toContainEqual(
      { 'Fn::GetAtt': [expect.stringMatching(/^PusherFailedEventsQueue/), 'Arn'] });
  });
});

describe('least privilege', () => {
  test('on the table: Query, Scan, BatchWriteItem on its ARN only (no index, no other action)', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    const dynamo = policyStatements(template).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([{
      Action: ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PusherConnectionsTable/), 'Arn'] },
    }]);
  });

  test('execute-api:ManageConnections only on POST @connections/* of the one stage', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    expect(statementFor(template, 'execute-api:ManageConnections')).toEqual({
      Action: 'execute-api:ManageConnections',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': ['', [
          'arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:',
          { Ref: expect.stringMatching(/^Api/) }, '/live/POST/@connections/*',
        ]],
      },
    });
  });

  test('the SQS statement covers only the consumption actions on the queue', () => {
    // WHEN the pusher is added with its defaults
    const { template } = synth();

    // THEN
    const consume = (queue: RegExp) => ({
      Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(queue), 'Arn'] },
    });
    expect(statementsFor(template, 'sqs:ReceiveMessage')).toEqual([consume(/^PusherQueue/), consume(/^PusherWorkQueue/)]);
  });

  test('a customer-managed table key: decrypt only', () => {
    // WHEN the created table is encrypted with a customer-managed key
    const { template } = synth({ connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } });

    // THEN
    const kmsStatements = policyStatements(template).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([expect.objectContaining({ Action: 'kms:Decrypt' })]);
  });
});

describe('overrides', () => {
  test('an existing table: none created, its ARN in the grant, its key names in the environment', () => {
    // GIVEN an existing table with custom key names
    const { stack, stage } = stackWithStage();
    const table = dynamodb.Table.fromTableName(stack, 'Existing', 'app-connections');

    // WHEN
    const pusher = new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: stage,
      connectionsTable: table,
      userIdAttribute: 'uid',
      connectionIdAttribute: 'cid',
      timeToLiveAttribute: 'ttl',
    });

    // THEN no table is created, its ARN is in the grant, its key names in the environment
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(pusher.connectionsTable).toBe(table);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CONNECTIONS_TABLE_NAME: 'app-connections', USER_ID_ATTRIBUTE: 'uid', CONNECTION_ID_ATTRIBUTE: 'cid', TTL_ATTRIBUTE: 'ttl',
        }),
      },
    });
    expect(statementFor(template, 'dynamodb:Query').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:eu-west-1:111111111111:table/app-connections']],
    });
  });

  test('created table settings: custom key names become the key schema and TTL, props applied', () => {
    // WHEN the created table is given custom key names and props
    const { template } = synth({
      userIdAttribute: 'uid',
      connectionIdAttribute: 'cid',
      timeToLiveAttribute: 'ttl',
      connectionsTableProps: { tableName: 'conns', removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false, deletionProtection: true },
    });

    // THEN the key names become the key schema and TTL, the props are applied
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'conns',
      KeySchema: [{ AttributeName: 'uid', KeyType: 'HASH' }, { AttributeName: 'cid', KeyType: 'RANGE' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('an imported stage with a custom callback URL', () => {
    // GIVEN an imported stage
    const app = new App();
    const stack = new Stack(app, 'Imported', { env: ENV });
    const api = apigwv2.WebSocketApi.fromWebSocketApiAttributes(stack, 'Api', { webSocketId: 'abc123' });
    const stage = apigwv2.WebSocketStage.fromWebSocketStageAttributes(stack, 'Stage', { api, stageName: 'prod' });

    // WHEN a custom callback URL is given
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, callbackUrl: 'https://live.example.com/push' });

    // THEN
    const template = Template.fromStack(stack);
    expect(pusher.callbackUrl).toBe('https://live.example.com/push');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CALLBACK_URL: 'https://live.example.com/push' }) },
    });
    expect(statementFor(template, 'execute-api:ManageConnections').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:abc123/prod/POST/@connections/*']],
    });
  });

  test('an imported stage without a callback URL gets the endpoint computed from its attributes', () => {
    // GIVEN an imported stage
    const app = new App();
    const stack = new Stack(app, 'Imported', { env: ENV });
    const api = apigwv2.WebSocketApi.fromWebSocketApiAttributes(stack, 'Api', { webSocketId: 'abc123' });
    const stage = apigwv2.WebSocketStage.fromWebSocketStageAttributes(stack, 'Stage', { api, stageName: 'prod' });

    // WHEN no callback URL is given
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage });

    // THEN the execute-api endpoint is computed from the stage's attributes
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CALLBACK_URL: { 'Fn::Join': ['', ['https://abc123.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/prod']] },
        }),
      },
    });
  });

  test('function settings and handler tuning', () => {
    // WHEN
    const { template } = synth({
      memorySize: 2048,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 7,
      architecture: lambda.Architecture.X86_64,
      logRetention: logs.RetentionDays.ONE_WEEK,
      maxInFlight: 200,
      maxAttempts: 3,
      scanSegments: 16,
      retryAttempts: 0,
    });

    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 300,
      ReservedConcurrentExecutions: 7,
      Architectures: ['x86_64'],
      Environment: { Variables: Match.objectLike({ MAX_IN_FLIGHT: '200', MAX_ATTEMPTS: '3', SCAN_SEGMENTS: '16' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    // The created queue's visibility timeout follows the function timeout (6x).
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
  });

  test('event source settings: batch size, batching window, maximum concurrency', () => {
    // WHEN
    const { template } = synth({ batchSize: 500, maxBatchingWindow: Duration.seconds(2), maxConcurrency: 20 });

    // THEN
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 20 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('a customised created queue: queueProps over the defaults, DLQ props, maxReceiveCount', () => {
    // WHEN
    const { template } = synth({
      queueProps: { queueName: 'notifications', receiveMessageWaitTime: Duration.seconds(0) },
      deadLetterQueueProps: { queueName: 'notifications-dlq' },
      maxReceiveCount: 3,
    });

    // THEN queueProps are merged over the defaults; the DLQ props and maxReceiveCount apply
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'notifications',
      ReceiveMessageWaitTimeSeconds: 0,
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'notifications-dlq', SqsManagedSseEnabled: true });
  });

  test('an existing queue and topic: none created, both wired', () => {
    // GIVEN an existing queue and topic
    const { stack, stage } = stackWithStage();
    const queue = sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:eu-west-1:111111111111:requests');
    const topic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:111111111111:requests');

    // WHEN
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, queue, topic });

    // THEN
    const template = Template.fromStack(stack);
    expect(pusher.queue).toBe(queue);
    expect(pusher.topic).toBe(topic);
    expect(pusher.deadLetterQueue).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SQS::Queue', 1 + WORK_QUEUES); // only the failed-events queue, and the work queues
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:eu-west-1:111111111111:requests',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: 'arn:aws:sns:eu-west-1:111111111111:requests', Protocol: 'lambda',
    });
  });

  test('topic customised with topicProps', () => {
    // GIVEN a key for the topic
    const { stack, stage } = stackWithStage();
    const key = new kms.Key(stack, 'Key');

    // WHEN
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, topicProps: { topicName: 'requests', masterKey: key } });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'requests',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
    });
  });

  test('SQS off: no queue, no event source mapping', () => {
    // WHEN
    const { template, pusher } = synth({ enableQueue: false });

    // THEN
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1); // the work queue's only
    template.resourceCountIs('AWS::SQS::Queue', 1 + WORK_QUEUES); // the failed-events queue of the SNS path, the work queues
    expect(pusher.queue).toBeUndefined();
    expect(pusher.deadLetterQueue).toBeUndefined();
  });

  test('SNS off: no topic, no subscription, no on-failure destination', () => {
    // WHEN
    const { template, pusher } = synth({ enableTopic: false });

    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    template.resourceCountIs('AWS::SQS::Queue', 2 + WORK_QUEUES);
    expect(pusher.topic).toBeUndefined();
    expect(pusher.failedEventsQueue).toBeUndefined();
  });
});

describe('grantPublish', () => {
  test('grants sns:Publish on the topic and sqs:SendMessage on the queue', () => {
    // GIVEN a pusher with its defaults, and a backend role
    const { stack, pusher } = synth();
    const backend = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    pusher.grantPublish(backend);

    // THEN
    const template = Template.fromStack(stack);
    const policy = Object.entries(template.findResources('AWS::IAM::Policy'))
      .find(([id]) => id.startsWith('BackendDefaultPolicy'))![1] as any;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^PusherTopic/) } },
      {
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PusherQueue/), 'Arn'] },
      },
    ]);
  });

  test('with only the queue, grants only on the queue', () => {
    // GIVEN a pusher without a topic, and a backend role
    const { stack, pusher } = synth({ enableTopic: false });
    const backend = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    const grant = pusher.grantPublish(backend);

    // THEN
    expect(grant.success).toBe(true);
    const statements = policyStatements(Template.fromStack(stack))
      .filter((s) => [s.Action].flat().some((a: string) => a === 'sns:Publish' || a === 'sqs:SendMessage'));
    // The pusher's own SendMessage on the failed-events queue is absent with SNS off: the backend's grant, and the
    // pusher's own on its work queues, are left.
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: [expect.anything(), expect.anything()] }),
      expect.objectContaining({ Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] }),
    ]);
  });
});

describe('validation', () => {
  const stage = () => stackWithStage();
  test.each([
    ['connectionsTable', 'connectionsTableProps', (s: Stack) => ({
      connectionsTable: dynamodb.Table.fromTableName(s, 'T', 't'), connectionsTableProps: { tableName: 'x' },
    })],
    ['queue', 'queueProps', (s: Stack) => ({ queue: sqs.Queue.fromQueueArn(s, 'Q', 'arn:aws:sqs:eu-west-1:111111111111:q'), queueProps: {} })],
    ['queue', 'deadLetterQueueProps', (s: Stack) => ({ queue: sqs.Queue.fromQueueArn(s, 'Q', 'arn:aws:sqs:eu-west-1:111111111111:q'), deadLetterQueueProps: {} })],
    ['topic', 'topicProps', (s: Stack) => ({ topic: sns.Topic.fromTopicArn(s, 'T', 'arn:aws:sns:eu-west-1:111111111111:t'), topicProps: {} })],
  ])('%s together with %s throws', (existing, created, make) => {
    // GIVEN
    const { stack, stage: st } = stage();

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'Pusher', { webSocketStage: st, ...make(stack) }))
      .toThrow(`WebsocketPusher: give either ${existing} (an existing resource) or ${created} (to customise the created one), not both`);
  });

  test('a disabled source with its settings throws', () => {
    // GIVEN
    const { stack, stage: st } = stage();

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'P1', { webSocketStage: st, enableQueue: false, batchSize: 5 }))
      .toThrow('WebsocketPusher: enableQueue is false, so batchSize cannot be given');
    expect(() => new WebsocketPusher(stack, 'P2', { webSocketStage: st, enableTopic: false, retryAttempts: 1 }))
      .toThrow('WebsocketPusher: enableTopic is false, so retryAttempts cannot be given');
  });

  test('both sources off throws', () => {
    // GIVEN
    const { stack, stage: st } = stage();

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'P', { webSocketStage: st, enableQueue: false, enableTopic: false }))
      .toThrow('WebsocketPusher: at least one source is needed; enableQueue and enableTopic are both false');
  });

  test.each([
    [{ maxInFlight: 0 }, 'WebsocketPusher: maxInFlight must be an integer from 1 to 10000, got 0'],
    [{ maxAttempts: 1.5 }, 'WebsocketPusher: maxAttempts must be an integer from 1 to 20, got 1.5'],
    [{ scanSegments: 5000 }, 'WebsocketPusher: scanSegments must be an integer from 1 to 1000, got 5000'],
    [{ retryAttempts: 3 }, 'WebsocketPusher: retryAttempts must be an integer from 0 to 2, got 3'],
    [{ userIdAttribute: ' ' }, 'WebsocketPusher: userIdAttribute must not be empty'],
    [{ userIdAttribute: 'id', connectionIdAttribute: 'id' }, 'WebsocketPusher: userIdAttribute and connectionIdAttribute must differ'],
  ])('invalid setting %j throws', (props, message) => {
    // GIVEN
    const { stack, stage: st } = stage();

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'P', { webSocketStage: st, ...props })).toThrow(message);
  });

  test('a batch size above 10 without a batching window is refused (by the SQS event source)', () => {
    // GIVEN
    const { stack, stage: st } = stage();

    // WHEN / THEN
    expect(() => new WebsocketPusher(stack, 'P', { webSocketStage: st, batchSize: 100 }))
      .toThrow('Maximum batch size must be between 1 and 10 inclusive (given 100) when batching window is not specified.');
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no unsuppressed finding, and every suppression states a reason', () => {
    // GIVEN the pusher and a backend allowed to publish
    const { app, stack, stage } = stackWithStage();
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage });
    const backend = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    pusher.grantPublish(backend);

    // WHEN the AwsSolutions checks run
    const findings = nagFindings(app, stack);

    // THEN
    expect(findings).toEqual([]);

    const suppressions = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.map((s: any) => s.id).sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(40);
  });
});
