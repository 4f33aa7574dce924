import type { Semaphore } from '../semaphore';

type Post = () => Promise<void>;

/**
 * Posts to one connection run one at a time, in the order they were scheduled, retries included; posts to
 * different connections run concurrently within the send slots. A post queued behind an earlier post to the same
 * connection holds no slot while it waits: the earlier post hands its slot on, so waiting never starves the others.
 * What it keeps is an entry per connection with a post in flight (a queue only once a second post comes): bounded
 * by the slots and the batch, never by the table.
 */
export class ConnectionOrder {
  /** Connection id → the posts waiting behind the one in flight (`null` while none waits: the common case). */
  private readonly queues = new Map<string, Post[] | null>();

  constructor(private readonly slots: Semaphore) {}

  /**
   * Resolves once `post` holds a slot or waits behind an earlier post to `connectionId` (so a reader pauses only
   * while every slot is busy). `post` must not reject: a post's errors are its result.
   */
  async schedule(connectionId: string, post: Post): Promise<void> {
    if (this.queues.has(connectionId)) {
      const queue = this.queues.get(connectionId);
      if (queue) queue.push(post);
      else this.queues.set(connectionId, [post]);
      return;
    }
    this.queues.set(connectionId, null);
    await this.slots.acquire();
    void this.drain(connectionId, post);
  }

  private async drain(connectionId: string, first: Post): Promise<void> {
    let next: Post | undefined = first;
    while (next) {
      try {
        await next();
      } catch {
        // A post turns its own errors into results; should one escape, the posts behind it still run.
      }
      next = this.queues.get(connectionId)?.shift();
    }
    this.queues.delete(connectionId);
    this.slots.release();
  }
}
