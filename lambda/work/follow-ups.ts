import { byteLength, carryForwardBodies, serializeWorkItem, type WorkItemFields } from './work-item';
import { LIMITS } from '../../src/shared/constants';
import type { CarriedConnection, StartKey } from '../core/ports/connection-store';
import type { WorkMessage } from '../core/ports/work-queue';
import { remainderSize, type Remainder, type UnreadSegment } from '../core/reports';
import type { RequestAction } from '../core/request';

/** Connections or users the request stops trying, and why: counted failed, logged at ERROR, never looped. */
export interface GivenUp {
  readonly connections: readonly CarriedConnection[];
  readonly users: readonly string[];
  readonly why: string;
}

/** Who the follow-ups belong to and what they send. */
export interface FollowUpOrigin {
  /** The request's message id. */
  readonly requestId: string;
  /** The request's own `id` (the envelope's, in place of the message id), when it has one. */
  readonly id?: string;
  readonly startedAt: number;
  /** The attempt that left this: 1 for the request itself and for segment items and their continuations. */
  readonly attempt: number;
  /** The scan segment the remainder comes from (0 of 1 for an inline request's connections and users). */
  readonly segment: number;
  readonly totalSegments: number;
  readonly action: RequestAction;
  /** The serialized `data`; undefined in a disconnect without `data`. */
  readonly dataText?: string;
  readonly excludeUsers: ReadonlySet<string>;
  readonly excludeConnections: ReadonlySet<string>;
}

/** What to enqueue, what to dead-letter, how much was handed on, what was given up. */
export interface FollowUpPlan {
  readonly messages: WorkMessage[];
  /** The exhausted remainder, as work items, for the work queue's dead-letter queue (kept, and redrivable). */
  readonly deadLetters: WorkMessage[];
  /** Connections and users handed to follow-ups. */
  readonly requeued: number;
  readonly givenUp: GivenUp[];
}

/**
 * Plans the follow-ups of a request or a work item (pure). Connections still failing and users whose lookup failed
 * go to items of `attempt + 1`, delayed 1, 2, 4 … seconds so that a throttle cools down, until
 * `maxCarryForwardAttempts`; then they are given up and dead-lettered. Unread Scan parts become continuations. Unread
 * channel shards that could share a connection with another unread part are read again in one item (`planReads`).
 */
export function planFollowUps(origin: FollowUpOrigin, remainder: Remainder, maxCarryForwardAttempts: number): FollowUpPlan {
  if (!readsTogether(remainder)) return planApart(origin, remainder, maxCarryForwardAttempts);
  // Unread channel shards and users that could hold the same connection: one `reads` item, the rest as usual.
  const reads = planReads(origin, remainder, maxCarryForwardAttempts);
  const rest = planApart(origin, { ...remainder, users: [], segments: remainder.segments.filter((unread) => unread.channel === undefined) },
    maxCarryForwardAttempts);
  return {
    messages: [...rest.messages, ...reads.messages],
    deadLetters: [...rest.deadLetters, ...reads.deadLetters],
    requeued: rest.requeued + reads.requeued,
    givenUp: [...rest.givenUp, ...reads.givenUp.filter((dropped) => dropped.users.length > 0 || dropped.connections.length > 0)],
  };
}

/** Each unread part in its own continuation; connections and users in their own items. */
function planApart(origin: FollowUpOrigin, remainder: Remainder, maxCarryForwardAttempts: number): FollowUpPlan {
  const messages: WorkMessage[] = remainder.segments.map((unread) => ({ body: continuation(origin, unread) }));
  if (origin.attempt < maxCarryForwardAttempts) {
    const retries = retryBodies(origin, remainder, origin.attempt + 1);
    const delaySeconds = Math.min(LIMITS.MAX_SQS_DELAY_SECONDS, 2 ** (origin.attempt - 1));
    messages.push(...retries.bodies.map((body) => ({ body, delaySeconds })));
    const givenUp = retries.unsendable.length > 0 ? [{ connections: retries.unsendable, users: [], why: 'too large to carry forward' }] : [];
    return { messages, deadLetters: [], requeued: retries.count - retries.unsendable.length, givenUp };
  }
  const exhausted = retryBodies(origin, remainder, origin.attempt);
  const connections = [...remainder.connections, ...remainder.closing ?? []];
  const hasAny = connections.length > 0 || remainder.users.length > 0;
  return {
    messages,
    deadLetters: exhausted.bodies.map((body) => ({ body })),
    requeued: 0,
    givenUp: hasAny ? [{ connections, users: remainder.users, why: `still failing after ${maxCarryForwardAttempts} work-item attempts` }] : [],
  };
}

/** The items naming the remainder's connections and users, at `attempt`. */
function retryBodies(origin: FollowUpOrigin, remainder: Remainder, attempt: number) {
  const fields = {
    requestId: origin.requestId,
    ...idField(origin),
    ...actionField(origin),
    segment: origin.segment,
    totalSegments: origin.totalSegments,
    attempt,
    startedAt: origin.startedAt,
  };
  const carry = (dataText: string | undefined, connections: readonly CarriedConnection[] = []) => (connections.length > 0
    ? carryForwardBodies(fields, dataText, connections)
    : { bodies: [], unsendable: [] });
  const carried = carry(origin.dataText, remainder.connections);
  // Connections that received the data of a disconnect are only closed by their follow-up: never sent it twice.
  const closing = carry(undefined, remainder.closing);
  const bodies = [...carried.bodies, ...closing.bodies, ...usersBodies(fields, origin, remainder)];
  return { bodies, unsendable: [...carried.unsendable, ...closing.unsendable], count: remainderSize(remainder) };
}

