import type { DeliveryDeps } from '../../../lambda/core/delivery/deps';
import type { ConnectionKey, ConnectionRow, PruneResult, SegmentPage, SegmentStore, StartKey } from '../../../lambda/core/ports/connection-store';
import type { Log } from '../../../lambda/core/ports/reporter';
import type { PostResult, Sender } from '../../../lambda/core/ports/sender';
import type {
  SubscriberPage, SubscriberRow, SubscriptionKey, SubscriptionPruneResult, SubscriptionStore,
} from '../../../lambda/core/ports/subscription-store';
import type { WorkMessage, WorkQueue } from '../../../lambda/core/ports/work-queue';
import { Semaphore } from '../../../lambda/core/semaphore';
import { channelKey, shardOf } from '../../../src/shared/channels';

/** An in-memory connections table that pages its answers and records every call. */
export class FakeStore implements SegmentStore {
  readonly queries: string[] = [];
  readonly scans: Array<[number, number]> = [];
  readonly pageCalls: Array<{ segment: number; totalSegments: number; startKey?: StartKey; limit: number }> = [];
  readonly pruneCalls: ConnectionKey[][] = [];
  readonly failingUsers = new Set<string>();
  failScan = false;
  /** Every segment fails after this many more pages, when set. */
  failScanAfterPages?: number;
  /** `scanPage` throws from this call on (0-based), when set. */
  failPageFrom?: number;
  counted = 0;

  constructor(public rows: ConnectionRow[], private readonly pageSize = 2) {}

  async *queryUser(userId: string): AsyncIterable<ConnectionRow[]> {
    this.queries.push(userId);
    if (this.failingUsers.has(userId)) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    yield* this.pages(this.rows.filter((row) => row.userId === userId));
  }

  async *scanSegment(segment: number, totalSegments: number): AsyncIterable<SegmentPage> {
    this.scans.push([segment, totalSegments]);
    if (this.failScan) throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
    for await (const rows of this.pages(this.rows.filter((_, i) => i % totalSegments === segment))) {
      const last = rows[rows.length - 1];
      yield { rows, ...(last ? { lastKey: { user_id: { S: last.userId }, connection_id: { S: last.connectionId } } } : {}) };
      if (this.failScanAfterPages !== undefined && --this.failScanAfterPages <= 0) {
        throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
      }
    }
  }

  /** Rows of a segment in table order; the start key is the last row's (user_id, connection_id). */
  async scanPage(segment: number, totalSegments: number, startKey: StartKey | undefined, limit = this.pageSize): Promise<SegmentPage> {
    this.pageCalls.push({ segment, totalSegments, ...(startKey ? { startKey } : {}), limit });
    if (this.failPageFrom !== undefined && this.pageCalls.length > this.failPageFrom) {
      throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
    }
    await Promise.resolve();
    const rows = this.rows.filter((_, i) => i % totalSegments === segment);
    const from = startKey
      ? rows.findIndex((r) => r.userId === startKey.user_id.S && r.connectionId === startKey.connection_id.S) + 1
      : 0;
    const page = rows.slice(from, from + limit);
    const last = page[page.length - 1];
    // Like DynamoDB, a page cut by `Limit` has a LastEvaluatedKey even when nothing follows it.
    return page.length === limit && last
      ? { rows: page, lastKey: { user_id: { S: last.userId }, connection_id: { S: last.connectionId } } }
      : { rows: page };
  }

  async countUpTo(limit: number): Promise<number> {
    this.counted += 1;
    return Math.min(limit, this.rows.length);
  }

  async prune(keys: readonly ConnectionKey[]): Promise<PruneResult> {
    this.pruneCalls.push([...keys]);
    const gone = new Set(keys.map((k) => `${k.userId}/${k.connectionId}`));
    this.rows = this.rows.filter((row) => !gone.has(`${row.userId}/${row.connectionId}`));
    return { deleted: keys.length, failed: [] };
  }

  private async *pages(rows: ConnectionRow[]): AsyncIterable<ConnectionRow[]> {
    for (let i = 0; i < rows.length; i += this.pageSize) {
      await Promise.resolve();
      yield rows.slice(i, i + this.pageSize);
    }
  }
}

/**
 * Records posts and closes; answers from a per-connection script (one result per attempt, the last one repeating),
 * closes from their own script.
 */
export class FakeSender implements Sender {
  readonly posts: Array<{ connectionId: string; payload: Uint8Array }> = [];
  readonly closes: string[] = [];
  readonly scripts = new Map<string, PostResult[]>();
  readonly closeScripts = new Map<string, PostResult[]>();
  inFlight = 0;
  peak = 0;

  answer(connectionId: string, ...results: PostResult[]): this {
    this.scripts.set(connectionId, results);
    return this;
  }

  answerClose(connectionId: string, ...results: PostResult[]): this {
    this.closeScripts.set(connectionId, results);
    return this;
  }

  delivered(): string[] {
    return this.posts.map((p) => p.connectionId);
  }

  async post(connectionId: string, payload: Uint8Array): Promise<PostResult> {
    this.posts.push({ connectionId, payload });
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    return next(this.scripts.get(connectionId));
  }

  async disconnect(connectionId: string): Promise<PostResult> {
    this.closes.push(connectionId);
    await new Promise((resolve) => setImmediate(resolve));
    return next(this.closeScripts.get(connectionId));
  }
}

function next(script: PostResult[] | undefined): PostResult {
  if (!script) return { status: 'delivered' };
  return script.length > 1 ? script.shift()! : script[0];
}

