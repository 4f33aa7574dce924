import * as fs from 'fs';
import * as path from 'path';
import { type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';
import { PRESENCE_METRICS } from '../../src/shared/presence';

function synth(extra: Partial<WebsocketPusherProps> = {}) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    lifecycleEvents: {},
    alarms: {},
    ...extra,
  });
  return { ...s, pusher };
}

const alarmsOf = (template: Template) => Object.fromEntries(Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
  .map(([id, alarm]: [string, any]) => [id.replace(/[0-9A-F]{8}$/, ''), alarm.Properties]));

/** The dashboard's widgets, its body's tokens written `<Ref>`. */
function dashboardWidgets(stack: Stack): any[] {
  const [dashboard] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as any[];
  const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
  return JSON.parse(parts.map((p: any) => (typeof p === 'string' ? p : `<${p.Ref ?? Object.keys(p)[0]}>`)).join('')).widgets;
}

const idOf = (stack: Stack, construct: any) => stack.getLogicalId(construct.node.defaultChild);

describe('lifecycleEvents: alarms and dashboard', () => {
  test('alarms: the presence check DLQ and the failures queue not empty, the connection stream function\'s errors and iterator age', () => {
    // WHEN
    const { stack, pusher } = synth();
    const alarms = alarmsOf(Template.fromStack(stack));

    // THEN
    expect(Object.keys(alarms)).toEqual(expect.arrayContaining([
      'PusherPresenceCheckDeadLetterQueueNotEmpty', 'PusherCleanupFailuresQueueNotEmpty', 'PusherConnectionStreamFunctionErrorsAlarm',
      'PusherConnectionStreamIteratorAgeAlarm',
    ]));
    expect(Object.keys(alarms).filter((id) => /Channels|Unavailable/.test(id))).toEqual([]);
    expect(alarms.PusherPresenceCheckDeadLetterQueueNotEmpty).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(stack, pusher.presenceCheckDeadLetterQueue), 'QueueName'] } }],
    });
    expect(alarms.PusherConnectionStreamFunctionErrorsAlarm).toMatchObject({
      MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(stack, pusher.connectionStreamFunction) } }],
    });
    expect(alarms.PusherConnectionStreamIteratorAgeAlarm.AlarmDescription).toMatch(/for 15 minutes: lifecycle events and presence changes are late$/);
    // the default pusher's 7 (3 dead-letter queues, failed requests, errors, throttles, backlog) + these 4
    expect(pusher.alarms).toHaveLength(11);
  });

  test('with channels too: one errors alarm for the one connection stream function, the iterator age says both', () => {
    // WHEN
    const { stack, pusher } = synth({ messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('room/*')] } });
    const alarms = alarmsOf(Template.fromStack(stack));

    // THEN
    expect(Object.keys(alarms).filter((id) => id.includes('ConnectionStreamFunctionErrors'))).toEqual(['PusherConnectionStreamFunctionErrorsAlarm']);
    expect(alarms.PusherConnectionStreamIteratorAgeAlarm.AlarmDescription)
      .toMatch(/: the subscriptions of gone connections are not being deleted promptly; lifecycle events and presence changes are late$/);
    // the channels' 12 + the presence check dead-letter queue
    expect(pusher.alarms).toHaveLength(13);
  });

  test('the dashboard: the connection stream function\'s row, with the presence checks beside it; the dead-letter queue\'s depth', () => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher.createDashboard();

    // THEN
    const widgets = dashboardWidgets(stack);
    const queue = idOf(stack, pusher.presenceCheckQueue);
    const stream = widgets.findIndex((w) => w.properties.title === 'Connection stream function');
    const checks = widgets[stream + 1];
    expect(checks.properties.title).toBe('Presence checks');
    expect(checks.y).toBe(widgets[stream].y);
    expect(checks.properties.metrics).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '<Fn::GetAtt>', { label: 'waiting', stat: 'Maximum' }],
      ['AWS/SQS', 'ApproximateNumberOfMessagesDelayed', 'QueueName', '<Fn::GetAtt>', { label: 'in their grace period', stat: 'Maximum' }],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', '<Fn::GetAtt>', { label: 'oldest (s)', stat: 'Maximum', yAxis: 'right' }],
    ]);
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))).toContain(queue);
    const depths = widgets.find((w) => w.properties.title === 'Queue depths');
    expect(depths.properties.metrics.map((m: any[]) => m[m.length - 1].label)).toContain('PresenceCheckDeadLetterQueue');
    expect(widgets.map((w) => w.properties.title)).not.toContain('Channels');
  });

  test('the dashboard: the events put by type, presence changes and (right axis) presence checks', () => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher.createDashboard();

    // THEN
    const widgets = dashboardWidgets(stack);
    const named = (title: string) => widgets.find((w) => w.properties.title === title).properties.metrics.map((m: any[]) => [m[1], m[m.length - 1].yAxis ?? 'left']);
    expect(named('Lifecycle events')).toEqual(['ConnectedEvents', 'DisconnectedEvents', 'UserOnlineEvents', 'UserOfflineEvents'].map((n) => [n, 'left']));
    expect(named('Presence')).toEqual([
      ...['PresenceOnline', 'PresenceReconnected', 'PresenceLeaving', 'PresenceOffline'].map((n) => [n, 'left']),
      ...['PresenceChecks', 'StalePresenceChecks', 'InvalidPresenceChecks', 'FailedPresenceChecks'].map((n) => [n, 'right']),
    ]);
    const metric = widgets.find((w) => w.properties.title === 'Presence').properties.metrics[0];
    expect(metric.slice(0, 4)).toEqual(['WebsocketPusher', 'PresenceOnline', 'service', pusher.serviceName]);
  });

  test('without lifecycleEvents the dashboard has no lifecycle rows', () => {
    const { stack, stage } = stackWithStage();
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage }).createDashboard();
    expect(dashboardWidgets(stack).map((w) => w.properties.title)).not.toEqual(expect.arrayContaining(['Presence checks']));
    expect(dashboardWidgets(stack).map((w) => w.properties.title).filter((t: string) => /Presence|Lifecycle/.test(t))).toEqual([]);
  });
});

describe('lifecycleEvents: metrics', () => {
  test.each(Object.values(PRESENCE_METRICS))('metric(\'%s\'): a count, summed over 5 minutes, in the pusher\'s namespace and service', (name) => {
    // GIVEN
    const { pusher } = synth({ serviceName: 'chat', metricsNamespace: 'Chat' });

    // WHEN
    const metric = pusher.metric(name);

    // THEN
    expect([metric.namespace, metric.metricName, metric.dimensions, metric.statistic, metric.period.toSeconds()])
      .toEqual(['Chat', name, { service: 'chat' }, 'Sum', 300]);
  });

  test('API.md has a table row for every presence metric (IWebsocketPusher.metric)', () => {
    // WHEN
    const api = fs.readFileSync(path.join(__dirname, '..', '..', 'API.md'), 'utf8');

    // THEN
    expect(Object.values(PRESENCE_METRICS).filter((name) => !api.includes(`| \`${name}\``))).toEqual([]);
  });
});
