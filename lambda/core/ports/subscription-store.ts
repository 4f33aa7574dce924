/**
 * The subscription store port: how the pusher reads a channel's subscribers and prunes the subscriptions of gone
 * connections. `DynamoSubscriptionStore` (adapters/) implements it on the subscriptions table; the unit tests use an
 * in-memory fake.
 */
import type { ConnectionRow, StartKey } from './connection-store';

/** A subscriber of a channel: its connection, its owner (from the row), the channel, its expiry. */
export interface SubscriberRow extends ConnectionRow {
  readonly channel: string;
}

/** One subscription: a connection's to a channel (its row's key is the channel's shard of the connection, and its id). */
export interface SubscriptionKey {
  readonly channel: string;
  readonly connectionId: string;
}

/** A channel shard to read, from `startKey` (the `lastKey` of the last page read; from its start when absent). */
export interface ShardRead {
  readonly channel: string;
  readonly shard: number;
  readonly startKey?: StartKey;
}

/** One page of a channel shard's subscribers, with the key to resume from (absent once the shard is read). */
export interface SubscriberPage {
  readonly rows: SubscriberRow[];
  readonly lastKey?: StartKey;
}

export interface SubscriptionPruneResult {
  readonly deleted: number;
  readonly failed: readonly SubscriptionKey[];
  readonly error?: string;
}

/** Reads a channel's subscribers shard by shard, page by page, and prunes subscriptions. */
export interface SubscriptionStore {
  /** The shards of every channel (`CHANNEL_SHARDS`). */
  readonly shards: number;
  /** One shard of a channel, one page at a time, from `startKey` when given. */
  queryShard(channel: string, shard: number, startKey?: StartKey): AsyncIterable<SubscriberPage>;
  /** One page (at most `limit` rows) of a channel shard, from `startKey` (the previous page's `lastKey`). */
  queryShardPage(channel: string, shard: number, startKey: StartKey | undefined, limit?: number): Promise<SubscriberPage>;
  /** Counts a channel's subscribers up to `limit` (keys-only counting Queries that stop there). */
  countUpTo(channel: string, limit: number): Promise<number>;
  /** Of `channels` (at most 100), those the connection is subscribed to (consistent reads). */
  subscribedTo(connectionId: string, channels: readonly string[]): Promise<string[]>;
  /** Deletes subscriptions; never throws, reports what it could not delete. */
  prune(keys: readonly SubscriptionKey[]): Promise<SubscriptionPruneResult>;
}
