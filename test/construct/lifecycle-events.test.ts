import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { nagFindings, stackWithStage } from './support';
import {
  ChannelRule, ConnectionUserId, LifecycleEvent, MessageFormat, WebsocketPusher, type WebsocketPusherProps,
} from '../../src';
import { ENV } from '../../src/shared/constants';
import { LIFECYCLE_EVENTS, OFFLINE_GRACE_SECONDS, PRESENCE_ENV, PRESENCE_TABLE } from '../../src/shared/presence';

const anonymous = { userId: ConnectionUserId.anonymous() };

function synth(extra: Partial<WebsocketPusherProps> = {}, before?: (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps>) {
  const s = stackWithStage();
  const more = before?.(s) ?? {};
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: anonymous,
    lifecycleEvents: {},
    ...extra,
    ...more,
  });
  return { ...s, pusher, template: Template.fromStack(s.stack) };
}

const resources = (template: Template, type: string): Array<[string, any]> => Object.entries(template.findResources(type));
const streamFunction = (template: Template) =>
  resources(template, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'WebsocketPusher: connection-stream')?.[1];
const idOf = (stack: any, construct: any) => stack.getLogicalId(construct.node.defaultChild);

describe('lifecycleEvents: resources', () => {
  test('the presence table: presence_key / user_id, TTL expires_at, on demand, point-in-time recovery, destroyed with the stack', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    const [, table] = resources(template, 'AWS::DynamoDB::Table').find(([id]) => id === idOf(stack, pusher.presenceTable))!;
    expect(table).toMatchObject({
      Properties: {
        KeySchema: [{ AttributeName: 'presence_key', KeyType: 'HASH' }, { AttributeName: 'user_id', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'presence_key', AttributeType: 'S' }, { AttributeName: 'user_id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      },
      DeletionPolicy: 'Delete',
    });
    expect(table.Properties.StreamSpecification).toBeUndefined();
    expect([PRESENCE_TABLE.KEY, PRESENCE_TABLE.USER_ID, PRESENCE_TABLE.EXPIRES_AT]).toEqual(['presence_key', 'user_id', 'expires_at']);
  });

  test('presenceTableProps customise the created table', () => {
    // WHEN
    const { stack, pusher, template } = synth({
      lifecycleEvents: { presenceTableProps: { tableName: 'presence', removalPolicy: RemovalPolicy.RETAIN, pointInTimeRecovery: false, deletionProtection: true } },
    });

    // THEN
    const [, table] = resources(template, 'AWS::DynamoDB::Table').find(([id]) => id === idOf(stack, pusher.presenceTable))!;
    expect(table).toMatchObject({
      Properties: { TableName: 'presence', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false }, DeletionProtectionEnabled: true },
      DeletionPolicy: 'Retain',
    });
  });

  test('a given presence table is used, and none is created', () => {
    // WHEN
    const { pusher, template } = synth({}, (s) => ({
      lifecycleEvents: { presenceTable: dynamodb.Table.fromTableName(s.stack, 'Presence', 'my-presence') },
    }));

    // THEN
    expect(pusher.presenceTable!.tableName).toBe('my-presence');
    expect(resources(template, 'AWS::DynamoDB::Table')).toHaveLength(1); // the connections table
    expect(streamFunction(template).Properties.Environment.Variables.PRESENCE_TABLE_NAME).toBe('my-presence');
  });

  test('the presence check queue: encrypted, TLS only, visibility 6 × the function\'s 30 s, a dead-letter queue after 5 receives', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    const queues = Object.fromEntries(resources(template, 'AWS::SQS::Queue'));
    const dlq = idOf(stack, pusher.presenceCheckDeadLetterQueue);
    expect(queues[idOf(stack, pusher.presenceCheckQueue)].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 345600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(queues[dlq].Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    for (const queue of [pusher.presenceCheckQueue!, pusher.presenceCheckDeadLetterQueue!]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: idOf(stack, queue) }],
        PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
      });
    }
    expect(streamFunction(template).Properties.Timeout).toBe(30);
  });

  test('the connection stream function: its own role and log group, arm64, 512 MB, Node.js 22', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    expect(streamFunction(template).Properties).toMatchObject({
      Architectures: ['arm64'],
      MemorySize: 512,
      Runtime: 'nodejs22.x',
      Timeout: 30,
      Role: { 'Fn::GetAtt': [idOf(stack, pusher.connectionStreamFunction!.role), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^PusherConnectionStreamFunctionLogGroup/) } },
    });
    expect(pusher.cleanupFailuresQueue).toBeDefined();
  });

  test('no channels: no subscriptions table, no channel routes', () => {
    // WHEN
    const { pusher, template } = synth();

    // THEN
    expect(pusher.subscriptionsTable).toBeUndefined();
    expect(pusher.channelsFunction).toBeUndefined();
    expect(resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$disconnect', 'ping']);
    expect(resources(template, 'AWS::Lambda::Function')).toHaveLength(2); // the pusher, the connection stream function
  });
});

