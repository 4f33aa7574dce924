import type { DynamoDBRecord } from 'aws-lambda';
import type { SubscriptionKey, SubscriptionStore } from './ports';
import type { RecordHandler } from './process-batch';
import { LIFECYCLE_EVENTS } from '../../../src/shared/presence';
import type { MemberChange } from '../../channel-presence/core/members';
import { Semaphore } from '../../core/semaphore';

/** The connection id in a record's `Keys` (the connections table's key), or `undefined`. */
export function connectionIdOf(record: DynamoDBRecord, connectionIdAttribute: string): string | undefined {
  const value = record.dynamodb?.Keys?.[connectionIdAttribute]?.S;
  return value ? value : undefined;
}

/** The channel of a subscription row's key (`<channel>#<shard>`). */
export function channelOf(key: SubscriptionKey): string {
  return key.channelKey.slice(0, key.channelKey.lastIndexOf('#'));
}

/**
 * A gone connection's departure from a channel (channel presence on): the member leaves after the grace period unless
 * another of the user's connections is subscribed. Runs before the page's rows are deleted, so that a retried record
 * finds them again.
 */
export type Departure = (channel: string, record: DynamoDBRecord) => Promise<MemberChange>;

/**
 * Puts `Unsubscribed` for a page of a gone connection's subscriptions (lifecycle events on), before the page is deleted
 * (a retried record puts them again, with the same ids); resolves to how many.
 */
export type Announcement = (channels: readonly string[], record: DynamoDBRecord) => Promise<number>;

/** A page's departures run at once, at most (each a few strongly consistent reads and a conditional write). */
export const DEPARTURE_CONCURRENCY = 10;

/**
 * Deletes a connection's subscriptions, each page as it is read (memory does not grow with them), each page's
 * departures first ({@link DEPARTURE_CONCURRENCY} at a time); resolves to how many, and the departures' changes.
 */
export async function removeSubscriptions(
  store: SubscriptionStore, connectionId: string,
  depart?: (channel: string) => Promise<MemberChange>, announce?: (channels: readonly string[]) => Promise<number>,
): Promise<{ deleted: number; members: Partial<Record<MemberChange, number>>; announced: number }> {
  let deleted = 0;
  let announced = 0;
  const members: Partial<Record<MemberChange, number>> = {};
  for await (const page of store.subscriptionsOf(connectionId)) {
    if (announce && page.length > 0) announced += await announce(page.map(channelOf));
    if (depart) {
      const slots = new Semaphore(DEPARTURE_CONCURRENCY);
      for (const change of await Promise.all(page.map((key) => slots.run(() => depart(channelOf(key)))))) {
        members[change] = (members[change] ?? 0) + 1;
      }
    }
    if (page.length > 0) deleted += await store.delete(page);
  }
  return { deleted, members, announced };
}

/**
 * The handler of `REMOVE` records: whoever deleted the connection's row (its `$disconnect`, the TTL, the pusher's
 * prune on 410, a disconnect request), its subscriptions go. A record without the connection id cannot be cleaned:
 * it fails (retried, then kept by the on-failure destination) rather than being dropped.
 */
export function cleanupHandler(store: SubscriptionStore, connectionIdAttribute: string, depart?: Departure, announce?: Announcement): RecordHandler {
  return async (record) => {
    const connectionId = connectionIdOf(record, connectionIdAttribute);
    if (connectionId === undefined) {
      throw new Error(`the record's Keys hold no string ${connectionIdAttribute} (is CONNECTION_ID_ATTRIBUTE the connections table's?)`);
    }
    const { deleted, members, announced } = await removeSubscriptions(store, connectionId,
      depart && ((channel) => depart(channel, record)), announce && ((channels) => announce(channels, record)));
    const events = announce ? { events: { [LIFECYCLE_EVENTS.UNSUBSCRIBED]: announced } } : {};
    return { subscriptionsDeleted: deleted, ...(depart ? { members } : {}), ...events };
  };
}
