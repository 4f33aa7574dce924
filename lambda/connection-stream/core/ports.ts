/** A subscription row's key: what a delete needs. */
export interface SubscriptionKey {
  readonly channelKey: string;
  readonly connectionId: string;
}

/** The subscriptions table, as the cleanup sees it: a connection's subscriptions found page by page, and deleted. */
export interface SubscriptionStore {
  /** The connection's subscriptions (keys only), page by page, through the `by_connection` index. */
  subscriptionsOf(connectionId: string): AsyncIterable<readonly SubscriptionKey[]>;
  /** Deletes the keys; throws when some are still not deleted after the bounded retries. Resolves to those deleted. */
  delete(keys: readonly SubscriptionKey[]): Promise<number>;
}

/** A record that failed, and why. */
export interface RecordFailure {
  readonly sequenceNumber: string;
  readonly eventName: string;
  readonly connectionId?: string;
  readonly error: string;
}

/** What one stream batch did: the structured log line's fields and the metrics' figures. */
export interface BatchReport {
  readonly records: number;
  /** `REMOVE` records (a `$disconnect`, a TTL expiry, a prune, a disconnect request). */
  readonly removals: number;
  /** Of those, TTL expiries (`userIdentity` DynamoDB's service). */
  readonly ttlRemovals: number;
  readonly subscriptionsDeleted: number;
  /** Records whose handling failed. */
  readonly failures: number;
  /** Records reported in `batchItemFailures`: the first failed one and every later one. */
  readonly reported: number;
  readonly durationMs: number;
  readonly failed: readonly RecordFailure[];
}

/** Where a batch's report goes (one log line, one metrics blob). */
export interface StreamReporter {
  report(report: BatchReport): void;
}
