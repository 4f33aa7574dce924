import type { DeliveryDeps } from './deps';
import { describeError } from '../errors';
import type { ConnectionKey } from '../ports/connection-store';
import type { Log } from '../ports/reporter';
import type { SubscriptionKey } from '../ports/subscription-store';

interface Deleted<K> {
  readonly deleted: number;
  readonly failed: readonly K[];
  readonly error?: string;
}

/** Deletes each key once per invocation, however many requests met it; what could not be deleted is logged. */
class OncePerKey<K> {
  private readonly results = new Map<string, Promise<boolean>>();

  constructor(private readonly idOf: (key: K) => string, private readonly remove: (keys: readonly K[]) => Promise<Deleted<K>>,
    private readonly log: Log, private readonly what: string) {}

  /** Resolves to the number of `keys` deleted. */
  async prune(keys: readonly K[], messageId: string): Promise<number> {
    const fresh = [...new Map(keys.filter((key) => !this.results.has(this.idOf(key))).map((key) => [this.idOf(key), key])).values()];
    if (fresh.length > 0) {
      const call = this.remove(fresh).catch((e: unknown) => ({ deleted: 0, failed: fresh, error: describeError(e) }));
      const failedIds = call.then((result) => {
        if (result.failed.length > 0) this.log.warn(`${this.what} not pruned`, { messageId, count: result.failed.length, error: result.error });
        return new Set(result.failed.map(this.idOf));
      });
      for (const key of fresh) this.results.set(this.idOf(key), failedIds.then((failed) => !failed.has(this.idOf(key))));
    }
    const deleted = await Promise.all([...new Set(keys.map(this.idOf))].map((id) => this.results.get(id)!));
    return deleted.filter(Boolean).length;
  }
}

/**
 * Prunes gone rows for all requests of an invocation, deleting each key once even if several requests met it: the
 * connection rows, and the subscription rows through which channels reached the gone connections.
 */
export class BatchPruner {
  private readonly rows: OncePerKey<ConnectionKey>;
  private readonly subscriptions?: OncePerKey<SubscriptionKey>;

  constructor(deps: Pick<DeliveryDeps, 'store' | 'subscriptions' | 'log'>) {
    this.rows = new OncePerKey((key) => `${key.userId}\u0000${key.connectionId}`, (keys) => deps.store.prune(keys), deps.log, 'stale connections');
    const subscriptions = deps.subscriptions;
    if (subscriptions) {
      this.subscriptions = new OncePerKey((key) => `${key.channel}\u0000${key.connectionId}`, (keys) => subscriptions.prune(keys), deps.log, 'stale subscriptions');
    }
  }

  /** Resolves to the number of connection rows of `keys` deleted. */
  prune(keys: readonly ConnectionKey[], messageId: string): Promise<number> {
    return this.rows.prune(keys, messageId);
  }

  /** Resolves to the number of subscriptions of `keys` deleted (none without a subscription store). */
  async pruneSubscriptions(keys: readonly SubscriptionKey[], messageId: string): Promise<number> {
    return this.subscriptions ? this.subscriptions.prune(keys, messageId) : 0;
  }

  /**
   * Deletes the rows and subscriptions of connections found gone (410) and of those a disconnect request closed;
   * resolves to the number of the gone ones' rows deleted (pruned). A closed connection's rows are deleted as well,
   * but counted as closed, once, by the run that closed it.
   */
  async pruneGoneAndClosed(keys: readonly ConnectionKey[], subscriptions: readonly SubscriptionKey[], closed: ReadonlySet<string>,
    messageId: string): Promise<number> {
    const wasClosed = (key: { connectionId: string }) => closed.has(key.connectionId);
    const [pruned] = await Promise.all([
      this.prune(keys.filter((k) => !wasClosed(k)), messageId),
      this.prune(keys.filter(wasClosed), messageId),
    ]);
    const [prunedSubscriptions] = await Promise.all([
      this.pruneSubscriptions(subscriptions.filter((k) => !wasClosed(k)), messageId),
      this.pruneSubscriptions(subscriptions.filter(wasClosed), messageId),
    ]);
    return pruned + prunedSubscriptions;
  }
}