/** Users to look up again, with the request's exclusions and the connections it already reached directly. */
function usersBodies(fields: Omit<WorkItemFields, 'users'>, origin: FollowUpOrigin, remainder: Remainder): string[] {
  if (remainder.users.length === 0) return [];
  const excludeConnections = new Set([...origin.excludeConnections, ...remainder.alreadyReached]);
  const body = (users: string[]) =>
    serializeWorkItem({ ...fields, users, excludeUsers: origin.excludeUsers, excludeConnections }, origin.dataText);
  // Sized entry by entry (each user id as JSON plus a comma), not by serializing every candidate chunk.
  const baseBytes = byteLength(body(['']));
  const bodies: string[] = [];
  let chunk: string[] = [];
  let chunkBytes = baseBytes;
  for (const user of remainder.users) {
    const entryBytes = byteLength(JSON.stringify(user)) + 1;
    if (chunk.length > 0 && chunkBytes + entryBytes > LIMITS.MAX_SQS_MESSAGE_BYTES) {
      bodies.push(body(chunk));
      chunk = [];
      chunkBytes = baseBytes;
    }
    chunk.push(user);
    chunkBytes += entryBytes;
  }
  bodies.push(body(chunk));
  return bodies;
}

function continuation(origin: FollowUpOrigin, unread: UnreadSegment): string {
  const fields: WorkItemFields & { exclusiveStartKey?: StartKey } = {
    requestId: origin.requestId,
    ...idField(origin),
    segment: unread.segment,
    totalSegments: unread.totalSegments,
    attempt: origin.attempt,
    startedAt: origin.startedAt,
    ...actionField(origin),
    ...(unread.channel !== undefined ? { channel: unread.channel } : {}),
    ...(unread.startKey ? { exclusiveStartKey: unread.startKey } : {}),
    excludeUsers: origin.excludeUsers,
    excludeConnections: unread.excludeConnections?.length
      ? new Set([...origin.excludeConnections, ...unread.excludeConnections])
      : origin.excludeConnections,
  };
  return serializeWorkItem(fields, origin.dataText);
}

const idField = (origin: FollowUpOrigin) => (origin.id !== undefined ? { id: origin.id } : {});
const actionField = (origin: FollowUpOrigin) => (origin.action === 'disconnect' ? { action: 'disconnect' as const } : {});

/**
 * Whether what a request left unread must be read again in one item: two unread parts that can hold the same
 * connection (a connection is in the same shard of every channel, and a user's connections can be in any) would each
 * reach it, so a remainder with unread channel shards and more than one read (shards, or shards and users) is read
 * again together, and the item's target set reaches every connection once.
 */
export function readsTogether(remainder: Remainder): boolean {
  const shards = remainder.segments.filter((unread) => unread.channel !== undefined).length;
  return shards > 0 && shards + (remainder.users.length > 0 ? 1 : 0) > 1;
}

/**
 * The one `reads` item for the remainder's unread channel shards and users (see {@link readsTogether}). It is a retry
 * (the next attempt, delayed 1, 2, 4 … s) when it holds users or a shard this run could not read at all, and then
 * bounded by `maxAttempts`: at the bound it is dead-lettered (redrivable) and its users are given up. An item of
 * shards this run had read some of (a failure or the time guard) continues at the same attempt, at once.
 */
export function planReads(origin: FollowUpOrigin, remainder: Remainder, maxAttempts: number): FollowUpPlan {
  const shards = remainder.segments.filter((unread) => unread.channel !== undefined);
  const users = remainder.users;
  const retry = users.length > 0 || shards.some((unread) => !unread.progressed);
  if (!retry) return { messages: [{ body: readsBody(origin, remainder, shards, origin.attempt) }], deadLetters: [], requeued: 0, givenUp: [] };
  if (origin.attempt < maxAttempts) {
    const message: WorkMessage = {
      body: readsBody(origin, remainder, shards, origin.attempt + 1),
      delaySeconds: Math.min(LIMITS.MAX_SQS_DELAY_SECONDS, 2 ** (origin.attempt - 1)),
    };
    return { messages: [message], deadLetters: [], requeued: users.length, givenUp: [] };
  }
  const why = `still failing after ${maxAttempts} work-item attempts (with ${shards.length} channel shard(s) left unread, dead-lettered)`;
  return {
    messages: [],
    deadLetters: [{ body: readsBody(origin, remainder, shards, origin.attempt) }],
    requeued: 0,
    givenUp: [{ connections: [], users, why }],
  };
}

/**
 * The item's body: the shards (in the request's channel order) and users, the request's exclusions, and every
 * connection already reached that one of them could hold (each shard's, and the users').
 */
function readsBody(origin: FollowUpOrigin, remainder: Remainder, shards: readonly UnreadSegment[], attempt: number): string {
  const excludeConnections = new Set(origin.excludeConnections);
  for (const unread of shards) for (const id of unread.excludeConnections ?? []) excludeConnections.add(id);
  if (remainder.users.length > 0) for (const id of remainder.alreadyReached) excludeConnections.add(id);
  return serializeWorkItem({
    requestId: origin.requestId,
    ...(origin.id !== undefined ? { id: origin.id } : {}),
    ...(origin.action === 'disconnect' ? { action: 'disconnect' as const } : {}),
    segment: 0,
    totalSegments: 1,
    attempt,
    startedAt: origin.startedAt,
    reads: shards.map((unread) => ({ channel: unread.channel!, shard: unread.segment, ...(unread.startKey ? { startKey: unread.startKey } : {}) })),
    ...(remainder.users.length > 0 ? { users: remainder.users } : {}),
    excludeUsers: origin.excludeUsers,
    excludeConnections,
  }, origin.dataText);
}
