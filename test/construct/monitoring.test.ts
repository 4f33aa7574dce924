import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MonitoringFacade } from 'cdk-monitoring-constructs';
import { nagFindings, stackWithStage } from './support';
import { WebsocketPusher, WebsocketPusherProps } from '../../src';

function synth(props: Partial<WebsocketPusherProps> = {}) {
  const { app, stack, stage } = stackWithStage();
  const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props });
  return { app, stack, stage, pusher, template: () => Template.fromStack(stack) };
}

const env = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))
  .map((f: any) => f.Properties.Environment?.Variables).filter((v: any) => v?.CONNECTIONS_TABLE_NAME);

describe('metrics of each pusher apart', () => {
  test('two pushers get two service names, stable across synths', () => {
    // GIVEN two pushers in one stack
    const { stack, stage, template } = synth();
    new WebsocketPusher(stack, 'Other', { webSocketStage: stage });

    // WHEN
    const names = env(template()).map((v: any) => v.POWERTOOLS_SERVICE_NAME);

    // THEN
    expect(names).toEqual([expect.stringMatching(/^TestStack-Pusher-[0-9A-F]{8}$/), expect.stringMatching(/^TestStack-Other-[0-9A-F]{8}$/)]);
    expect(new Set(names).size).toBe(2);
    expect(synth().pusher.serviceName).toBe(names[0]);
  });

  test('serviceName and metricsNamespace are the handler\'s and the metrics\'', () => {
    // WHEN
    const { pusher, template } = synth({ serviceName: 'chat-pusher', metricsNamespace: 'Chat' });

    // THEN
    expect(env(template())[0]).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'chat-pusher', POWERTOOLS_METRICS_NAMESPACE: 'Chat' });
    expect(pusher.metricDelivered()).toMatchObject({ namespace: 'Chat', metricName: 'Delivered', dimensions: { service: 'chat-pusher' } });
  });

  test.each([
    ['metricRequests', 'Requests', 'Sum', 'Count'],
    ['metricInvalidRequests', 'InvalidRequests', 'Sum', 'Count'],
    ['metricFailedRequests', 'FailedRequests', 'Sum', 'Count'],
    ['metricDelivered', 'Delivered', 'Sum', 'Count'],
    ['metricGone', 'Gone', 'Sum', 'Count'],
    ['metricFailed', 'Failed', 'Sum', 'Count'],
    ['metricRetried', 'Retried', 'Sum', 'Count'],
    ['metricDuration', 'Duration', 'Average', 'Milliseconds'],
    ['metricRequeued', 'Requeued', 'Sum', 'Count'],
    ['metricWorkItems', 'WorkItems', 'Sum', 'Count'],
    ['metricFailedWorkItems', 'FailedWorkItems', 'Sum', 'Count'],
  ])('%s: %s, %s in %s over 5 minutes, dimension service', (method, metricName, statistic, unit) => {
    // WHEN
    const { pusher } = synth({ serviceName: 'svc' });
    const metric = (pusher as any)[method]() as cloudwatch.Metric;

    // THEN
    expect(metric).toMatchObject({ namespace: 'WebsocketPusher', metricName, statistic, unit, dimensions: { service: 'svc' } });
    expect(metric.period.toMinutes()).toBe(5);
  });

  test('metric(name, props): any published metric, props over the defaults; an unknown name is an error', () => {
    // WHEN
    const { pusher } = synth();

    // THEN
    expect(pusher.metric('Pruned', { period: Duration.minutes(1), statistic: 'Maximum' })).toMatchObject({ metricName: 'Pruned', statistic: 'Maximum' });
    expect(() => pusher.metric('Deliverd')).toThrow(/^WebsocketPusher.metric: 'Deliverd' is not a metric the pusher publishes \(Requests, InvalidRequests/);
  });

  test('plugs into cdk-monitoring-constructs without glue', () => {
    // GIVEN
    const { stack, pusher } = synth({ serviceName: 'svc' });

    // WHEN
    new MonitoringFacade(stack, 'Monitoring').monitorCustom({
      alarmFriendlyName: 'Pusher',
      metricGroups: [{ title: 'Deliveries', metrics: [pusher.metricDelivered(), pusher.metricGone(), pusher.metricFailed()] }],
    });

    // THEN the facade's dashboard draws the pusher's metrics, by namespace, name and dimension
    const bodies = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')).map((d: any) => JSON.stringify(d.Properties.DashboardBody));
    expect(bodies.some((b) => ['Delivered', 'Gone', 'Failed'].every((name) => b.includes(`[\\"WebsocketPusher\\",\\"${name}\\",\\"service\\",\\"svc\\"`)))).toBe(true);
  });
});

