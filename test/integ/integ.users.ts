/**
 * Integration test: the default pusher with `connectionRoutes`, the envelope and disconnect requests (configurations.ts,
 * `users`). Deployed, the probe connects alice (twice), bob and carol; the assertion checks its report: a multicast
 * through the queue reaches alice's two connections; a broadcast through the topic that excludes carol reaches alice and
 * bob, not carol; a stale row (a gone connection) is pruned on 410; a disconnect request sends carol its goodbye, then
 * closes her connection.
 *
 * `npx projen integ` compares this app's synthesis with its snapshot, without an account (README, *Integration tests*).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { users } from './configurations';

const { app, stack, probe, event, expected } = users();
const integ = new IntegTest(app, 'Users', { testCases: [stack], stackUpdateWorkflow: false });
integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(event) })
  .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(expected) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
