/**
 * Serializes work by key: work holding a key starts once every earlier work holding it is over. Work holding several
 * keys takes them all at once (in one synchronous step), so two such calls can never wait on each other in a cycle.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async hold<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.map((key) => this.tails.get(key));
    let release!: () => void;
    const over = new Promise<void>((resolve) => (release = resolve));
    for (const key of unique) this.tails.set(key, over);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      release();
      for (const key of unique) if (this.tails.get(key) === over) this.tails.delete(key);
    }
  }

  /** Keys held or waited for (an idle recorder holds none). */
  get size(): number {
    return this.tails.size;
  }
}
