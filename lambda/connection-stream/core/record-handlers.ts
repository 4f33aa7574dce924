import type { DynamoDBRecord } from 'aws-lambda';
import { cleanupHandler, connectionIdOf, type Announcement, type Departure } from './cleanup';
import { CONNECTION_EVENTS, changeOf, keyOf, putConnectionEvent, type RowAttributes } from './lifecycle';
import type { SubscriptionStore } from './ports';
import type { RecordHandler, RecordHandlers } from './process-batch';
import { mergeCounts } from './reports';
import { arrive, leave, type PresenceDeps } from './user-presence';
import { DISCONNECT_REQUEST_ATTRIBUTE, LIFECYCLE_EVENTS } from '../../../src/shared/presence';
import { leaveLater, leaveNow, type MemberDeps } from '../../channel-presence/core/members';

/** Channel presence's part of the stream: members of a gone connection's presence channels leave after the grace period. */
export type ChannelPresenceDeps = MemberDeps & Pick<PresenceDeps, 'checks' | 'graceSeconds'>;

export interface HandlerDeps {
  readonly attributes: RowAttributes;
  /** The subscription cleanup (`SUBSCRIPTIONS_TABLE_NAME` set). */
  readonly subscriptions?: SubscriptionStore;
  /** Lifecycle events and presence (`EVENT_BUS_NAME` set). */
  readonly presence?: PresenceDeps;
  /** Channel presence (`CHANNEL_PRESENCE` set; with the cleanup). */
  readonly members?: ChannelPresenceDeps;
}

/** A gone connection's `Unsubscribed`, one per channel: `<eventID>:unsubscribed:<channel>`, at the record's time. */
function unsubscribedEvents(presence: PresenceDeps, attributes: RowAttributes): Announcement {
  return async (channels, record) => {
    const change = changeOf(record, attributes, presence.now);
    await presence.publisher.put(channels.map((channel) => ({
      type: LIFECYCLE_EVENTS.UNSUBSCRIBED,
      detail: {
        eventId: `${change.eventId}:unsubscribed:${channel}`,
        userId: change.userId,
        connectionId: change.connectionId,
        channel,
        time: new Date(change.timeMs).toISOString(),
      },
    })));
    return channels.length;
  };
}

/**
 * A gone connection leaving a channel: its user, its id, the record's `eventID` as the departure's token. A
 * connection a disconnect request closed (its old image has `disconnect_request`) leaves at once, as an `unsubscribe`;
 * one that dropped, after the grace period.
 */
function departure(members: ChannelPresenceDeps, attributes: RowAttributes): Departure {
  return async (channel, record) => {
    const userId = keyOf(record, attributes.userIdAttribute);
    const connectionId = connectionIdOf(record, attributes.connectionIdAttribute);
    if (userId === undefined || connectionId === undefined || !record.eventID) {
      throw new Error(`the record's Keys hold no string ${attributes.userIdAttribute} or ${attributes.connectionIdAttribute}, or it has no eventID`);
    }
    const requested = record.dynamodb?.OldImage?.[DISCONNECT_REQUEST_ATTRIBUTE]?.S !== undefined;
    if (requested) return leaveNow(members, channel, userId, record.eventID);
    return leaveLater(members, { channel, userId, connectionId, token: record.eventID });
  };
}

/**
 * The stream's handlers. `INSERT`: `Connected`, then the user's presence. `REMOVE`: `Disconnected`, the connection's
 * subscriptions, then the user's presence. Each step is idempotent, so a record retried after a failure part-way
 * does again what was done (the same events, with the same ids) and then the rest.
 */
export function recordHandlers(deps: HandlerDeps): RecordHandlers {
  const { presence, subscriptions, attributes } = deps;
  const depart = deps.members && departure(deps.members, attributes);
  const announce = presence && unsubscribedEvents(presence, attributes);
  const cleanup = subscriptions ? cleanupHandler(subscriptions, attributes.connectionIdAttribute, depart, announce) : undefined;
  const insert: RecordHandler | undefined = presence && (async (record) => {
    const change = changeOf(record, attributes, presence.now);
    const connected = await putConnectionEvent(presence.publisher, CONNECTION_EVENTS.INSERT, change);
    return mergeCounts(connected, await arrive(presence, change));
  });
  const remove: RecordHandler = async (record) => {
    const change = presence ? changeOf(record, attributes, presence.now) : undefined;
    let counts = presence && change ? await putConnectionEvent(presence.publisher, CONNECTION_EVENTS.REMOVE, change) : {};
    if (cleanup) counts = mergeCounts(counts, await cleanup(record));
    if (presence && change) counts = mergeCounts(counts, await leave(presence, change));
    return counts;
  };
  return { ...(insert ? { INSERT: insert } : {}), REMOVE: remove };
}

/** Records of one user in order when presence is on (a user's presence is one row); else one item's records. */
export function orderKeyOf(deps: HandlerDeps): (record: DynamoDBRecord) => string {
  const itemKey = (record: DynamoDBRecord) => JSON.stringify(record.dynamodb?.Keys ?? {});
  if (!deps.presence && !deps.members) return itemKey;
  return (record) => {
    const userId = keyOf(record, deps.attributes.userIdAttribute);
    return userId === undefined ? `item:${itemKey(record)}` : `user:${userId}`;
  };
}
