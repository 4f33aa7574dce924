import { describeError } from '../../core/errors';
import { Semaphore } from '../../core/semaphore';

/** An item's outcome: its result, a failure, or not attempted (an earlier item it waits for failed). */
export type Outcome<R> = { readonly result: R } | { readonly error: string } | 'skipped';

export interface OrderOptions<T> {
  /** Items of one key are handled one after the other, in order; items of different keys concurrently. */
  readonly key: (item: T) => string;
  /** Items handled at once, at most. */
  readonly concurrency: number;
  /**
   * After a failure, start no later item at all (a stream: Lambda retries from the failed record, so a later record
   * must not be done first); otherwise only the failed item's key stops (an SQS batch: each message on its own).
   */
  readonly stopAllOnFailure: boolean;
}

export function isFailure<R>(outcome: Outcome<R>): outcome is { readonly error: string } {
  return outcome !== 'skipped' && 'error' in outcome;
}

/** Runs `run` on each item per the options; nothing is swallowed: a throw is that item's failure. */
export async function runInOrder<T, R>(items: readonly T[], options: OrderOptions<T>, run: (item: T) => Promise<R>): Promise<Outcome<R>[]> {
  const slots = new Semaphore(options.concurrency);
  const previousOfKey = new Map<string, Promise<Outcome<R> | undefined>>();
  let firstFailed = Infinity;
  const attempt = async (item: T, index: number): Promise<Outcome<R>> => {
    if (options.stopAllOnFailure && index > firstFailed) return 'skipped';
    try {
      return { result: await run(item) };
    } catch (e) {
      firstFailed = Math.min(firstFailed, index);
      return { error: describeError(e) };
    }
  };
  const runs = items.map((item, index) => {
    const key = options.key(item);
    const previous = previousOfKey.get(key) ?? Promise.resolve(undefined);
    const current = previous.then(async (before) =>
      (before === 'skipped' || (before !== undefined && isFailure(before)) ? 'skipped' as const : slots.run(() => attempt(item, index))));
    previousOfKey.set(key, current);
    return current;
  });
  return Promise.all(runs);
}
