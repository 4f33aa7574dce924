import { payload, type FanOut } from './fan-out';
import { BENCH_CHANNEL, type SubscriptionTables } from './subscriptions';
import { postedPayload } from '../../../lambda/core/envelope';
import { CHANNELS_ENV } from '../../../src/shared/channels';
import { ENV } from '../../../src/shared/constants';
import type { Scenario } from '../../reports/results';

/** The channel request's `id`: the envelope's, so that the bare client can post the very bytes the pusher posts. */
const REQUEST_ID = 'bench-channel-0001';

/**
 * What runs in a channel fan-out: the ceilings, which read the channel's shards as the pusher does before they post
 * (issue 28), the bare client that only posts (issue 16 and 24), and the pusher.
 */
const CHANNEL_SUBJECTS = ['ceiling', 'ceiling-pusher', 'unsigned', 'pusher', 'pusher-before'];

/**
 * Issue 24: a publish to one channel whose `subscribers` are the table's first connections, for each shard count: the
 * pusher reads the channel's shards from the subscriptions table and posts the envelope (`MESSAGE_FORMAT=envelope`,
 * naming the channel, as the construct's channels require); the bare client posts the same bytes to the same
 * connection ids. Every subscriber must receive exactly one message in every run.
 */
export async function channelFanOut(
  bench: FanOut, subscriptions: SubscriptionTables, subscribers: number, shardCounts: readonly number[],
): Promise<void> {
  const { options, table } = bench;
  const data = payload(options.payloadBytes);
  const request = { id: REQUEST_ID, channels: [BENCH_CHANNEL], data };
  const envelope = postedPayload('envelope', JSON.stringify(data), REQUEST_ID, BENCH_CHANNEL);
  const receivers = table.connections.slice(0, subscribers);
  for (const shards of shardCounts) {
    const seededMs = await subscriptions.subscribe(shards, receivers);
    console.log(`subscriptions: ${subscribers.toLocaleString('en-US')} on ${BENCH_CHANNEL}, ${shards} shard(s) (written in ${(seededMs / 1000).toFixed(1)} s)`);
    const scenario: Scenario = {
      name: `channel ${subscribers.toLocaleString('en-US')} (${shards} shard${shards === 1 ? '' : 's'})`,
      kind: 'channel',
      connections: subscribers,
      table: table.ids.length,
      shards,
    };
    await bench.runner.run({
      scenario,
      request,
      targets: table.ids.slice(0, subscribers),
      inFlight: options.inFlight,
      subjects: CHANNEL_SUBJECTS.filter((s) => options.subjects.includes(s)),
      env: {
        [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: subscriptions.tableName(shards),
        [CHANNELS_ENV.CHANNEL_SHARDS]: String(shards),
        [ENV.MESSAGE_FORMAT]: 'envelope',
        BENCH_BODY: envelope.toString('utf8'),
      },
      exactlyOnce: { receivers, bytes: envelope.length },
      lookups: { kind: 'channel', subjects: ['ceiling', 'ceiling-pusher'] },
    });
  }
}
