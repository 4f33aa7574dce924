/**
 * The history store port: a history channel's head (its epoch and the last `seq` known to be written) and its log of
 * messages, one row per `seq`. `DynamoHistoryStore` (adapters/) implements it on the history table (`HISTORY` in
 * src/shared/history.ts); the unit tests use an in-memory fake. Every method rejects on a DynamoDB failure.
 */

/** A channel's head: its epoch, and the highest `seq` known to be written (a hint: the log may be ahead, never behind). */
export interface HistoryHead {
  readonly epoch: string;
  readonly last: number;
  /** When the head was created or last raised, in epoch seconds. */
  readonly updatedAt: number;
}

/** A message as the log keeps it. */
export interface StoredMessage {
  readonly seq: number;
  /** The envelope's `id`. */
  readonly id: string;
  /** The request's `data`, as JSON text. */
  readonly dataText: string;
  /** Epoch seconds: kept until then (a row past it is gone, whether or not TTL has deleted it yet). */
  readonly expiresAt: number;
}

export interface HistoryStore {
  /** The channel's head, read consistently; `undefined` when it has none. */
  head(channel: string): Promise<HistoryHead | undefined>;
  /**
   * Creates the head with a new random epoch and `last = 0`, unless one exists (or, with `replacing`, unless it is no
   * longer of that epoch): resolves to the head there is then (the new one, or the one another writer made first).
   */
  createHead(channel: string, expiresAt: number, now: number, replacing?: string): Promise<HistoryHead>;
  /** Writes message `seq` of the channel's `epoch` unless that row exists: `false` when another writer claimed it. */
  claim(channel: string, epoch: string, message: StoredMessage): Promise<boolean>;
  /** The highest `seq` written in the channel's `epoch` (0 when none), read consistently. */
  tail(channel: string, epoch: string): Promise<number>;
  /**
   * Raises the head's `last` to `seq`, its expiry and `updated_at`; `false` when it was not raised: the head is gone,
   * of another epoch, or already at `seq` or higher.
   */
  advanceHead(channel: string, epoch: string, seq: number, expiresAt: number, now: number): Promise<boolean>;
  /** Up to `limit` messages of the epoch after `since`, in `seq` order (consistent), and whether more may follow. */
  after(channel: string, epoch: string, since: number, limit: number): Promise<{ readonly messages: StoredMessage[]; readonly more: boolean }>;
}