export class RecordingLog implements Log {
  readonly lines: Array<{ level: 'error' | 'warn'; message: string; fields: Record<string, unknown> }> = [];
  error(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
}

export function fakeDeps(store: FakeStore, sender: FakeSender, overrides: Partial<DeliveryDeps> = {}): DeliveryDeps & { log: RecordingLog } {
  return {
    store,
    sender,
    sendSlots: new Semaphore(8),
    querySlots: new Semaphore(4),
    postRetry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    scanSegments: 3,
    log: new RecordingLog(),
    sleep: async () => {},
    now: () => 1_000_000,
    ...overrides,
  } as DeliveryDeps & { log: RecordingLog };
}

export const row = (userId: string, connectionId: string, expiresAt?: number): ConnectionRow =>
  (expiresAt === undefined ? { userId, connectionId } : { userId, connectionId, expiresAt });

/** Records enqueued work items; fails the next `failNext` sends. */
export class FakeQueue implements WorkQueue {
  readonly sent: WorkMessage[][] = [];
  failNext = 0;

  async send(messages: readonly WorkMessage[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('the work queue is unavailable');
    }
    this.sent.push([...messages]);
  }

  /** Every enqueued body, parsed. */
  bodies(): Array<Record<string, any>> {
    return this.sent.flat().map((m) => JSON.parse(m.body));
  }
}

export const subscriber = (channel: string, userId: string, connectionId: string, expiresAt?: number): SubscriberRow =>
  (expiresAt === undefined ? { channel, userId, connectionId } : { channel, userId, connectionId, expiresAt });

const unavailable = () => Object.assign(new Error('unavailable'), { name: 'InternalServerError' });

/**
 * An in-memory subscriptions table: each row is in the shard `shardOf(connectionId, shards)` of its channel, in table
 * order; answers are paged (`pageSize` rows, the last key `channel_key`/`connection_id`) and every call recorded.
 */
export class FakeSubscriptionStore implements SubscriptionStore {
  /** `[channel, shard]` of every `queryShard`. */
  readonly queries: Array<[string, number]> = [];
  readonly pageCalls: Array<{ channel: string; shard: number; startKey?: StartKey; limit: number }> = [];
  readonly counts: Array<[string, number]> = [];
  readonly pruneCalls: SubscriptionKey[][] = [];
  /** `<channel>#<shard>` → pages served before that shard's next read throws (0: its first page fails). */
  readonly failAfter = new Map<string, number>();
  /** `<channel>` → a promise awaited before that channel's first page is served. */
  readonly holds = new Map<string, Promise<void>>();
  failCount = false;

  constructor(public rows: SubscriberRow[], readonly shards = 2, private readonly pageSize = 2) {}

  /** The rows of one channel shard, in table order. */
  shardRows(channel: string, shard: number): SubscriberRow[] {
    return this.rows.filter((r) => r.channel === channel && shardOf(r.connectionId, this.shards) === shard);
  }

  async *queryShard(channel: string, shard: number, from?: StartKey): AsyncIterable<SubscriberPage> {
    this.queries.push([channel, shard]);
    await this.holds.get(channel);
    let startKey: StartKey | undefined = from;
    do {
      const page = await this.read(channel, shard, startKey, this.pageSize);
      yield page;
      startKey = page.lastKey;
    } while (startKey);
  }

  async queryShardPage(channel: string, shard: number, startKey: StartKey | undefined, limit = this.pageSize): Promise<SubscriberPage> {
    this.pageCalls.push({ channel, shard, ...(startKey ? { startKey } : {}), limit });
    return this.read(channel, shard, startKey, limit);
  }

  async countUpTo(channel: string, limit: number): Promise<number> {
    this.counts.push([channel, limit]);
    if (this.failCount) throw unavailable();
    return Math.min(limit, this.rows.filter((r) => r.channel === channel).length);
  }

  async subscribedTo(connectionId: string, channels: readonly string[]): Promise<string[]> {
    return channels.filter((channel) => this.rows.some((r) => r.channel === channel && r.connectionId === connectionId));
  }

  async prune(keys: readonly SubscriptionKey[]): Promise<SubscriptionPruneResult> {
    this.pruneCalls.push([...keys]);
    const gone = new Set(keys.map((k) => `${k.channel} ${k.connectionId}`));
    this.rows = this.rows.filter((r) => !gone.has(`${r.channel} ${r.connectionId}`));
    return { deleted: keys.length, failed: [] };
  }

  /** Like DynamoDB, a page cut by `limit` has a LastEvaluatedKey even when nothing follows it. */
  private async read(channel: string, shard: number, startKey: StartKey | undefined, limit: number): Promise<SubscriberPage> {
    await Promise.resolve();
    const key = channelKey(channel, shard);
    const left = this.failAfter.get(key);
    if (left !== undefined) {
      if (left <= 0) throw unavailable();
      this.failAfter.set(key, left - 1);
    }
    const rows = this.shardRows(channel, shard);
    const from = startKey ? rows.findIndex((r) => r.connectionId === startKey.connection_id.S) + 1 : 0;
    const page = rows.slice(from, from + limit);
    const last = page[page.length - 1];
    if (page.length < limit || !last) return { rows: page };
    return { rows: page, lastKey: { channel_key: { S: key }, connection_id: { S: last.connectionId } } };
  }
}

/** `count` connection ids `<prefix><n>` that fall in shard `shard` of `shards`. */
export function idsInShard(shard: number, shards: number, count: number, prefix = 'c'): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) if (shardOf(`${prefix}${n}`, shards) === shard) ids.push(`${prefix}${n}`);
  return ids;
}
