import { Template } from 'aws-cdk-lib/assertions';
import { everythingOn, readmeTable, stackWithStage, type SynthesizedResource } from './support';
import { WebsocketPusher } from '../../src';

// README's "What the construct creates", checked row by row against a template with every feature on: every resource
// the construct (and a `JwtAuthorizer`) creates is in exactly one row, every row has resources, and what a row states
// about them (a setting, a size, a key) is what the template says. The facts are the row's own words: a row reworded
// or a default changed fails here until the two agree again.

const { resources } = everythingOn();

/** The one resource whose construct path ends with `suffix` (under `TestStack/`). */
function at(suffix: string): SynthesizedResource {
  const found = resources.filter((r) => r.path === `TestStack/${suffix}`);
  if (found.length !== 1) throw new Error(`${found.length} resources at TestStack/${suffix}`);
  return found[0];
}
const props = (suffix: string) => at(suffix).Properties;
const ofType = (type: string) => resources.filter((r) => r.type === type);
const arnOf = (suffix: string) => ({ 'Fn::GetAtt': [at(suffix).logicalId, 'Arn'] });
const keys = (table: string) => props(table).KeySchema.map((k: { AttributeName: string; KeyType: string }) => `${k.KeyType} ${k.AttributeName}`);
/** A queue or topic policy that denies every action without TLS. */
const tlsOnly = (policy: string) => expect(props(policy).PolicyDocument.Statement).toContainEqual(expect.objectContaining({
  Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
}));
const onDemandWithRecovery = (table: string) => {
  expect(props(table).BillingMode).toBe('PAY_PER_REQUEST');
  expect(props(table).PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
};
const ttl = (table: string, attribute: string) => expect(props(table).TimeToLiveSpecification).toEqual({ AttributeName: attribute, Enabled: true });
/** A function's runtime, architecture, memory (MB) and timeout (s). */
const sized = (fn: string, memory: number, timeout: number) => expect(props(fn)).toMatchObject({
  Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: memory, Timeout: timeout,
});
const env = (fn: string) => props(fn).Environment.Variables;
const routeKeys = (paths: RegExp) => resources.filter((r) => r.type === 'AWS::ApiGatewayV2::Route' && paths.test(r.path)).map((r) => r.Properties.RouteKey).sort();

interface Row {
  /** The row's first cell. */
  readonly resource: RegExp;
  /** The resources it covers, as `<type> <construct path>`. */
  readonly covers: RegExp;
  /** What the row states (words found in it) and the check of that statement on the template. */
  readonly facts: Array<[string, () => void]>;
}

const ROWS: Row[] = [
  {
    resource: /^connections table$/,
    covers: / TestStack\/Pusher\/ConnectionsTable\/(Resource|Key\/Resource)$/,
    facts: [
      ['on-demand, point-in-time recovery', () => onDemandWithRecovery('Pusher/ConnectionsTable/Resource')],
      ['TTL attribute `expires_at`', () => ttl('Pusher/ConnectionsTable/Resource', 'expires_at')],
      ['hash `user_id`, range `connection_id`', () => expect(keys('Pusher/ConnectionsTable/Resource')).toEqual(['HASH user_id', 'RANGE connection_id'])],
    ],
  },
  {
    resource: /^SQS queue \+ dead-letter queue$/,
    covers: / TestStack\/Pusher\/(Queue|DeadLetterQueue)\/|EventSourceMapping TestStack\/Pusher\/Function\/SqsEventSource:TestStackPusherQueue/,
    facts: [
      ['SSE, TLS only', () => {
        expect(props('Pusher/Queue/Resource').SqsManagedSseEnabled).toBe(true);
        expect(props('Pusher/DeadLetterQueue/Resource').SqsManagedSseEnabled).toBe(true);
        tlsOnly('Pusher/Queue/Policy/Resource');
        tlsOnly('Pusher/DeadLetterQueue/Policy/Resource');
      }],
      ['visibility 6 × function timeout', () => expect(props('Pusher/Queue/Resource').VisibilityTimeout).toBe(6 * props('Pusher/Function/Resource').Timeout)],
      ['DLQ after 5 receives', () => expect(props('Pusher/Queue/Resource').RedrivePolicy)
        .toEqual({ deadLetterTargetArn: arnOf('Pusher/DeadLetterQueue/Resource'), maxReceiveCount: 5 })],
      ['event source with `ReportBatchItemFailures`', () => expect(resources.find((r) => r.path.includes('SqsEventSource:TestStackPusherQueue'))!.Properties)
        .toMatchObject({ EventSourceArn: arnOf('Pusher/Queue/Resource'), FunctionResponseTypes: ['ReportBatchItemFailures'] })],
    ],
  },
  {
    resource: /^SNS topic$/,
    covers: / TestStack\/Pusher\/(Topic\/|Function\/Topic\/|Function\/AllowInvoke:TestStackPusherTopic)/,
    facts: [
      ['encrypted (`alias/aws/sns`)', () => expect(JSON.stringify(props('Pusher/Topic/Resource').KmsMasterKeyId)).toContain('alias/aws/sns')],
      ['TLS only', () => tlsOnly('Pusher/Topic/Policy/Resource')],
      ['subscription with a dead-letter queue', () => expect(props('Pusher/Function/Topic/Resource')).toMatchObject({
        Protocol: 'lambda', RedrivePolicy: { deadLetterTargetArn: arnOf('Pusher/FailedEventsQueue/Resource') },
      })],
    ],
  },
  {
    resource: /^failed-events queue$/,
    covers: / TestStack\/Pusher\/(FailedEventsQueue\/|Function\/EventInvokeConfig\/)/,
    facts: [
      ['on-failure destination of the SNS path after 2 retries', () => expect(props('Pusher/Function/EventInvokeConfig/Resource')).toMatchObject({
        MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: arnOf('Pusher/FailedEventsQueue/Resource') } },
      })],
    ],
  },
  {
    resource: /^work queue \+ dead-letter queue$/,
    covers: / TestStack\/Pusher\/(WorkQueue|WorkDeadLetterQueue)\/|EventSourceMapping TestStack\/Pusher\/Function\/SqsEventSource:TestStackPusherWorkQueue/,
    facts: [
      ['SSE, TLS only', () => {
        expect(props('Pusher/WorkQueue/Resource').SqsManagedSseEnabled).toBe(true);
        expect(props('Pusher/WorkDeadLetterQueue/Resource').SqsManagedSseEnabled).toBe(true);
        tlsOnly('Pusher/WorkQueue/Policy/Resource');
        tlsOnly('Pusher/WorkDeadLetterQueue/Policy/Resource');
      }],
      ['consumed one item per invocation', () => expect(resources.find((r) => r.path.includes('SqsEventSource:TestStackPusherWorkQueue'))!.Properties)
        .toMatchObject({ EventSourceArn: arnOf('Pusher/WorkQueue/Resource'), BatchSize: 1 })],
      ['DLQ after 3 receives', () => expect(props('Pusher/WorkQueue/Resource').RedrivePolicy)
        .toEqual({ deadLetterTargetArn: arnOf('Pusher/WorkDeadLetterQueue/Resource'), maxReceiveCount: 3 })],
    ],
  },
  {
    resource: /^`\$connect` \/ `\$disconnect` routes \+ their role$/,
    covers: / TestStack\/Pusher\/(ConnectRoute|DisconnectRoute|ConnectionRoutesRole)\//,
    facts: [
      ['DynamoDB `PutItem` / `DeleteItem` integrations', () => {
        expect(JSON.stringify(props('Pusher/ConnectRoute/ConnectIntegration/Resource').IntegrationUri)).toContain('dynamodb:action/PutItem');
        expect(JSON.stringify(props('Pusher/DisconnectRoute/DisconnectIntegration/Resource').IntegrationUri)).toContain('dynamodb:action/DeleteItem');
      }],
      ['the authorizer on `$connect`', () => {
        expect(props('Pusher/ConnectRoute/Resource')).toMatchObject({
          RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: at('Api/Jwt/Resource').logicalId },
        });
        expect(props('Pusher/DisconnectRoute/Resource')).toMatchObject({ RouteKey: '$disconnect', AuthorizationType: 'NONE' });
      }],
    ],
  },
  {
    resource: /^deduplication table$/,
    covers: / TestStack\/Pusher\/DeduplicationTable\//,
    facts: [
      ['on-demand', () => expect(props('Pusher/DeduplicationTable/Resource').BillingMode).toBe('PAY_PER_REQUEST')],
      ['TTL `expiration`, hash `id`', () => {
        ttl('Pusher/DeduplicationTable/Resource', 'expiration');
        expect(keys('Pusher/DeduplicationTable/Resource')).toEqual(['HASH id']);
      }],
    ],
  },
  {
    resource: /^subscriptions table$/,
    covers: / TestStack\/Pusher\/SubscriptionsTable\//,
    facts: [
      ['on-demand, point-in-time recovery, TTL `expires_at`', () => {
        onDemandWithRecovery('Pusher/SubscriptionsTable/Resource');
        ttl('Pusher/SubscriptionsTable/Resource', 'expires_at');
      }],
      ['hash `channel_key`, range `connection_id`, keys-only GSI `by_connection`', () => {
        expect(keys('Pusher/SubscriptionsTable/Resource')).toEqual(['HASH channel_key', 'RANGE connection_id']);
        expect(props('Pusher/SubscriptionsTable/Resource').GlobalSecondaryIndexes).toEqual([
          expect.objectContaining({ IndexName: 'by_connection', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        ]);
      }],
    ],
  },
  {
    resource: /^history table$/,
    covers: / TestStack\/Pusher\/HistoryTable\//,
    facts: [
      ['on-demand, point-in-time recovery, TTL `expires_at`', () => {
        onDemandWithRecovery('Pusher/HistoryTable/Resource');
        ttl('Pusher/HistoryTable/Resource', 'expires_at');
      }],
      ['hash `channel_key`, range `seq` (a Number)', () => {
        expect(keys('Pusher/HistoryTable/Resource')).toEqual(['HASH channel_key', 'RANGE seq']);
        expect(props('Pusher/HistoryTable/Resource').AttributeDefinitions).toContainEqual({ AttributeName: 'seq', AttributeType: 'N' });
      }],
    ],
  },
  {
    resource: /^channels function \+ `subscribe`, `unsubscribe`, `presence`, `resume`, `\$default` routes$/,
    covers: / TestStack\/Pusher\/(ChannelsFunction|ChannelsFunctionRole|ChannelsFunctionLogGroup|(Subscribe|Unsubscribe|Presence|Resume|Default)Route)\//,
    facts: [
      ['Node.js 22, ARM64, 512 MB, 30 s, own role and log group', () => {
        sized('Pusher/ChannelsFunction/Resource', 512, 30);
        expect(props('Pusher/ChannelsFunction/Resource').Role).toEqual(arnOf('Pusher/ChannelsFunctionRole/Resource'));
        expect(props('Pusher/ChannelsFunction/Resource').LoggingConfig.LogGroup).toEqual({ Ref: at('Pusher/ChannelsFunctionLogGroup/Resource').logicalId });
      }],
      ['`subscribe`, `unsubscribe`, `presence`, `resume`, `$default` routes', () => expect(routeKeys(/\/(Subscribe|Unsubscribe|Presence|Resume|Default)Route\//))
        .toEqual(['$default', 'presence', 'resume', 'subscribe', 'unsubscribe'])],
      ['AWS_PROXY integrations with route responses', () => {
        const channelRoutes = resources.filter((r) => /Pusher\/(Subscribe|Unsubscribe|Presence|Resume|Default)Route\/Resource$/.test(r.path));
        for (const route of channelRoutes) {
          const integration = resources.find((r) => JSON.stringify(route.Properties.Target).includes(`"${r.logicalId}"`))!;
          expect({ route: route.path, type: integration.Properties.IntegrationType }).toEqual({ route: route.path, type: 'AWS_PROXY' });
        }
        expect(resources.filter((r) => /Pusher\/(Subscribe|Unsubscribe|Presence|Resume|Default)Route\/Response$/.test(r.path))).toHaveLength(5);
      }],
      ['an invoke permission per route', () => expect(ofType('AWS::Lambda::Permission')
        .filter((r) => /Pusher\/(Subscribe|Unsubscribe|Presence|Resume|Default)Route\/ChannelsIntegration-Permission$/.test(r.path))).toHaveLength(5)],
    ],
  },
  {
    resource: /^connection stream function \+ cleanup failures queue$/,
    covers: / TestStack\/Pusher\/(ConnectionStreamFunction(Role|LogGroup)?\/(Resource|DefaultPolicy|DynamoDBEventSource)|CleanupFailuresQueue\/)/,
    facts: [
      ['Node.js 22, ARM64, 512 MB, 30 s, own role and log group', () => {
        sized('Pusher/ConnectionStreamFunction/Resource', 512, 30);
        expect(props('Pusher/ConnectionStreamFunction/Resource').Role).toEqual(arnOf('Pusher/ConnectionStreamFunctionRole/Resource'));
        expect(props('Pusher/ConnectionStreamFunction/Resource').LoggingConfig.LogGroup)
          .toEqual({ Ref: at('Pusher/ConnectionStreamFunctionLogGroup/Resource').logicalId });
      }],
      ['`NEW_AND_OLD_IMAGES` on the created table', () => expect(props('Pusher/ConnectionsTable/Resource').StreamSpecification)
        .toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' })],
      ['batches of 100, partial batch failures, bisect, 10 retries, then the queue', () => expect(resources
        .find((r) => r.path.includes('ConnectionStreamFunction/DynamoDBEventSource'))!.Properties).toMatchObject({
        BatchSize: 100,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        DestinationConfig: { OnFailure: { Destination: arnOf('Pusher/CleanupFailuresQueue/Resource') } },
      })],
    ],
  },
  {
    resource: /^presence table$/,
    covers: / TestStack\/Pusher\/PresenceTable\//,
    facts: [
      ['on-demand, point-in-time recovery, TTL `expires_at`', () => {
        onDemandWithRecovery('Pusher/PresenceTable/Resource');
        ttl('Pusher/PresenceTable/Resource', 'expires_at');
      }],
      ['hash `presence_key`, range `user_id`', () => expect(keys('Pusher/PresenceTable/Resource')).toEqual(['HASH presence_key', 'RANGE user_id'])],
    ],
  },
  {
    resource: /^presence check queue \+ dead-letter queue$/,
    covers: / TestStack\/Pusher\/(PresenceCheckQueue|PresenceCheckDeadLetterQueue)\/|ConnectionStreamFunction\/SqsEventSource:TestStackPusherPresenceCheckQueue/,
    facts: [
      ['SSE, TLS only', () => {
        expect(props('Pusher/PresenceCheckQueue/Resource').SqsManagedSseEnabled).toBe(true);
        expect(props('Pusher/PresenceCheckDeadLetterQueue/Resource').SqsManagedSseEnabled).toBe(true);
        tlsOnly('Pusher/PresenceCheckQueue/Policy/Resource');
        tlsOnly('Pusher/PresenceCheckDeadLetterQueue/Policy/Resource');
      }],
      ['visibility 6 × 30 s, DLQ after 5 receives (kept 14 days)', () => {
        expect(props('Pusher/PresenceCheckQueue/Resource')).toMatchObject({
          VisibilityTimeout: 6 * 30, RedrivePolicy: { deadLetterTargetArn: arnOf('Pusher/PresenceCheckDeadLetterQueue/Resource'), maxReceiveCount: 5 },
        });
        expect(props('Pusher/PresenceCheckDeadLetterQueue/Resource').MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }],
      ['(batches of 10, partial batch failures)', () => expect(resources.find((r) => r.path.includes('SqsEventSource:TestStackPusherPresenceCheckQueue'))!.Properties)
        .toMatchObject({ FunctionName: { Ref: at('Pusher/ConnectionStreamFunction/Resource').logicalId }, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] })],
    ],
  },
  {
    resource: /^lifecycle event rules$/,
    covers: /^AWS::Events::Rule TestStack\/Pusher\//,
    facts: [
      ['default: the account\'s default bus, not created', () => {
        expect(props('Pusher/UserOnline/Resource').EventBusName).toBe('default');
        expect(ofType('AWS::Events::EventBus')).toEqual([]);
      }],
    ],
  },
  {
    resource: /^pusher function$/,
    covers: / TestStack\/Pusher\/(Function\/Resource|ServiceRole\/|LogGroup\/)/,
    facts: [
      ['Node.js 22, ARM64, 1,024 MB', () => sized('Pusher/Function/Resource', 1024, 60)],
      ['1 minute, own role and log group (1 month)', () => {
        expect(props('Pusher/Function/Resource').Timeout).toBe(60);
        expect(props('Pusher/Function/Resource').Role).toEqual(arnOf('Pusher/ServiceRole/Resource'));
        expect(props('Pusher/Function/Resource').LoggingConfig.LogGroup).toEqual({ Ref: at('Pusher/LogGroup/Resource').logicalId });
        expect(props('Pusher/LogGroup/Resource').RetentionInDays).toBe(30);
      }],
      ['`maxInFlight` (128), `maxAttempts` (5), `scanSegments` (4)', () => expect(env('Pusher/Function/Resource'))
        .toMatchObject({ MAX_IN_FLIGHT: '128', MAX_ATTEMPTS: '5', SCAN_SEGMENTS: '4' })],
    ],
  },
  {
    resource: /^alarms$/,
    covers: /^AWS::CloudWatch::Alarm TestStack\/Pusher\//,
    facts: [
      ['each dead-letter queue not empty', () => {
        const deadLetterQueues = ofType('AWS::SQS::Queue').filter((r) => /DeadLetterQueue\/Resource$/.test(r.path));
        expect(deadLetterQueues.length).toBeGreaterThanOrEqual(3);
        for (const queue of deadLetterQueues) {
          expect(ofType('AWS::CloudWatch::Alarm').filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible'
            && JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue.logicalId, 'QueueName'] } }])))
            .toHaveLength(1);
        }
      }],
      ['the queue\'s oldest message (5 minutes)', () => expect(props('Pusher/BacklogAlarm/Resource')).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 300,
      })],
      ['`IteratorAge` (Maximum ≥ 5 minutes for three 5-minute periods)', () => expect(props('Pusher/ConnectionStreamIteratorAgeAlarm/Resource')).toMatchObject({
        MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 300_000, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3, Period: 300,
      })],
    ],
  },
  {
    resource: /^dashboard$/,
    covers: /^AWS::CloudWatch::Dashboard TestStack\/Pusher\/Dashboard\//,
    facts: [['only by `createDashboard()`', () => {
      expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
      const s = stackWithStage();
      new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, alarms: {} });
      Template.fromStack(s.stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    }]],
  },
  {
    resource: /^Logs Insights queries$/,
    covers: /^AWS::Logs::QueryDefinition TestStack\/Pusher\//,
    facts: [
      ['`<serviceName>/requests` and `<serviceName>/work-items`, on the log group', () => {
        const service = env('Pusher/Function/Resource').POWERTOOLS_SERVICE_NAME;
        expect(ofType('AWS::Logs::QueryDefinition').map((r) => r.Properties.Name)).toEqual([`${service}/requests`, `${service}/work-items`]);
        for (const query of ofType('AWS::Logs::QueryDefinition')) {
          expect(query.Properties.LogGroupNames).toEqual([{ Ref: at('Pusher/LogGroup/Resource').logicalId }]);
        }
      }],
    ],
  },
  {
    resource: /^`ping` route$/,
    covers: / TestStack\/Pusher\/PingRoute\//,
    facts: [
      ['a `MOCK` integration that answers `{"type":"pong"}`', () => {
        expect(props('Pusher/PingRoute/Resource').RouteKey).toBe('ping');
        expect(props('Pusher/PingRoute/PingIntegration/Resource').IntegrationType).toBe('MOCK');
        expect(JSON.stringify(props('Pusher/PingRoute/IntegrationResponse').ResponseTemplates)).toContain('{\\"type\\":\\"pong\\"}');
      }],
    ],
  },
  {
    resource: /^`JwtAuthorizer` \(a construct of its own\)$/,
    covers: / TestStack\/(Jwt\/|Api\/Jwt\/|Api\/TestStackApiJwt[0-9A-F]+-Permission$)/,
    facts: [
      ['Node.js 22, ARM64, 256 MB, 10 s', () => sized('Jwt/Function/Resource', 256, 10)],
      ['role and log group (1 month)', () => {
        expect(props('Jwt/Function/Resource').Role).toEqual(arnOf('Jwt/ServiceRole/Resource'));
        expect(props('Jwt/LogGroup/Resource').RetentionInDays).toBe(30);
      }],
      ['the authorizer and its invoke permission once a route uses it', () => {
        expect(props('Api/Jwt/Resource').AuthorizerType).toBe('REQUEST');
        expect(ofType('AWS::Lambda::Permission').filter((r) => /Api\/TestStackApiJwt/.test(r.path))).toHaveLength(1);
      }],
    ],
  },
];

