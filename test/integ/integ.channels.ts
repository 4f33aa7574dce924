/**
 * Integration test: channels with presence and history. Deployed, the probe subscribes alice and bob to `room/1`
 * (presence and an hour of history) and reports: a publish through the queue reaches both; bob, closed by a disconnect
 * request, reconnects, resubscribes and resumes, and receives what was published through the topic meanwhile, once and
 * in `seq` order; the channel's members are both.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { addProbe, probeStack } from './probe-stack';
import { ChannelRule, MessageFormat, WebsocketPusher } from '../../src';

const { app, stack, stage, connectionRoutes } = probeStack('WebsocketPusherChannels');
const pusher = new WebsocketPusher(stack, 'Pusher', {
  webSocketStage: stage,
  connectionRoutes,
  messageFormat: MessageFormat.ENVELOPE,
  enableDisconnect: true,
  channels: { rules: [ChannelRule.allow('room/*', { presence: true, history: Duration.hours(1) })] },
  lifecycleEvents: {},
});
const probe = addProbe(stack, stage, pusher);

const integ = new IntegTest(app, 'Channels', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify({ scenario: 'channels' }) })
  .expect(ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      alice: ['first', 'while-away'],
      bob: ['first', 'while-away'],
      bobSeqs: [1, 2],
      members: ['alice', 'bob'],
    }),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
