import type { VirtualConnection } from '../../../local/api-gateway/connections';
import type { Row } from '../../reports/results';

/**
 * Whether each target connection received exactly one message in a run, of the expected size when given: its
 * receiver's counts are taken at "go" and compared after the run (the emulator's 200 answers, per connection). The
 * figures go to the row's `details.exactlyOnce`, a miscount to its `error`.
 */
export class ExactlyOnce {
  private before: Array<{ received: number; bytes: number }> = [];

  constructor(private readonly receivers: readonly VirtualConnection[], private readonly bytes?: number) {}

  /** At "go": every receiver's counts so far (a warm run's first pass included). */
  start(): void {
    this.before = this.receivers.map((r) => ({ received: r.received, bytes: r.receivedBytes }));
  }

  /** The row with the check's figures, and an error unless every receiver got exactly one message (of `bytes`). */
  check(row: Row): Row {
    const figures = { receivers: this.receivers.length, once: 0, none: 0, more: 0, otherSize: 0 };
    this.receivers.forEach((r, i) => {
      const got = r.received - (this.before[i]?.received ?? 0);
      if (got === 1) figures.once++;
      else if (got === 0) figures.none++;
      else figures.more++;
      if (got === 1 && this.bytes !== undefined && r.receivedBytes - (this.before[i]?.bytes ?? 0) !== this.bytes) figures.otherSize++;
    });
    const problems = [
      figures.once !== figures.receivers
        ? `exactly once: ${figures.once} of ${figures.receivers} connections (${figures.none} none, ${figures.more} more than one)` : undefined,
      figures.otherSize > 0 ? `${figures.otherSize} connections received other than ${this.bytes} B` : undefined,
    ].filter((p): p is string => p !== undefined);
    const error = [row.error, ...problems].filter(Boolean).join('; ');
    return { ...row, details: { ...row.details, exactlyOnce: figures }, ...(error ? { error } : {}) };
  }
}