describe('alarms', () => {
  test('off by default', () => {
    // WHEN
    const { pusher, template } = synth();

    // THEN
    template().resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(pusher.alarms).toEqual([]);
  });

  test('each dead-letter queue, failed requests, errors, throttles, the backlog; with the actions', () => {
    // GIVEN
    const s = stackWithStage();
    const topic = new sns.Topic(s.stack, 'OnCall');

    // WHEN
    const pusher = new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage,
      alarms: { alarmActions: [new actions.SnsAction(topic)], oldestMessageAge: Duration.minutes(2), failedRequestsThreshold: 3 },
    });
    const template = () => Template.fromStack(s.stack);

    // THEN
    const alarms = Object.entries(template().findResources('AWS::CloudWatch::Alarm')).map(([id, a]: [string, any]) => [id.replace(/[0-9A-F]{8}$/, ''), a.Properties]);
    expect(alarms.map(([id]) => id).sort()).toEqual([
      'PusherBacklogAlarm', 'PusherDeadLetterQueueNotEmpty', 'PusherErrorsAlarm', 'PusherFailedEventsQueueNotEmpty', 'PusherFailedRequestsAlarm',
      'PusherThrottlesAlarm', 'PusherWorkDeadLetterQueueNotEmpty',
    ]);
    const byId = Object.fromEntries(alarms);
    expect(byId.PusherBacklogAlarm).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 120, Statistic: 'Maximum' });
    expect(byId.PusherFailedRequestsAlarm).toMatchObject({
      MetricName: 'FailedRequests',
      Namespace: 'WebsocketPusher',
      Threshold: 3,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: pusher.serviceName }],
      TreatMissingData: 'notBreaching',
    });
    expect(byId.PusherDeadLetterQueueNotEmpty).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    for (const [, alarm] of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    expect(pusher.alarms).toHaveLength(7);
  });

  test('without the queue and topic sources, only what exists is watched', () => {
    // WHEN
    const { template } = synth({ enableTopic: false, queue: undefined, alarms: {} });

    // THEN
    const ids = Object.keys(template().findResources('AWS::CloudWatch::Alarm')).map((id) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(ids).not.toContain('PusherFailedEventsQueueNotEmpty');
    expect(ids).toContain('PusherBacklogAlarm');
  });
});

describe('dashboard and saved queries', () => {
  test('createDashboard draws deliveries, requests, duration, queue depths and the function', () => {
    // GIVEN
    const { pusher, template } = synth({ serviceName: 'svc' });

    // WHEN
    pusher.createDashboard('Dashboard', 'chat-pusher');

    // THEN
    const [dashboard] = Object.values(template().findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(dashboard.Properties.DashboardName).toBe('chat-pusher');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Deliveries', 'Requests', 'Request duration (ms)', 'Queue depths', 'Pusher function']) expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    for (const name of ['Delivered', 'Gone', 'Failed', 'Duration', 'ApproximateNumberOfMessagesVisible', 'Throttles']) expect(body).toContain(`\\"${name}\\"`);
  });

  test('Logs Insights queries for per-request and per-work-item totals, on the log group', () => {
    // WHEN
    const { template } = synth({ serviceName: 'svc' });

    // THEN
    template().resourceCountIs('AWS::Logs::QueryDefinition', 2);
    template().hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'svc/requests',
      QueryString: Match.stringLikeRegexp('^filter message = "request processed"\n\\| stats count\\(\\*\\) as requests'),
      LogGroupNames: [{ Ref: Match.stringLikeRegexp('^PusherLogGroup') }],
    });
    template().hasResourceProperties('AWS::Logs::QueryDefinition', { Name: 'svc/work-items', QueryString: Match.stringLikeRegexp('by requestId\n\\| sort wallTimeMs desc$') });
  });
});

