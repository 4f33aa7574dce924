/** One row of the connections table, as a `$connect` route writes it: what every part of the local system reads. */
export interface ConnectionRow {
  readonly userId: string;
  readonly connectionId: string;
  /** Epoch seconds, when the row carries an expiry. */
  readonly expiresAt?: number;
}
