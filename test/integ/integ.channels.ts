/**
 * Integration test: channels with presence and history (configurations.ts, `channels`). Deployed, the probe subscribes
 * alice and bob to `room/1`; the assertion checks its report: a publish reaches both; bob, closed by a disconnect
 * request, reconnects and receives what was published meanwhile, once and in `seq` order; the members are both.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { channels } from './configurations';

const { app, stack, probe, event, expected } = channels();
const integ = new IntegTest(app, 'Channels', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(event) })
  .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(expected) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
