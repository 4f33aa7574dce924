/**
 * The integration tests' configurations (test/integ/integ.*.ts), each a stack with the pusher of that configuration and
 * its probe, and the report the probe must give on it. The integ tests assert that report on AWS; probe.test.ts on the
 * local stack, from the same synthesized template.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ProbeEvent } from './probe/probe.lambda';
import { addProbe, probeStack, type ProbeStack } from './probe-stack';
import { ChannelRule, MessageFormat, WebsocketPusher } from '../../src';

export interface Configuration extends ProbeStack {
  readonly pusher: WebsocketPusher;
  readonly probe: lambda.Function;
  /** What the assertions invoke the probe with. */
  readonly event: ProbeEvent;
  /** The probe's report, as the assertions expect it. */
  readonly expected: Record<string, unknown>;
}

/**
 * The default pusher with `connectionRoutes` (the test authorizer's user id), the envelope and disconnect requests:
 * a multicast through the queue reaches alice's two connections; a broadcast through the topic that excludes carol
 * reaches alice and bob, not carol; a stale row (a gone connection) is pruned on 410; a disconnect request sends carol
 * its `data` (`goodbye`), then closes her connection.
 */
export function users(outdir?: string): Configuration {
  const base = probeStack('WebsocketPusherUsers', outdir);
  const pusher = new WebsocketPusher(base.stack, 'Pusher', {
    webSocketStage: base.stage,
    connectionRoutes: base.connectionRoutes,
    messageFormat: MessageFormat.ENVELOPE,
    enableDisconnect: true,
  });
  return {
    ...base,
    pusher,
    probe: addProbe(base.stack, base.stage, pusher),
    event: { scenario: 'users' },
    expected: {
      alice: [['broadcast', 'multicast'], ['broadcast', 'multicast']],
      bob: ['broadcast'],
      carol: ['goodbye'],
      pruned: true,
      carolClosed: true,
    },
  };
}

/**
 * Channels with presence and history: a publish through the queue reaches both subscribers of `room/1`; bob, closed by a
 * disconnect request, reconnects, resubscribes and resumes, and receives what was published through the topic
 * meanwhile, once and in `seq` order; the channel's members are both.
 */
export function channels(outdir?: string): Configuration {
  const base = probeStack('WebsocketPusherChannels', outdir);
  const pusher = new WebsocketPusher(base.stack, 'Pusher', {
    webSocketStage: base.stage,
    connectionRoutes: base.connectionRoutes,
    messageFormat: MessageFormat.ENVELOPE,
    enableDisconnect: true,
    channels: { rules: [ChannelRule.allow('room/*', { presence: true, history: Duration.hours(1) })] },
    lifecycleEvents: {},
  });
  return {
    ...base,
    pusher,
    probe: addProbe(base.stack, base.stage, pusher),
    event: { scenario: 'channels' },
    expected: { alice: ['first', 'while-away'], bob: ['first', 'while-away'], bobSeqs: [1, 2], members: ['alice', 'bob'] },
  };
}

/**
 * A segmented broadcast (every broadcast split, 4 segments) with deduplication: the same broadcast (one request id)
 * sent twice through the queue reaches each of 20 clients once, and no client gets a second copy to drop.
 */
export function segmented(outdir?: string): Configuration {
  const base = probeStack('WebsocketPusherSegmented', outdir);
  const pusher = new WebsocketPusher(base.stack, 'Pusher', {
    webSocketStage: base.stage,
    connectionRoutes: base.connectionRoutes,
    messageFormat: MessageFormat.ENVELOPE,
    segmentedBroadcast: { threshold: 0, totalSegments: 4 },
    deduplication: {},
  });
  return {
    ...base,
    pusher,
    probe: addProbe(base.stack, base.stage, pusher),
    event: { scenario: 'segmented' },
    expected: { received: Array.from({ length: 20 }, () => 1), duplicates: Array.from({ length: 20 }, () => 0) },
  };
}
