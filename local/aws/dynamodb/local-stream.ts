import { randomBytes, randomUUID } from 'node:crypto';
import { itemSize, sameImage, type Item } from './stream-images';
import { LOCAL_REGION, localArn } from '../../identity';

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** Who made a change, when it was not an API call: DynamoDB's TTL process. */
export interface StreamUserIdentity {
  readonly type: string;
  readonly principalId: string;
}

/** The identity of a TTL deletion's `REMOVE` record, as DynamoDB writes it. */
export const TTL_IDENTITY: StreamUserIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

/** A stream record as DynamoDB Streams' GetRecords answers it in JSON (`ApproximateCreationDateTime` in epoch seconds). */
export interface LocalStreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Item;
    readonly NewImage?: Item;
    readonly OldImage?: Item;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: StreamViewType;
  };
  readonly userIdentity?: StreamUserIdentity;
}

/** One item's change: its key, its image before and after (absent: no item), and who made it when not an API call. */
export interface ItemChange {
  readonly keys: Item;
  readonly oldImage?: Item;
  readonly newImage?: Item;
  readonly userIdentity?: StreamUserIdentity;
}

export interface LocalStreamOptions {
  /** @default 'NEW_AND_OLD_IMAGES' */
  readonly viewType?: StreamViewType;
  /** Records kept; older ones are trimmed (DynamoDB keeps 24 hours). @default 100000 */
  readonly maxRecords?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** What a read got: the records, and the position after them. */
export interface StreamRead {
  readonly records: readonly LocalStreamRecord[];
  readonly next: number;
}

/** The first sequence number, 21 digits as DynamoDB's are; numbers keep their length, so text order is number order. */
const FIRST_SEQUENCE = 10n ** 20n;

/**
 * One table's stream (one shard): the records of its changes in the order they took effect, each with a sequence
 * number greater than the one before. Readers hold positions (0 is the first record ever appended) and read batches
 * from them, as a shard iterator does.
 */
export class LocalStream {
  readonly streamArn: string;
  readonly shardId: string;
  readonly viewType: StreamViewType;
  private readonly held: LocalStreamRecord[] = [];
  /** The position of `held[0]`. */
  private trimmed = 0;
  private readonly waiters = new Set<() => void>();
  private readonly now: () => number;

  constructor(readonly tableName: string, private readonly options: LocalStreamOptions = {}) {
    this.now = options.now ?? Date.now;
    this.viewType = options.viewType ?? 'NEW_AND_OLD_IMAGES';
    const label = new Date(this.now()).toISOString().replace(/Z$/, '');
    this.streamArn = localArn('dynamodb', `table/${tableName}/stream/${label}`);
    this.shardId = `shardId-${String(this.now()).padStart(20, '0')}-${randomBytes(4).toString('hex')}`;
  }

  /** The position of the oldest record still held (`TRIM_HORIZON`). */
  get trimHorizon(): number {
    return this.trimmed;
  }

  /** The position after the newest record (`LATEST`). */
  get latest(): number {
    return this.trimmed + this.held.length;
  }

  /**
   * Appends the record of a change and wakes the readers waiting; a change that changes nothing (no item before nor
   * after, or the same image) writes no record, as in DynamoDB. Returns the record, if any.
   */
  append(change: ItemChange): LocalStreamRecord | undefined {
    const { oldImage, newImage } = change;
    if ((!oldImage && !newImage) || (oldImage && newImage && sameImage(oldImage, newImage))) return undefined;
    const withNew = this.viewType === 'NEW_IMAGE' || this.viewType === 'NEW_AND_OLD_IMAGES';
    const withOld = this.viewType === 'OLD_IMAGE' || this.viewType === 'NEW_AND_OLD_IMAGES';
    const images = {
      ...(withNew && newImage ? { NewImage: newImage } : {}),
      ...(withOld && oldImage ? { OldImage: oldImage } : {}),
    };
    const record: LocalStreamRecord = {
      eventID: randomUUID().replace(/-/g, ''),
      eventName: !oldImage ? 'INSERT' : !newImage ? 'REMOVE' : 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(this.now() / 1000),
        Keys: change.keys,
        ...images,
        SequenceNumber: String(FIRST_SEQUENCE + BigInt(this.latest)),
        SizeBytes: itemSize(change.keys) + itemSize(images.NewImage) + itemSize(images.OldImage),
        StreamViewType: this.viewType,
      },
      ...(change.userIdentity ? { userIdentity: change.userIdentity } : {}),
    };
    this.held.push(record);
    const excess = this.held.length - (this.options.maxRecords ?? 100_000);
    if (excess > 0) {
      this.held.splice(0, excess);
      this.trimmed += excess;
    }
    for (const wake of [...this.waiters]) wake();
    return record;
  }

  /** Up to `limit` records from `position` (from the trim horizon, when the position was trimmed). */
  read(position: number, limit: number): StreamRead {
    const from = Math.max(position, this.trimmed);
    const records = this.held.slice(from - this.trimmed, from - this.trimmed + limit);
    return { records, next: from + records.length };
  }

  /** Every record held, oldest first. */
  records(): readonly LocalStreamRecord[] {
    return [...this.held];
  }

  /** Resolves once a record exists at or after `position`, or after `timeoutMs`, or when `signal` aborts. */
  async waitForRecords(position: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.latest > position || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }
}
