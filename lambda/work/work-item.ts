import { LIMITS } from '../../src/shared/constants';
import type { MessageFormat } from '../core/envelope';
import { positionEntries, type Positions } from '../core/history/positions';
import type { CarriedConnection, StartKey } from '../core/ports/connection-store';
import type { ShardRead } from '../core/ports/subscription-store';
import type { RequestAction } from '../core/request';

/** The version written in every work item; a body of any other version is invalid. */
export const WORK_ITEM_VERSION = 1;

/**
 * What is left of a request, as a worker receives it from the work queue: one Scan segment (from its start, or
 * from `exclusiveStartKey` when it is a continuation: a segment of a split broadcast, or the unread rest of an
 * inline one), a list of carried-forward `connections` (still failing after their retries), or `users` whose
 * lookup failed.
 */
export interface WorkItem {
  /** The message id of the request the item belongs to: correlates every work item, log line and metric of it. */
  readonly requestId: string;
  /** The request's own `id`, when it had one: the envelope's `id` in place of `requestId`. */
  readonly id?: string;
  /** `disconnect`: close each connection after posting `payload` (if any). Absent: `send`. */
  readonly action?: RequestAction;
  /** What every connection receives: the request's `data`, or its envelope (absent only in a disconnect). */
  readonly payload?: Buffer;
  /** The request's `data`, serialized once, as the item carries it. */
  readonly dataText?: string;
  /** With the envelope: its `id`, to envelope `data` for the channel a connection was reached through. */
  readonly envelopeId?: string;
  /**
   * `data` is posted to every connection as it is, never enveloped: a frame of the client protocol the pusher itself
   * sends (a channel presence `join` / `leave`), not a request's message.
   */
  readonly raw?: true;
  /** The message's positions in the request's history channels (stored once, before the request was first sent). */
  readonly positions?: Positions;
  /** A channel item: the subscribers of this channel's shard `segment` (of `totalSegments` shards), not a Scan segment. */
  readonly channel?: string;
  readonly excludeUsers: ReadonlySet<string>;
  readonly excludeConnections: ReadonlySet<string>;
  /** The Scan segment of a segment item, and of the connections carried from it; 0 in an inline request's follow-ups. */
  readonly segment: number;
  /** The Scan's segments of a segment item (1 in an inline request's follow-ups of connections or users). */
  readonly totalSegments: number;
  readonly exclusiveStartKey?: StartKey;
  /** Carried-forward connections (already filtered): sent to directly, no Scan. */
  readonly connections?: readonly CarriedConnection[];
  /** Users whose connections are to be read again (their lookup failed); `targeting` applies to their rows. */
  readonly users?: readonly string[];
  /**
   * Channel shards a request could not finish reading, each from where it stopped, read again in one item with its
   * `users` (if any): a connection in several of them is reached once, through the first in the request's order.
   */
  readonly reads?: readonly ShardRead[];
  /** 1 for the segment items and their continuations; +1 for each follow-up of connections or users. */
  readonly attempt: number;
  /** When the request was split, in epoch milliseconds: the request's wall time is measured from it. */
  readonly startedAt: number;
}

/** What kind of slice an item is: a Scan segment, carried-forward connections, or users to look up again. */
export function workItemKind(item: WorkItem): 'segment' | 'channel' | 'carry-forward' | 'users' | 'reads' {
  if (item.connections) return 'carry-forward';
  if (item.reads) return 'reads';
  return item.users ? 'users' : item.channel !== undefined ? 'channel' : 'segment';
}

/** What validation needs to know: the key attribute names (for `exclusiveStartKey`) and the attempt bound. */
export interface WorkItemRules {
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly maxCarryForwardAttempts: number;
  /** What connections receive. @default data */
  readonly messageFormat?: MessageFormat;
}

export type WorkItemParse =
  | { readonly ok: true; readonly item: WorkItem }
  | { readonly ok: false; readonly reason: string };

/** The fields of a work item to write; the payload is spliced in as the request's JSON text, not re-encoded. */
export type WorkItemFields = Omit<WorkItem, 'payload' | 'dataText' | 'envelopeId' | 'excludeUsers' | 'excludeConnections'> & {
  readonly excludeUsers?: ReadonlySet<string>;
  readonly excludeConnections?: ReadonlySet<string>;
};