describe('lifecycleEvents: the connection stream function\'s environment', () => {
  test('the contract\'s names, the default bus, the 30-second grace period, the stored context keys', () => {
    // WHEN
    const { stack, pusher, template } = synth({
      connectionRoutes: { ...anonymous, authorizerContextAttributes: ['tenant', 'plan'] },
    });

    // THEN
    const variables = streamFunction(template).Properties.Environment.Variables;
    expect(variables).toEqual({
      [PRESENCE_ENV.EVENT_BUS_NAME]: 'default',
      [PRESENCE_ENV.PRESENCE_TABLE_NAME]: { Ref: idOf(stack, pusher.presenceTable) },
      [PRESENCE_ENV.PRESENCE_CHECK_QUEUE_URL]: { Ref: idOf(stack, pusher.presenceCheckQueue) },
      [PRESENCE_ENV.PRESENCE_CHECK_QUEUE_ARN]: { 'Fn::GetAtt': [idOf(stack, pusher.presenceCheckQueue), 'Arn'] },
      [PRESENCE_ENV.OFFLINE_GRACE_SECONDS]: '30',
      [PRESENCE_ENV.CONTEXT_ATTRIBUTES]: '["tenant","plan"]',
      [ENV.TABLE_NAME]: { Ref: idOf(stack, pusher.connectionsTable) },
      [ENV.USER_ID_ATTRIBUTE]: 'user_id',
      [ENV.CONNECTION_ID_ATTRIBUTE]: 'connection_id',
      [ENV.TTL_ATTRIBUTE]: 'expires_at',
      [ENV.SERVICE_NAME]: pusher.serviceName,
      [ENV.METRICS_NAMESPACE]: 'WebsocketPusher',
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    });
    expect(OFFLINE_GRACE_SECONDS.DEFAULT).toBe(30);
  });

  test('a given bus by its name, a grace period, the table\'s own attribute names, the service name and namespace', () => {
    // WHEN
    const { stack, pusher, template } = synth({
      userIdAttribute: 'uid', connectionIdAttribute: 'cid', timeToLiveAttribute: 'ttl', serviceName: 'chat', metricsNamespace: 'Chat',
    }, (s) => ({ lifecycleEvents: { eventBus: new events.EventBus(s.stack, 'Bus'), offlineGracePeriod: Duration.minutes(2) } }));

    // THEN
    expect(streamFunction(template).Properties.Environment.Variables).toMatchObject({
      EVENT_BUS_NAME: { Ref: idOf(stack, pusher.lifecycleEventBus) },
      OFFLINE_GRACE_SECONDS: '120',
      CONTEXT_ATTRIBUTES: '[]',
      USER_ID_ATTRIBUTE: 'uid',
      CONNECTION_ID_ATTRIBUTE: 'cid',
      TTL_ATTRIBUTE: 'ttl',
      POWERTOOLS_SERVICE_NAME: 'chat',
      POWERTOOLS_METRICS_NAMESPACE: 'Chat',
    });
  });

  test('with channels too: one connection stream function with both parts\' settings', () => {
    // WHEN
    const { stack, pusher, template } = synth({
      messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('room/*')], shards: 3 },
    });

    // THEN
    expect(resources(template, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Description === 'WebsocketPusher: connection-stream')).toHaveLength(1);
    expect(streamFunction(template).Properties.Environment.Variables).toMatchObject({
      SUBSCRIPTIONS_TABLE_NAME: { Ref: idOf(stack, pusher.subscriptionsTable) },
      CHANNEL_SHARDS: '3',
      EVENT_BUS_NAME: 'default',
      PRESENCE_TABLE_NAME: { Ref: idOf(stack, pusher.presenceTable) },
      CONNECTIONS_TABLE_NAME: { Ref: idOf(stack, pusher.connectionsTable) },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4); // the pusher's queue and work queue, the stream, the check queue
  });

  test('the event names of the contract are LifecycleEvent\'s', () => {
    // THEN
    expect(Object.values(LifecycleEvent).sort()).toEqual(Object.values(LIFECYCLE_EVENTS).sort());
  });
});

