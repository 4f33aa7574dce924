import type { WorkDeps } from './deps';
import type { GivenUp } from './follow-ups';
import { describeError, WorkQueueError, type WorkError } from '../core/errors';
import type { WorkMessage, WorkQueue } from '../core/ports/work-queue';

/** At most this many ids are named in a log line. */
export const LOGGED_IDS = 20;

/** Sends `messages` (if any); the error to report when the queue refused them. */
export async function enqueue(queue: WorkQueue, messages: readonly WorkMessage[]): Promise<WorkError | undefined> {
  if (messages.length === 0) return undefined;
  try {
    await queue.send(messages);
    return undefined;
  } catch (e) {
    return { code: 'ENQUEUE_FAILED', message: e instanceof WorkQueueError ? e.message : describeError(e) };
  }
}

/** Logs what is given up at ERROR, naming the first ids; returns how many connections and users it counts as failed. */
export function logGivenUp(dropped: GivenUp, fields: Record<string, unknown>, deps: Pick<WorkDeps, 'log'>): number {
  const count = dropped.connections.length + dropped.users.length;
  deps.log.error(`connections not delivered: ${dropped.why}`, {
    ...fields,
    count,
    connections: dropped.connections.slice(0, LOGGED_IDS).map((c) => c.connectionId),
    ...(dropped.users.length > 0 ? { users: dropped.users.slice(0, LOGGED_IDS) } : {}),
    ...(dropped.shards?.length ? { shards: dropped.shards.slice(0, LOGGED_IDS) } : {}),
  });
  return count;
}