/**
 * The `id` a work item carries: the request's own, only with the envelope (which shows it). Without the envelope, a
 * work item is exactly what versions before the envelope read and write, so a rollback loses no queued work.
 */
export function carriedId(id: string | undefined, messageFormat: MessageFormat | undefined): { id?: string } {
  return id !== undefined && messageFormat === 'envelope' ? { id } : {};
}

/**
 * The work item's body. `dataText` (the serialized `data`) goes in as JSON text, last, so a 128 KB payload
 * costs 128 KB of the 256 KB SQS message, not the up to 2× of a JSON string with its escapes. Undefined: no `data`
 * (a disconnect that only closes).
 */
export function serializeWorkItem(fields: WorkItemFields, dataText: string | undefined): string {
  const targeting: Record<string, string[]> = {};
  if (fields.excludeUsers?.size) targeting.exclude_users = [...fields.excludeUsers];
  if (fields.excludeConnections?.size) targeting.exclude_connections = [...fields.excludeConnections];
  const header = JSON.stringify({
    v: WORK_ITEM_VERSION,
    requestId: fields.requestId,
    ...(fields.id !== undefined ? { id: fields.id } : {}),
    ...(fields.action === 'disconnect' ? { action: 'disconnect' } : {}),
    ...(fields.raw === true ? { raw: true } : {}),
    ...(fields.positions ? { positions: positionEntries(fields.positions) } : {}),
    ...(fields.channel !== undefined ? { channel: fields.channel } : {}),
    segment: fields.segment,
    totalSegments: fields.totalSegments,
    attempt: fields.attempt,
    startedAt: fields.startedAt,
    ...(Object.keys(targeting).length ? { targeting } : {}),
    ...(fields.exclusiveStartKey ? { exclusiveStartKey: fields.exclusiveStartKey } : {}),
    ...(fields.connections ? { connections: fields.connections.map(carriedEntry) } : {}),
    ...(fields.users ? { users: fields.users } : {}),
    ...(fields.reads ? { reads: fields.reads.map(readEntry) } : {}),
  });
  return dataText === undefined ? header : `${header.slice(0, -1)},"data":${dataText}}`;
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

const readEntry = ({ channel, shard, startKey }: ShardRead) => ({ channel, shard, ...(startKey ? { startKey } : {}) });

const carriedEntry = ({ userId, connectionId, channel }: CarriedConnection) => ({
  ...(userId === undefined ? {} : { userId }), connectionId, ...(channel === undefined ? {} : { channel }),
});

/**
 * Bodies of follow-up work items carrying `connections` forward, each within the SQS message limit. Connections
 * that do not fit even alone (a payload near 128 KB with very long ids) are returned in `unsendable`.
 */
export function carryForwardBodies(
  fields: Omit<WorkItemFields, 'connections' | 'exclusiveStartKey' | 'users' | 'reads'>, dataText: string | undefined, connections: readonly CarriedConnection[],
  maxBytes: number = LIMITS.MAX_SQS_MESSAGE_BYTES,
): { bodies: string[]; unsendable: CarriedConnection[] } {
  // Exclusions were applied when the connections were first admitted: a follow-up carries no targeting.
  const base = { ...fields, excludeUsers: undefined, excludeConnections: undefined };
  const baseBytes = byteLength(serializeWorkItem({ ...base, connections: [] }, dataText));
  const bodies: string[] = [];
  const unsendable: CarriedConnection[] = [];
  let chunk: CarriedConnection[] = [];
  let chunkBytes = baseBytes;
  const flush = () => {
    if (chunk.length > 0) bodies.push(serializeWorkItem({ ...base, connections: chunk }, dataText));
    chunk = [];
    chunkBytes = baseBytes;
  };
  for (const key of connections) {
    const entryBytes = byteLength(JSON.stringify(carriedEntry(key))) + 1;
    if (baseBytes + entryBytes > maxBytes) {
      unsendable.push(key);
      continue;
    }
    if (chunkBytes + entryBytes > maxBytes) flush();
    chunk.push(key);
    chunkBytes += entryBytes;
  }
  flush();
  return { bodies, unsendable };
}
