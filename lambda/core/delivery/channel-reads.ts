import type { Leftovers } from './leftovers';
import type { StartKey } from '../ports/connection-store';
import type { ShardRead, SubscriberPage, SubscriptionStore } from '../ports/subscription-store';

/** The invocation's clock, for the time guard on channel reads (only with follow-ups). */
export interface Deadline {
  readonly remainingMs: () => number;
  /** Below this many milliseconds left, a shard's read stops after its page and hands the rest on. */
  readonly marginMs: number;
  /** Rows a page, when the clock is watched: what the posts of a page can settle within (`pageSize` of the workers). */
  readonly pageSize: number;
}

/**
 * How one run's channel shards hand on what they leave unread (only with follow-ups): a shard that fails, or that
 * runs out of time after a page, is left from its key, and so is every later channel's same shard (it could hold
 * the same connections, which must be reached through the earlier channel); once the run has read a page, a shard
 * whose turn comes with the time spent is left unread. Each unread shard says whether it progressed and whether it
 * failed, which decides whether its follow-up is a retry.
 */
export class ChannelReads {
  /** shard → the index (in the request's channels) of the earliest channel whose shard was handed on. */
  private readonly handedOn = new Map<number, number>();
  private pagesRead = 0;

  constructor(private readonly left: Leftovers, private readonly channels: readonly string[], private readonly deadline?: Deadline) {}

  /** The shard's pages from its key: bounded pages when the clock is watched, else the store's own (1 MB) pages. */
  pages(store: SubscriptionStore, read: ShardRead): AsyncIterable<SubscriberPage> {
    const deadline = this.deadline;
    if (!deadline) return store.queryShard(read.channel, read.shard, read.startKey);
    return (async function* () {
      let key: StartKey | undefined = read.startKey;
      do {
        const page = await store.queryShardPage(read.channel, read.shard, key, deadline.pageSize);
        yield page;
        key = page.lastKey;
      } while (key);
    })();
  }

  /** Whether a shard, at its turn, must be handed on without offering its page (see the class). */
  mustHandOn(read: ShardRead): boolean {
    const earliest = this.handedOn.get(read.shard);
    if (earliest !== undefined && earliest < this.channels.indexOf(read.channel)) return true;
    return this.pagesRead > 0 && this.timeIsUp();
  }

  /** A page was offered: the run has made progress. */
  pageRead(): void {
    this.pagesRead += 1;
  }

  /** After a page whose posts have settled (`settled`, awaited only when the clock is watched): whether time is up. */
  async outOfTime(settled: () => Promise<void>): Promise<boolean> {
    if (!this.deadline) return false;
    await settled();
    return this.timeIsUp();
  }

  /** The rest of a shard, from `read.startKey`, for a follow-up; `failed` when an error ended its read. */
  handOn(read: ShardRead, shards: number, progressed: boolean, failed = false): void {
    const index = this.channels.indexOf(read.channel);
    const earliest = this.handedOn.get(read.shard);
    if (earliest === undefined || index < earliest) this.handedOn.set(read.shard, index);
    this.left.unread.push({
      segment: read.shard, totalSegments: shards, channel: read.channel, ...(read.startKey ? { startKey: read.startKey } : {}), progressed, failed,
    });
  }

  private timeIsUp(): boolean {
    return this.deadline !== undefined && this.deadline.remainingMs() < this.deadline.marginMs;
  }
}
