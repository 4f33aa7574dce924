/**
 * Integration test: a segmented broadcast with deduplication (configurations.ts, `segmented`). Deployed, the probe
 * connects 20 clients and sends the same broadcast twice; the assertion checks that each client received it once.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { segmented } from './configurations';

const { app, stack, probe, event, expected } = segmented();
const integ = new IntegTest(app, 'Segmented', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(event) })
  .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(expected) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
