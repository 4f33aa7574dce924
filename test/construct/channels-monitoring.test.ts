import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type PusherAlarmsOptions } from '../../src';

function synth(alarmsOf: (stack: Stack) => PusherAlarmsOptions = () => ({})) {
  const s = stackWithStage();
  const alarms = alarmsOf(s.stack);
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*')] },
    alarms,
  });
  return { ...s, pusher };
}

/** The dashboard's widgets, its body's tokens written `<Ref>`. */
function dashboardWidgets(stack: Stack): any[] {
  const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as any[];
  const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
  return JSON.parse(parts.map((p: any) => (typeof p === 'string' ? p : `<${p.Ref ?? Object.keys(p)[0]}>`)).join('')).widgets;
}

const alarmsOf = (template: Template) => Object.fromEntries(Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
  .map(([id, alarm]: [string, any]) => [id.replace(/[0-9A-F]{8}$/, ''), alarm.Properties]));

describe('channels: alarms and dashboard', () => {
  test('the cleanup failures queue, both functions\' errors and UNAVAILABLE subscribes are watched', () => {
    // WHEN
    const { stack, pusher } = synth();
    const alarms = alarmsOf(Template.fromStack(stack));

    // THEN
    expect(Object.keys(alarms)).toEqual(expect.arrayContaining([
      'PusherCleanupFailuresQueueNotEmpty', 'PusherChannelsFunctionErrorsAlarm', 'PusherConnectionStreamFunctionErrorsAlarm', 'PusherUnavailableSubscribesAlarm',
      'PusherConnectionStreamIteratorAgeAlarm',
    ]));
    expect(pusher.alarms).toHaveLength(12);
    expect(alarms.PusherUnavailableSubscribesAlarm).toMatchObject({
      MetricName: 'RefusedUnavailable', Namespace: 'WebsocketPusher', Dimensions: [{ Name: 'service', Value: pusher.serviceName }], Threshold: 1,
    });
    expect(alarms.PusherChannelsFunctionErrorsAlarm).toMatchObject({
      MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: stack.getLogicalId(pusher.channelsFunction!.node.defaultChild as any) } }],
    });
    expect(alarms.PusherConnectionStreamFunctionErrorsAlarm).toMatchObject({
      MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: stack.getLogicalId(pusher.connectionStreamFunction!.node.defaultChild as any) } }],
    });
    expect(alarms.PusherCleanupFailuresQueueNotEmpty).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [stack.getLogicalId(pusher.cleanupFailuresQueue!.node.defaultChild as any), 'QueueName'] } }],
    });
  });

  test('the connection stream\'s iterator age: Maximum over 5 minutes, 5 minutes or more for 3 periods in a row', () => {
    // WHEN
    const { stack, pusher } = synth();
    const alarms = alarmsOf(Template.fromStack(stack));

    // THEN the AWS/Lambda metric of the connection stream function, in milliseconds
    expect(alarms.PusherConnectionStreamIteratorAgeAlarm).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: stack.getLogicalId(pusher.connectionStreamFunction!.node.defaultChild as any) } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 300_000,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [],
      OKActions: [],
      AlarmDescription: expect.stringMatching(/^WebsocketPusher: the connection stream function has been 5 minutes or more behind .* for 15 minutes: /),
    });
    expect(pusher.alarms).toContainEqual(expect.objectContaining({ node: expect.objectContaining({ id: 'ConnectionStreamIteratorAgeAlarm' }) }));
  });

  test('its threshold is alarms.connectionStreamIteratorAge, and it takes the alarms\' actions', () => {
    // WHEN
    const { stack } = synth((scope) => {
      const onCall = new actions.SnsAction(new sns.Topic(scope, 'OnCall'));
      return { connectionStreamIteratorAge: Duration.minutes(30), alarmActions: [onCall], okActions: [onCall] };
    });
    const alarm = alarmsOf(Template.fromStack(stack)).PusherConnectionStreamIteratorAgeAlarm;

    // THEN
    expect(alarm).toMatchObject({ Threshold: 1_800_000, EvaluationPeriods: 3, AlarmActions: [{ Ref: expect.stringMatching(/^OnCall/) }], OKActions: [{ Ref: expect.stringMatching(/^OnCall/) }] });
    expect(alarm.AlarmDescription).toContain('30 minutes or more behind');
  });

  test('without channels there is no connection stream, and no such alarm', () => {
    const { stack, stage } = stackWithStage();
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, alarms: { connectionStreamIteratorAge: Duration.minutes(1) } });
    expect(Object.keys(alarmsOf(Template.fromStack(stack))).filter((id) => id.includes('IteratorAge'))).toEqual([]);
  });

  test('the dashboard gains the channel metrics', () => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher.createDashboard();

    // THEN
    const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as any[];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Channels', 'Channel refusals and failures']) expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    for (const name of ['Subscribes', 'ChannelDelivered', 'SubscriptionsCleaned', 'RefusedForbidden', 'RefusedUnavailable', 'CleanupFailures']) {
      expect(body).toContain(`\\"${name}\\"`);
    }
  });

  test('the dashboard gains a row for the connection stream function, its iterator age (Maximum) on the right axis', () => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher.createDashboard();

    // THEN
    const fn = stack.getLogicalId(pusher.connectionStreamFunction!.node.defaultChild as any);
    const widget = dashboardWidgets(stack).find((w) => w.properties.title === 'Connection stream function');
    expect(widget.properties.metrics).toEqual([
      ['AWS/Lambda', 'Invocations', 'FunctionName', `<${fn}>`, { stat: 'Sum' }],
      ['AWS/Lambda', 'Errors', 'FunctionName', `<${fn}>`, { stat: 'Sum' }],
      ['AWS/Lambda', 'Throttles', 'FunctionName', `<${fn}>`, { stat: 'Sum' }],
      ['AWS/Lambda', 'IteratorAge', 'FunctionName', `<${fn}>`, { label: 'iterator age, maximum (ms)', stat: 'Maximum', yAxis: 'right' }],
    ]);
  });

  test('without channels the dashboard has no connection stream row', () => {
    const { stack, stage } = stackWithStage();
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage }).createDashboard();
    const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain('IteratorAge');
  });
});
