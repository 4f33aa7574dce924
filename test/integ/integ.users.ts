/**
 * Integration test: the default pusher with `connectionRoutes` (the `$connect` authorizer's user id), the envelope and
 * disconnect requests. Deployed, the probe connects alice (twice), bob and carol, and reports: a multicast through the
 * queue reaches alice's two connections; a broadcast through the topic that excludes carol reaches alice and bob; a
 * stale row (a gone connection) is pruned on 410; a disconnect request closes carol's connection.
 *
 * `npx projen integ` compares this app's synthesis with its snapshot, without an account (README, *Integration tests*).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { addProbe, probeStack } from './probe-stack';
import { MessageFormat, WebsocketPusher } from '../../src';

const { app, stack, stage, connectionRoutes } = probeStack('WebsocketPusherUsers');
const pusher = new WebsocketPusher(stack, 'Pusher', {
  webSocketStage: stage,
  connectionRoutes,
  messageFormat: MessageFormat.ENVELOPE,
  enableDisconnect: true,
});
const probe = addProbe(stack, stage, pusher);

const integ = new IntegTest(app, 'Users', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify({ scenario: 'users' }) })
  .expect(ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      alice: [['broadcast', 'multicast'], ['broadcast', 'multicast']],
      bob: ['broadcast'],
      carol: [],
      pruned: true,
      carolClosed: true,
    }),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