describe('lifecycleEvents: event sources', () => {
  test('the connections table\'s stream (both images on the created table): every record type, partial failures, bisect, 10 retries, the failures queue', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }, { AttributeName: 'connection_id', KeyType: 'RANGE' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const [stream] = resources(template, 'AWS::Lambda::EventSourceMapping')
      .filter(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn')).map(([, m]) => m.Properties);
    expect(stream).toEqual({
      FunctionName: { Ref: idOf(stack, pusher.connectionStreamFunction) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack, pusher.connectionsTable), 'StreamArn'] },
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [idOf(stack, pusher.cleanupFailuresQueue), 'Arn'] } } },
    });
  });

  test('the presence check queue: partial batch failures, 10 checks at most per invocation', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(stack, pusher.connectionStreamFunction) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack, pusher.presenceCheckQueue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('lifecycleEvents: synth-time errors name the prop', () => {
  type Extra = (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps>;
  const construct = (props: Partial<WebsocketPusherProps>, before?: Extra) => () => {
    const s = stackWithStage();
    new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, ...props, ...before?.(s) });
  };

  test('without connectionRoutes', () => {
    expect(construct({ lifecycleEvents: {} })).toThrow(
      'WebsocketPusher: lifecycleEvents needs connectionRoutes (the rows $connect writes are what the connections table\'s stream carries) [TestStack/Pusher; Python: lifecycle_events, connection_routes]');
  });

  test.each([
    ['0 seconds', Duration.seconds(0)],
    ['16 minutes', Duration.minutes(16)],
    ['1.5 seconds', Duration.millis(1500)],
  ])('offlineGracePeriod of %s', (_name, offlineGracePeriod) => {
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: { offlineGracePeriod } }))
      .toThrow(/^WebsocketPusher: lifecycleEvents\.offlineGracePeriod must be whole seconds from 1 second to 15 minutes \(SQS's longest delay\), got .+ \[TestStack\/Pusher; Python: lifecycle_events\.offline_grace_period\]$/);
  });

  test.each([Duration.seconds(1), Duration.minutes(15)])('offlineGracePeriod of %s is accepted', (offlineGracePeriod) => {
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: { offlineGracePeriod } })).not.toThrow();
  });

  test('a given connectionsTable without a stream', () => {
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: {} }, (s) => ({
      connectionsTable: new dynamodb.Table(s.stack, 'Connections', {
        partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'connection_id', type: dynamodb.AttributeType.STRING },
      }),
    }))).toThrow('WebsocketPusher: with lifecycleEvents, connectionsTable needs a stream (StreamViewType.NEW_AND_OLD_IMAGES): lifecycle events are read from its rows\' changes');
  });

  test('a given connectionsTable whose stream has the keys only', () => {
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: {} }, (s) => ({
      connectionsTable: new dynamodb.Table(s.stack, 'Connections', {
        partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'connection_id', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.KEYS_ONLY,
      }),
    }))).toThrow('WebsocketPusher: with lifecycleEvents, connectionsTable\'s stream must be StreamViewType.NEW_AND_OLD_IMAGES');
  });

  test('a given connectionsTable with both images is used', () => {
    // WHEN
    const { stack, pusher, template } = synth({}, (s) => ({
      connectionsTable: new dynamodb.Table(s.stack, 'Connections', {
        partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'connection_id', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      }),
    }));

    // THEN
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(stack, pusher.connectionStreamFunction) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack, pusher.connectionsTable), 'StreamArn'] },
    });
  });

  test('with channels too, one message names both', () => {
    expect(construct({
      connectionRoutes: anonymous, lifecycleEvents: {}, messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('a/*')] },
    }, (s) => ({ connectionsTable: dynamodb.Table.fromTableName(s.stack, 'Connections', 'connections') })))
      .toThrow('WebsocketPusher: with channels and lifecycleEvents, connectionsTable needs a stream (StreamViewType.NEW_AND_OLD_IMAGES): '
        + 'a connection\'s subscriptions are removed when its row goes; lifecycle events are read from its rows\' changes');
  });

  test('both presenceTable and presenceTableProps', () => {
    expect(construct({ connectionRoutes: anonymous }, (s) => ({
      lifecycleEvents: { presenceTable: dynamodb.Table.fromTableName(s.stack, 'P', 'p'), presenceTableProps: {} },
    }))).toThrow('WebsocketPusher: give either lifecycleEvents.presenceTable (an existing resource) or lifecycleEvents.presenceTableProps (to customise the created one), not both');
  });

  test('wrongly typed fields (plain JavaScript)', () => {
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: { offlineGracePeriod: 30 as any, eventBus: 'default' as any } }))
      .toThrow(/lifecycleEvents\.eventBus must be an IEventBus, got 'default'[\s\S]*lifecycleEvents\.offlineGracePeriod must be a Duration/);
    expect(construct({ connectionRoutes: anonymous, lifecycleEvents: true as any }))
      .toThrow('WebsocketPusher: lifecycleEvents must be a LifecycleEventsOptions, got true');
  });
});

