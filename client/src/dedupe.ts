/**
 * The ids of the most recent messages, to drop a message delivered twice: SQS and SNS deliver at least once, and a
 * re-dial overlaps two sockets of one user, so the same envelope `id` can arrive twice. Bounded: the oldest id is
 * forgotten once `capacity` newer ones arrived, so a duplicate arriving later than that gets through.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {}

  /** Records `id`; false when it is already among the recent ids (a duplicate). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first id is the oldest.
      this.ids.delete(this.ids.values().next().value as string);
    }
    return true;
  }
}
