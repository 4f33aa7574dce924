import { Template } from 'aws-cdk-lib/assertions';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher } from '../../src';

function synth() {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*')] },
    alarms: {},
  });
  return { ...s, pusher };
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
    ]));
    expect(pusher.alarms).toHaveLength(11);
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
});