describe('without lifecycleEvents nothing is added', () => {
  test('no presence table, no check queue, no connection stream function, no stream, no rules', () => {
    // WHEN
    const s = stackWithStage();
    const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: anonymous });
    const template = Template.fromStack(s.stack);

    // THEN
    expect([pusher.lifecycleEventBus, pusher.presenceTable, pusher.presenceCheckQueue, pusher.presenceCheckDeadLetterQueue,
      pusher.connectionStreamFunction, pusher.cleanupFailuresQueue]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(resources(template, 'AWS::DynamoDB::Table')[0][1].Properties.StreamSpecification).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('with channels only, the connection stream function keeps exactly the channels\' settings', () => {
    // WHEN
    const s = stackWithStage();
    new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage, connectionRoutes: anonymous, messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('room/*')] },
    });
    const template = Template.fromStack(s.stack);

    // THEN
    expect(Object.keys(streamFunction(template).Properties.Environment.Variables).sort()).toEqual([
      'AWS_NODEJS_CONNECTION_REUSE_ENABLED', 'CHANNEL_SHARDS', 'CONNECTION_ID_ATTRIBUTE', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME',
      'SUBSCRIPTIONS_TABLE_NAME',
    ]);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3); // the pusher's queue and work queue, the stream
    expect(resources(template, 'AWS::SQS::Queue').map(([id]) => id).filter((id) => id.includes('Presence'))).toEqual([]);
  });
});

test('cdk-nag: no finding with lifecycle events, a given bus, channels and alarms', () => {
  // WHEN
  const { app, stack } = synth({
    connectionRoutes: { ...anonymous, authorizerContextAttributes: ['tenant'] },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*')] },
    alarms: {},
  }, (s) => ({ lifecycleEvents: { eventBus: new events.EventBus(s.stack, 'Bus'), presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } } }));

  // THEN
  expect(nagFindings(app, stack)).toEqual([]);
});

test('cdk-nag: no finding with lifecycle events alone, on the default bus', () => {
  // WHEN
  const { app, stack } = synth();

  // THEN
  expect(nagFindings(app, stack)).toEqual([]);
});
