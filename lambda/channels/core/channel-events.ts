/**
 * `Subscribed` and `Unsubscribed` (lifecycle events on): put before the write they announce, so that a write that fails
 * after them is retried by the client and puts them again (at least once, never lost; a repeat has another `eventId`,
 * the message's own). A failed put fails the frame (`UNAVAILABLE`) before anything is written.
 */
import { LIFECYCLE_EVENTS } from '../../../src/shared/presence';
import type { EventPublisher } from '../../connection-stream/core/ports';

/** The bus could not take the event. */
export class LifecycleEventError extends Error {
  constructor(cause: unknown) {
    super(`EventBridge: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    this.name = 'LifecycleEventError';
  }
}

export interface Subscription {
  readonly channel: string;
  readonly userId: string;
  readonly connectionId: string;
}

/**
 * Puts the event when lifecycle events are on; resolves to the report's field. `id` names the client's message (API
 * Gateway's request id), so the event's id is `<id>:subscribed` / `<id>:unsubscribed`.
 */
export async function announce(
  events: EventPublisher | undefined, type: 'Subscribed' | 'Unsubscribed', subscription: Subscription, id: () => string, now: () => number,
): Promise<{ event?: 'Subscribed' | 'Unsubscribed' }> {
  if (!events) return {};
  const nowMs = now();
  const eventId = `${id()}:${type === LIFECYCLE_EVENTS.SUBSCRIBED ? 'subscribed' : 'unsubscribed'}`;
  try {
    await events.put([{ type, detail: { eventId, ...subscription, time: new Date(nowMs).toISOString() } }]);
  } catch (e) {
    throw new LifecycleEventError(e);
  }
  return { event: type };
}
