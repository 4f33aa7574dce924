import type { DeliveryDeps } from './deps';
import { describeError } from '../errors';
import type { ConnectionKey } from '../ports/connection-store';

const keyId = (key: ConnectionKey) => `${key.userId}\u0000${key.connectionId}`;

/** Prunes gone rows for all requests of an invocation, deleting each key once even if several requests met it. */
export class BatchPruner {
  private readonly results = new Map<string, Promise<boolean>>();

  constructor(private readonly deps: Pick<DeliveryDeps, 'store' | 'log'>) {}

  /** Resolves to the number of `keys` deleted. */
  async prune(keys: readonly ConnectionKey[], messageId: string): Promise<number> {
    const fresh = [...new Map(keys.filter((key) => !this.results.has(keyId(key))).map((key) => [keyId(key), key])).values()];
    if (fresh.length > 0) {
      const call = this.deps.store.prune(fresh).catch((e: unknown) => ({ deleted: 0, failed: fresh, error: describeError(e) }));
      const failedIds = call.then((result) => {
        if (result.failed.length > 0) {
          this.deps.log.warn('stale connections not pruned', { messageId, count: result.failed.length, error: result.error });
        }
        return new Set(result.failed.map(keyId));
      });
      for (const key of fresh) this.results.set(keyId(key), failedIds.then((failed) => !failed.has(keyId(key))));
    }
    const deleted = await Promise.all([...new Set(keys.map(keyId))].map((key) => this.results.get(key)!));
    return deleted.filter(Boolean).length;
  }
}