describe('README: what the construct creates', () => {
  const rows = readmeTable('## What the construct creates');
  /** The resources of the construct and of the `JwtAuthorizer`; the app's API and stage are not. */
  const created = resources.filter((r) => !['TestStack/Api/Resource', 'TestStack/Stage/Resource'].includes(r.path));

  test('the table has the rows this test knows, in order', () => {
    expect(rows.map((cells) => ROWS.findIndex((row) => row.resource.test(cells[0])))).toEqual(ROWS.map((_, i) => i));
  });

  test('every resource created is in exactly one row', () => {
    const rowsOf = (r: SynthesizedResource) => ROWS.filter((row) => row.covers.test(`${r.type} ${r.path}`)).map((row) => row.resource.source);
    expect(created.map((r) => `${r.type} ${r.path}: ${rowsOf(r).length}`)).toEqual(created.map((r) => `${r.type} ${r.path}: 1`));
  });

  test.each(ROWS.map((row, i) => [row.resource.source, i] as const))('%s: has resources, and its facts are the template\'s', (_, i) => {
    const row = ROWS[i];
    expect(created.filter((r) => row.covers.test(`${r.type} ${r.path}`)).length).toBeGreaterThan(0);
    const text = rows[i].join(' ');
    for (const [words, check] of row.facts) {
      expect({ row: rows[i][0], states: words, found: text.includes(words) }).toEqual({ row: rows[i][0], states: words, found: true });
      check();
    }
  });
});
