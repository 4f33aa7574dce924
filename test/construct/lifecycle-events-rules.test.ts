import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { stackWithStage } from './support';
import {
  ConnectionUserId, IWebsocketPusher, LifecycleEvent, WebsocketPusher, WebsocketPusherBase, type WebsocketPusherProps,
} from '../../src';

function synth(extra: (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps> = () => ({})) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    lifecycleEvents: {},
    serviceName: 'chat',
    ...extra(s),
  });
  return { ...s, pusher };
}

const rules = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r: any) => r.Properties);

describe('routing lifecycle events', () => {
  test.each([
    ['onConnected', 'Connected'],
    ['onDisconnected', 'Disconnected'],
    ['onUserOnline', 'UserOnline'],
    ['onUserOffline', 'UserOffline'],
  ] as const)('%s: a rule on the default bus for the pusher\'s source and %s', (method, detailType) => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    const rule = pusher[method]('Rule');

    // THEN
    expect(rule).toBeInstanceOf(events.Rule);
    expect(rule.node.scope).toBe(pusher);
    expect(rules(stack)).toEqual([{ EventBusName: 'default', EventPattern: { 'source': ['chat'], 'detail-type': [detailType] }, State: 'ENABLED' }]);
  });

  test('onLifecycleEvent: every lifecycle event by default', () => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher.onLifecycleEvent('All');

    // THEN
    expect(rules(stack)[0].EventPattern).toEqual({ 'source': ['chat'], 'detail-type': ['Connected', 'Disconnected', 'UserOnline', 'UserOffline', 'Subscribed', 'Unsubscribed'] });
  });

  test('onLifecycleEvent: the given events, the options\' pattern merged, a target, a name and a description, on a given bus', () => {
    // GIVEN
    const { stack, pusher } = synth((s) => ({ lifecycleEvents: { eventBus: new events.EventBus(s.stack, 'Bus') } }));
    const queue = new sqs.Queue(stack, 'Sink');

    // WHEN
    pusher.onLifecycleEvent('Presence', {
      eventTypes: [LifecycleEvent.USER_ONLINE, LifecycleEvent.USER_OFFLINE],
      eventPattern: { detail: { userId: ['u1'] } },
      target: new targets.SqsQueue(queue),
      ruleName: 'presence-of-u1',
      description: 'u1 comes and goes',
    });

    // THEN
    const [rule] = rules(stack);
    expect(rule).toMatchObject({
      EventBusName: { Ref: stack.getLogicalId(pusher.lifecycleEventBus!.node.defaultChild as any) },
      EventPattern: { 'source': ['chat'], 'detail-type': ['UserOnline', 'UserOffline'], 'detail': { userId: ['u1'] } },
      Name: 'presence-of-u1',
      Description: 'u1 comes and goes',
      Targets: [{ Arn: { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as any), 'Arn'] }, Id: 'Target0' }],
    });
  });

  test('onUserOffline: the options\' pattern narrows it (a user\'s), a target', () => {
    // GIVEN
    const { stack, pusher } = synth();
    const topic = new sns.Topic(stack, 'Topic');

    // WHEN
    pusher.onUserOffline('Away', { eventPattern: { detail: { userId: [{ prefix: 'staff-' }] } }, target: new targets.SnsTopic(topic) });

    // THEN
    const [rule] = rules(stack);
    expect(rule.EventPattern).toEqual({ 'source': ['chat'], 'detail-type': ['UserOffline'], 'detail': { userId: [{ prefix: 'staff-' }] } });
    expect(rule.Targets).toHaveLength(1);
  });

  test('the default service name is the pattern\'s source', () => {
    // GIVEN
    const s = stackWithStage();
    const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: { userId: ConnectionUserId.anonymous() }, lifecycleEvents: {} });

    // WHEN
    pusher.onConnected('Connected');

    // THEN
    expect(rules(s.stack)[0].EventPattern.source).toEqual([pusher.serviceName]);
    expect(pusher.serviceName).toMatch(/^TestStack-Pusher-/);
  });

  test.each([['onSubscribed', 'Subscribed'], ['onUnsubscribed', 'Unsubscribed']] as const)('%s: a rule of %s', (method, type) => {
    // GIVEN
    const { stack, pusher } = synth();

    // WHEN
    pusher[method]('Rule', { eventPattern: { detail: { channel: [{ prefix: 'room/' }] } } });

    // THEN
    expect(rules(stack)[0].EventPattern).toEqual({ 'source': ['chat'], 'detail-type': [type], 'detail': { channel: [{ prefix: 'room/' }] } });
  });

  test.each(['onLifecycleEvent', 'onConnected', 'onDisconnected', 'onUserOnline', 'onUserOffline', 'onSubscribed', 'onUnsubscribed'] as const)(
    '%s without lifecycleEvents is an error naming the prop', (method) => {
      // GIVEN
      const s = stackWithStage();
      const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage });

      // WHEN / THEN
      expect(() => pusher[method]('Rule')).toThrow(
        `WebsocketPusher: ${method} needs lifecycleEvents: without it the pusher puts no lifecycle events on a bus [TestStack/Pusher; Python: `);
      expect(() => pusher[method]('Rule')).toThrow(/Python: .*lifecycle_events\]$/);
    });

  test('onLifecycleEvent with no event types is an error', () => {
    // GIVEN
    const { pusher } = synth();

    // WHEN / THEN
    expect(() => pusher.onLifecycleEvent('None', { eventTypes: [] })).toThrow('WebsocketPusher: onLifecycleEvent: eventTypes must name at least one LifecycleEvent');
  });

  test('a pusher of attributes (WebsocketPusherBase) with a bus routes its events; a construct takes it as IWebsocketPusher', () => {
    // GIVEN a pusher deployed elsewhere, its events on a bus of this account
    const { stack } = stackWithStage();
    class DeployedPusher extends WebsocketPusherBase {
      public readonly serviceName = 'chat-pusher';
      public readonly metricsNamespace = 'Chat';
      public readonly connectionsTable = dynamodb.Table.fromTableName(this, 'Table', 'chat-connections');
      public readonly queue = undefined;
      public readonly topic = undefined;
      public readonly lifecycleEventBus = events.EventBus.fromEventBusName(this, 'Bus', 'chat-events');
    }
    const deployed = new DeployedPusher(stack, 'Deployed');
    const route = (scope: Construct, pusher: IWebsocketPusher) => pusher.onUserOnline('Online', { description: String(scope.node.id) });

    // WHEN
    route(stack, deployed);

    // THEN
    expect(rules(stack)).toEqual([{
      EventBusName: 'chat-events', Description: 'TestStack', EventPattern: { 'source': ['chat-pusher'], 'detail-type': ['UserOnline'] }, State: 'ENABLED',
    }]);
  });
});
