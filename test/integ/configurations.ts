/**
 * The integration tests' configurations (test/integ/integ.*.ts), each a stack with the pusher of that configuration and
 * its probe, and the report the probe must give on it. The integ tests assert that report on AWS; probe.test.ts on the
 * local stack, from the same synthesized template.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Aspects, CfnElement, CfnMapping, CfnResource, Duration, type Stack, type IAspect } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { ProbeEvent } from './probe/probe.lambda';
import { addProbe, probeStack, type ProbeStack } from './probe-stack';
import { ChannelRule, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';

export interface Configuration extends ProbeStack {
  readonly pusher: WebsocketPusher;
  readonly probe: lambda.Function;
  /** What the assertions invoke the probe with. */
  readonly event: ProbeEvent;
  /** The probe's report, as the assertions expect it. */
  readonly expected: Record<string, unknown>;
}

/**
 * A stack named `name` with a pusher of `props` (over the test authorizer's `connectionRoutes` and the envelope) and
 * its probe.
 */
function configuration(name: string, outdir: string | undefined, props: Partial<WebsocketPusherProps>,
  event: ProbeEvent, expected: Record<string, unknown>): Configuration {
  const base = probeStack(name, outdir);
  const pusher = new WebsocketPusher(base.stack, 'Pusher', {
    webSocketStage: base.stage,
    connectionRoutes: base.connectionRoutes,
    messageFormat: MessageFormat.ENVELOPE,
    ...props,
  });
  return { ...base, pusher, probe: addProbe(base.stack, base.stage, pusher), event, expected };
}

/**
 * The assertion providers' functions (in the assertions stack integ-tests-alpha adds) run on Node.js 22, as every other
 * function of the tests. The pinned alpha picks its runtime from a per-Region map of Node.js 18 and 20, which Lambda no
 * longer lets a stack create from 2027-02-01 (cfn-lint W1034): a deployment of the tests would fail on the assertions
 * stack. Their bundled handler loads the AWS SDK v3 the Node.js runtimes provide, Node.js 22's too.
 */
class CurrentRuntimeForAssertions implements IAspect {
  constructor(private readonly testCase: Stack) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnElement) || node.stack === this.testCase) return;
    if (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function') {
      node.addPropertyOverride('Runtime', lambda.Runtime.NODEJS_22_X.name);
    }
    // The map no function reads any more (cfn-lint W7001).
    if (node instanceof CfnMapping && node.node.id === 'LatestNodeRuntimeMap') node.node.scope?.node.tryRemoveChild(node.node.id);
  }
}

/**
 * The integration test of a configuration: its stack, and the assertion that invokes the probe and compares its report,
 * invoked again every 30 s for up to 3 minutes until the report matches (`waitForAssertions`; each run of the probe is
 * its own, see probe.lambda.ts).
 */
export function integTest(id: string, { app, stack, probe, event, expected }: Configuration): IntegTest {
  const integ = new IntegTest(app, id, { testCases: [stack], stackUpdateWorkflow: false });
  Aspects.of(app).add(new CurrentRuntimeForAssertions(stack));
  integ.assertions
    .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(event) })
    .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(expected) }))
    .waitForAssertions({ totalTimeout: Duration.minutes(3), interval: Duration.seconds(30) });
  return integ;
}

/**
 * The default pusher (the `data` format) with `connectionRoutes` (the test authorizer's user id) and disconnect requests:
 * a multicast through the queue reaches alice's two connections; a broadcast through the topic that excludes carol
 * reaches alice and bob, not carol; a stale row (a gone connection) is pruned on 410; a disconnect request sends carol
 * its `data` (`goodbye`), then closes her connection.
 */
export function users(outdir?: string): Configuration {
  return configuration('WebsocketPusherUsers', outdir, { enableDisconnect: true, messageFormat: MessageFormat.DATA }, { scenario: 'users' }, {
    alice: [['broadcast', 'multicast'], ['broadcast', 'multicast']],
    bob: ['broadcast'],
    carol: ['goodbye'],
    pruned: true,
    carolClosed: true,
  });
}

/**
 * Channels with presence and history: a publish through the queue reaches both subscribers of `room/1`; bob, closed by a
 * disconnect request, reconnects, resubscribes and resumes, and receives what was published through the topic
 * meanwhile, once and in `seq` order; the channel's members are both.
 */
export function channels(outdir?: string): Configuration {
  return configuration('WebsocketPusherChannels', outdir, {
    enableDisconnect: true,
    channels: { rules: [ChannelRule.allow('room/*', { presence: true, history: Duration.hours(1) })] },
    lifecycleEvents: {},
  }, { scenario: 'channels' }, {
    alice: ['first', 'while-away'], bob: ['first', 'while-away'], bobSeqs: [1, 2], bobClosed: true, members: ['alice', 'bob'],
  });
}

/**
 * A segmented broadcast (every broadcast split, 4 segments) with deduplication: the same broadcast (one request id)
 * sent twice through the queue reaches each of 20 clients once, and no client gets a second copy to drop. `props` over
 * the configuration's (probe.test.ts turns deduplication off, to see the test fail).
 */
export function segmented(outdir?: string, props: Partial<WebsocketPusherProps> = {}): Configuration {
  return configuration('WebsocketPusherSegmented', outdir, { segmentedBroadcast: { threshold: 0, totalSegments: 4 }, deduplication: {}, ...props },
    { scenario: 'segmented' }, { received: Array.from({ length: 20 }, () => 1), duplicates: Array.from({ length: 20 }, () => 0) });
}
