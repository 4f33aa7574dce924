import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { EventPublisher } from './ports';
import type { RecordCounts } from './reports';
import { LIFECYCLE_EVENTS, type LifecycleEventType } from '../../../src/shared/presence';

/** Where a connection row's fields are: the connections table's attribute names. */
export interface RowAttributes {
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** The authorizer context keys a row carries, copied into `Connected` / `Disconnected`. */
  readonly contextAttributes: readonly string[];
}

/** A connection row's change, as the stream tells it. */
export interface ConnectionChange {
  /** The stream record's `eventID`: the change's identity, the same on every delivery of the record. */
  readonly eventId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly context: Readonly<Record<string, string>>;
  /** When the row was written or removed (the record's creation time), epoch milliseconds. */
  readonly timeMs: number;
}

/** A record's key attribute as a non-empty string, or `undefined`. */
export function keyOf(record: DynamoDBRecord, attribute: string): string | undefined {
  const value = record.dynamodb?.Keys?.[attribute]?.S;
  return value ? value : undefined;
}

/**
 * Reads a record's change; throws when its Keys lack the user or connection id (a misconfigured attribute name: the
 * record fails, is retried and then kept by the on-failure destination, never dropped in silence).
 */
export function changeOf(record: DynamoDBRecord, attributes: RowAttributes, now: () => number): ConnectionChange {
  const userId = keyOf(record, attributes.userIdAttribute);
  const connectionId = keyOf(record, attributes.connectionIdAttribute);
  if (userId === undefined || connectionId === undefined) {
    const missing = userId === undefined ? attributes.userIdAttribute : attributes.connectionIdAttribute;
    throw new Error(`the record's Keys hold no string ${missing} (is it the connections table's attribute?)`);
  }
  if (!record.eventID) throw new Error('the record has no eventID');
  const image = record.eventName === 'REMOVE' ? record.dynamodb?.OldImage : record.dynamodb?.NewImage;
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventId: record.eventID,
    userId,
    connectionId,
    context: contextOf(image ?? {}, attributes.contextAttributes),
    timeMs: created === undefined ? now() : Math.round(created * 1000),
  };
}

/** The context attributes the image carries, as strings (API Gateway writes them as S; N and BOOL read as text). */
function contextOf(image: Record<string, AttributeValue>, names: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of names) {
    const value = image[name];
    const text = value?.S ?? value?.N ?? (value?.BOOL === undefined ? undefined : String(value.BOOL));
    if (text !== undefined) context[name] = text;
  }
  return context;
}

/** Puts `Connected` (an INSERT) or `Disconnected` (a REMOVE) for the change. */
export async function putConnectionEvent(publisher: EventPublisher, type: LifecycleEventType, change: ConnectionChange): Promise<RecordCounts> {
  await publisher.put([{
    type,
    detail: {
      eventId: change.eventId,
      userId: change.userId,
      connectionId: change.connectionId,
      context: change.context,
      time: new Date(change.timeMs).toISOString(),
    },
  }]);
  return { events: { [type]: 1 } };
}

export const CONNECTION_EVENTS = { INSERT: LIFECYCLE_EVENTS.CONNECTED, REMOVE: LIFECYCLE_EVENTS.DISCONNECTED } as const;
