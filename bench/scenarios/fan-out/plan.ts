import { broadcast } from './broadcast';
import { channelFanOut } from './channel';
import { CONNECTIONS_PER_USER, type FanOut } from './fan-out';
import { multicast, multicastOnePerUser, smallMulticast } from './multicast';
import { senders } from './senders';
import { SubscriptionTables } from './subscriptions';
import { sweep } from './sweep';

/**
 * Every scenario the options ask for, the table grown once through the sizes in increasing order: at each size its
 * broadcast, then the multicasts once the table holds their users (the small one at the first size), the channel fan-out, the senders' comparison and the
 * sweep at theirs.
 * Resolves with the seeding time per size, ms.
 */
export async function runScenarios(bench: FanOut): Promise<Record<number, number>> {
  const o = bench.options;
  const onePerUser = o.multicastOnePerUser ?? 0;
  const pending = {
    multicast: o.multicastUsers > 0,
    onePerUser: onePerUser > 0,
    small: (o.smallMulticast ?? 0) > 0,
    senders: o.senders.length > 0,
    sweep: o.sweep.length > 0,
  };
  const channelSizes = o.channels ?? [];
  const sizes = [...new Set([
    ...o.sizes, ...channelSizes, ...(pending.sweep ? [o.sweepSize] : []), ...(pending.senders ? [o.sendersSize] : []),
  ])].sort((a, b) => a - b);
  const subscriptions = new SubscriptionTables(bench.system.dynamodb);
  const seeding: Record<number, number> = {};
  for (const size of sizes) {
    seeding[size] = await bench.table.growTo(size);
    console.log(`table: ${size.toLocaleString('en-US')} rows (seeded in ${(seeding[size] / 1000).toFixed(1)} s)`);
    if (o.sizes.includes(size)) await broadcast(bench, size);
    if (pending.multicast && size >= o.multicastUsers * CONNECTIONS_PER_USER) {
      await multicast(bench, o.multicastUsers);
      pending.multicast = false;
    }
    if (pending.small && size >= CONNECTIONS_PER_USER) {
      await smallMulticast(bench, o.smallMulticast!);
      pending.small = false;
    }
    if (pending.onePerUser && size >= onePerUser) {
      await multicastOnePerUser(bench, onePerUser);
      pending.onePerUser = false;
    }
    if (channelSizes.includes(size)) await channelFanOut(bench, subscriptions, size, o.channelShards ?? [1]);
    if (pending.senders && size === o.sendersSize) {
      await senders(bench, size, o.senders);
      pending.senders = false;
    }
    if (pending.sweep && size === o.sweepSize) {
      await sweep(bench, size, o.sweep);
      pending.sweep = false;
    }
  }
  return seeding;
}
