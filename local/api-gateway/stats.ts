/** Counters of the Management API, for assertions and benchmarks. */
export interface EmulatorStats {
  /** Management API requests received, by method. */
  readonly requests: { POST: number; GET: number; DELETE: number };
  /** Responses by HTTP status code. */
  readonly byStatus: Record<number, number>;
  /** Messages written to a connection (200 answers to POST). */
  readonly delivered: number;
  /** Bytes written to connections. */
  readonly deliveredBytes: number;
  /** Requests currently being handled, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** When the first Management API request since the last reset arrived (`performance.now()`), if any did. */
  readonly firstRequestAt?: number;
}

/** The counters as the Management API updates them. */
export type MutableStats = { -readonly [K in keyof EmulatorStats]: EmulatorStats[K] };

export function emptyStats(): MutableStats {
  return {
    requests: { POST: 0, GET: 0, DELETE: 0 }, byStatus: {}, delivered: 0, deliveredBytes: 0, inFlight: 0, maxInFlight: 0, firstRequestAt: undefined,
  };
}
