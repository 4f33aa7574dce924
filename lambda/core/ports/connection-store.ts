/**
 * The connection store port: how the core reads and prunes the connections table. `DynamoConnectionStore`
 * (adapters/) implements it; the unit tests use an in-memory fake.
 */
/** The primary key of a connections-table row. */
export interface ConnectionKey {
  readonly userId: string;
  readonly connectionId: string;
}

/** A row of the connections table: its key, plus its expiry when the table has a TTL attribute. */
export interface ConnectionRow extends ConnectionKey {
  /** Epoch seconds; absent when the row never expires. */
  readonly expiresAt?: number;
}

/**
 * A connection handed to a follow-up: its owner is known when it was read from a table, not when given directly; its
 * channel when it was reached through one (the envelope names it, and a 410 prunes that subscription).
 */
export interface CarriedConnection {
  readonly userId?: string;
  readonly connectionId: string;
  readonly channel?: string;
}

/** Where a Scan segment resumes: the key attributes of the last row read, as DynamoDB returns them. */
export type StartKey = Readonly<Record<string, { readonly S: string }>>;

/** One page of a Scan segment, with the key to resume from (absent once the segment is exhausted). */
export interface SegmentPage {
  readonly rows: ConnectionRow[];
  readonly lastKey?: StartKey;
}

export interface PruneResult {
  readonly deleted: number;
  /** Keys still not deleted after the retries, with the last error if a call failed outright. */
  readonly failed: readonly ConnectionKey[];
  readonly error?: string;
}

/** Reads and prunes the connections table, page by page. */
export interface ConnectionStore {
  /** One user's connections, one page (≤ 1 MB) at a time. */
  queryUser(userId: string): AsyncIterable<ConnectionRow[]>;
  /** One segment of a parallel Scan, one page at a time, each with the key to resume after it. */
  scanSegment(segment: number, totalSegments: number): AsyncIterable<SegmentPage>;
  /** Deletes stale rows; never throws, reports what it could not delete. */
  prune(keys: readonly ConnectionKey[]): Promise<PruneResult>;
}

/**
 * Marks a connection's row as closed by a disconnect request, before the close (channel presence on): its members then
 * leave their presence channels at once. A row already gone is not an error; any other failure rejects.
 */
export interface DisconnectMarks {
  mark(key: ConnectionKey, requestId: string): Promise<void>;
}

/** What a segmented-broadcast worker needs besides the store: resumable pages, and a bounded row count. */
export interface SegmentStore extends ConnectionStore {
  /** One page (at most `limit` rows) of a Scan segment, from `startKey` (the previous page's `lastKey`). */
  scanPage(segment: number, totalSegments: number, startKey: StartKey | undefined, limit?: number): Promise<SegmentPage>;
  /** Counts rows up to `limit` (a keys-only counting Scan that stops there): is the table at least that big? */
  countUpTo(limit: number): Promise<number>;
}
