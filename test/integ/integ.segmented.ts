/**
 * Integration test: a segmented broadcast (every broadcast split, 4 segments) with deduplication. Deployed, the probe
 * connects 20 clients and sends the same broadcast (one request id) twice through the queue: each client receives it
 * once.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { addProbe, probeStack } from './probe-stack';
import { MessageFormat, WebsocketPusher } from '../../src';

const { app, stack, stage, connectionRoutes } = probeStack('WebsocketPusherSegmented');
const pusher = new WebsocketPusher(stack, 'Pusher', {
  webSocketStage: stage,
  connectionRoutes,
  messageFormat: MessageFormat.ENVELOPE,
  segmentedBroadcast: { threshold: 0, totalSegments: 4 },
  deduplication: {},
});
const probe = addProbe(stack, stage, pusher);

const integ = new IntegTest(app, 'Segmented', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify({ scenario: 'segmented' }) })
  .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson({ received: Array.from({ length: 20 }, () => 1) }) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
