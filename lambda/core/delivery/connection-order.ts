import type { Semaphore } from '../semaphore';

type Post = () => Promise<void>;

/**
 * Posts to one connection run one at a time, in the order they were scheduled, retries included; posts to
 * different connections run concurrently within the send slots. A post queued behind an earlier post to the same
 * connection holds no slot while it waits: the earlier post hands its slot on, so waiting never starves the others.
 * What it keeps is one queue per connection with a post in flight: bounded by the slots, never by the table.
 */
export class ConnectionOrder {
  private readonly queues = new Map<string, Post[]>();

  constructor(private readonly slots: Semaphore) {}

  /**
   * Resolves once `post` holds a slot or waits behind an earlier post to `connectionId` (so a reader pauses only
   * while every slot is busy). `post` must not reject: a post's errors are its result.
   */
  async schedule(connectionId: string, post: Post): Promise<void> {
    const queue = this.queues.get(connectionId);
    if (queue) {
      queue.push(post);
      return;
    }
    const own: Post[] = [];
    this.queues.set(connectionId, own);
    await this.slots.acquire();
    void this.drain(connectionId, post, own);
  }

  private async drain(connectionId: string, first: Post, queue: Post[]): Promise<void> {
    try {
      for (let next: Post | undefined = first; next; next = queue.shift()) {
        // A post turns its own errors into results; should one escape, the posts behind it still run.
        await next().catch(() => undefined);
      }
    } finally {
      this.queues.delete(connectionId);
      this.slots.release();
    }
  }
}
