import type { DeliveryDeps, DeliveryJob } from './deps';
import { describeError } from '../errors';

/**
 * Of the request's history channels other than `channel` (the one the connection was reached through), those the
 * connection is subscribed to: its envelope's `positions` name them. Read per connection, and only for a request to a
 * history channel and another channel. A read that fails leaves them out: the client, seeing a later `seq` of such a
 * channel, resumes it and is sent this message again, by its `id`, which it drops.
 */
export async function alsoSubscribed(
  job: DeliveryJob, deps: DeliveryDeps, connectionId: string, channel: string | undefined,
): Promise<readonly string[]> {
  const positions = job.positions;
  const store = deps.subscriptions;
  if (!positions || !store) return [];
  const others = [...positions.keys()].filter((name) => name !== channel);
  if (others.length === 0) return [];
  try {
    return await store.subscribedTo(connectionId, others);
  } catch (e) {
    deps.log.warn('could not read which history channels a connection is subscribed to', {
      messageId: job.messageId, connectionId, error: describeError(e),
    });
    return [];
  }
}
