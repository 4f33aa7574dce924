import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { TTL_IDENTITY } from './local-stream';
import { keyOf, type KeySchema } from './stream-images';
import type { StreamRecorder } from './stream-recorder';

/** A table with a TTL (the template's `TimeToLiveSpecification`): its key schema and TTL attribute. */
export interface TtlTable {
  readonly tableName: string;
  readonly keySchema: KeySchema;
  readonly ttlAttribute: string;
}

export interface TtlSweeperOptions {
  /** Deletes go through it, so that a recorded table's stream gets their `REMOVE` records (with `TTL_IDENTITY`). */
  readonly recorder: StreamRecorder;
  readonly tables?: readonly TtlTable[];
  /** Between the end of a sweep and the start of the next. DynamoDB takes up to a few days. @default 1000 */
  readonly intervalMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** A sweep that failed (the next one runs anyway). @default ignored */
  readonly onError?: (error: Error) => void;
}

/** DynamoDB's TTL ignores expiry times more than five years in the past. */
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600;

/**
 * DynamoDB's TTL process for dynalite, which has none: every `intervalMs`, the items whose TTL attribute (a Number,
 * epoch seconds) is before now, and not more than five years before, are deleted through the stream recorder, each
 * with a condition that it still is (an item whose TTL was moved on meanwhile stays), so that their `REMOVE` records
 * carry DynamoDB's service identity as a TTL deletion's do. An item without the attribute, or with one that is not a
 * Number, is never deleted.
 */
export class TtlSweeper {
  private readonly tables = new Map<string, TtlTable>();
  private running = false;
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TtlSweeperOptions) {
    for (const table of options.tables ?? []) this.add(table);
  }

  /** Sweeps this table too. */
  add(table: TtlTable): void {
    this.tables.set(table.tableName, table);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops sweeping; resolves once a sweep under way is over. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One sweep of every table now; resolves to the number of items deleted. */
  async sweep(): Promise<number> {
    const run = this.sweeping.then(async () => {
      let deleted = 0;
      for (const table of this.tables.values()) deleted += await this.sweepTable(table);
      return deleted;
    });
    this.sweeping = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweep().catch((e: Error) => this.options.onError?.(e)).finally(() => {
        if (this.running) this.schedule();
      });
    }, this.options.intervalMs ?? 1_000);
  }

  private async sweepTable(table: TtlTable): Promise<number> {
    const now = (this.options.now ?? Date.now)() / 1000;
    const names: Record<string, string> = { '#ttl': table.ttlAttribute };
    table.keySchema.forEach(({ AttributeName }, i) => (names[`#k${i}`] = AttributeName));
    let deleted = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.recorder.client.send(new ScanCommand({
        TableName: table.tableName,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
        ExclusiveStartKey: startKey,
      }));
      for (const item of page.Items ?? []) {
        const ttl = item[table.ttlAttribute]?.N === undefined ? NaN : Number(item[table.ttlAttribute].N);
        const key = keyOf(item, table.keySchema);
        if (!key || !(ttl < now && ttl >= now - FIVE_YEARS_SECONDS)) continue;
        const gone = await this.options.recorder.deleteItem(table.tableName, key, {
          conditionExpression: '#ttl < :now AND #ttl >= :oldest',
          expressionAttributeNames: { '#ttl': table.ttlAttribute },
          expressionAttributeValues: { ':now': { N: String(now) }, ':oldest': { N: String(now - FIVE_YEARS_SECONDS) } },
          userIdentity: TTL_IDENTITY,
        });
        if (gone) deleted += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }
}