describe('escape hatches', () => {
  test('the construct is IGrantable: its principal is the function\'s role', () => {
    // GIVEN
    const { stack, pusher, template } = synth();
    const bucketArn = 'arn:aws:s3:::attachments/*';

    // WHEN
    iam.Grant.addToPrincipal({ grantee: pusher, actions: ['s3:GetObject'], resourceArns: [bucketArn] });

    // THEN
    expect(pusher.grantPrincipal).toBe(pusher.role);
    expect(pusher.role).toBe(pusher.pusherFunction.role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(pusher.role.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 's3:GetObject', Effect: 'Allow', Resource: bucketArn }]) },
    });
  });

  test('vpc: subnets, security groups, connections, and the network-interface permissions', () => {
    // GIVEN
    const s = stackWithStage();
    const vpc = new ec2.Vpc(s.stack, 'Vpc');

    // WHEN
    const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    pusher.connections.allowToAnyIpv4(ec2.Port.tcp(443));

    // THEN
    const template = Template.fromStack(s.stack);
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']), Resource: '*' })]) },
    });
    expect(nagFindings(s.app, s.stack)).toEqual([]);
  });

  test('tracing, environment encryption and a given log group', () => {
    // GIVEN
    const s = stackWithStage();
    const key = new kms.Key(s.stack, 'EnvKey');
    const logGroup = new logs.LogGroup(s.stack, 'Logs', { retention: logs.RetentionDays.ONE_WEEK });

    // WHEN
    const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, tracing: lambda.Tracing.ACTIVE, environmentEncryption: key, logGroup });

    // THEN
    const template = Template.fromStack(s.stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnvKey'), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^Logs') } },
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    expect(pusher.logGroup).toBe(logGroup);
  });

  test('queueEventSourceProps: filters and the rest pass through; partial batch failures stay on', () => {
    // WHEN
    const filters = [lambda.FilterCriteria.filter({ body: { data: lambda.FilterRule.exists() } })];
    const { template } = synth({ queueEventSourceProps: { filters, maxConcurrency: 5 } });

    // THEN
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PusherQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"data":[{"exists":true}]}}' }] },
      ScalingConfig: { MaximumConcurrency: 5 },
      BatchSize: 10,
    });
  });

  test('grantReadConnections: GetItem, Query and Scan on the table', () => {
    // GIVEN
    const { stack, pusher, template } = synth();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    pusher.grantReadConnections(reader);

    // THEN
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: { Statement: [{ Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], Effect: 'Allow', Resource: Match.anyValue() }] },
    });
  });

  test.each([
    [{ logGroup: 'given', logRetention: logs.RetentionDays.ONE_DAY }, 'WebsocketPusher: give either logGroup (an existing resource) or logRetention (to customise the created one), not both'],
    [{ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, 'WebsocketPusher: vpcSubnets need vpc'],
    [{ runtime: lambda.Runtime.PYTHON_3_12 }, 'WebsocketPusher: runtime must be Node.js 22 or later (the handler is built for it), got python3.12'],
    [{ runtime: lambda.Runtime.NODEJS_20_X }, 'WebsocketPusher: runtime must be Node.js 22 or later (the handler is built for it), got nodejs20.x'],
    [{ queueEventSourceProps: { reportBatchItemFailures: false } },
      'WebsocketPusher: queueEventSourceProps.reportBatchItemFailures cannot be false: partial batch failures are how the pusher retries only what failed'],
    [{ batchSize: 5, queueEventSourceProps: { batchSize: 5 } }, 'WebsocketPusher: give batchSize either as a prop or in queueEventSourceProps, not both'],
    [{ serviceName: 'a:b' }, "WebsocketPusher: serviceName must be 1 to 255 characters, not starting with a space, without ':', got 'a:b'"],
  ])('%j is refused at synth time', (props, message) => {
    // GIVEN a log group when the case names one
    const s = stackWithStage();
    const given = (props as any).logGroup === 'given' ? { logGroup: new logs.LogGroup(s.stack, 'Logs') } : {};

    // WHEN / THEN
    expect(() => new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, ...props, ...given } as WebsocketPusherProps)).toThrow(message);
  });
});

describe('runtime', () => {
  // Last in the file: a new Runtime joins lambda.Runtime.ALL, which cdk-nag's L1 reads as the latest Node.js.
  test('runtime: a later Node.js', () => {
    // WHEN
    const { template } = synth({ runtime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS) });

    // THEN
    template().hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Environment: { Variables: Match.objectLike({ CONNECTIONS_TABLE_NAME: Match.anyValue() }) } });
  });
});
