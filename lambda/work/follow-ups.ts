import { byteLength, carryForwardBodies, serializeWorkItem, type WorkItemFields } from './work-item';
import { LIMITS } from '../../src/shared/constants';
import type { Positions } from '../core/history/positions';
import type { CarriedConnection, StartKey } from '../core/ports/connection-store';
import type { WorkMessage } from '../core/ports/work-queue';
import { remainderSize, type Remainder, type UnreadSegment } from '../core/reports';
import type { RequestAction } from '../core/request';

/** Connections or users the request stops trying, and why: counted failed, logged at ERROR, never looped. */
export interface GivenUp {
  readonly connections: readonly CarriedConnection[];
  readonly users: readonly string[];
  /** Channel shards left unread (`<channel>#<shard>`), their subscribers unknown (so not counted). */
  readonly shards?: readonly string[];
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
  /** `data` is posted as it is, never enveloped (the channel presence frames). */
  readonly raw?: true;
  /** The message's positions in its history channels: stored once, carried by every follow-up. */
  readonly positions?: Positions;
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
  const users = remainder.users;
  const groups = readGroups(remainder).filter((group) => group.length > 1 || users.length > 0);
  if (groups.length === 0) return planApart(origin, remainder, maxCarryForwardAttempts);
  // Unread channel shards (and users) that could hold the same connection: a `reads` item a group, the rest as usual.
  const grouped = new Set(groups.flat());
  const rest = planApart(origin, { ...remainder, users: [], segments: remainder.segments.filter((unread) => !grouped.has(unread)) },
    maxCarryForwardAttempts);
  const reads = groups.map((group) => planReads(origin, remainder, group, users, maxCarryForwardAttempts));
  return {
    messages: [...rest.messages, ...reads.flatMap((plan) => plan.messages)],
    deadLetters: [...rest.deadLetters, ...reads.flatMap((plan) => plan.deadLetters)],
    requeued: rest.requeued + reads.reduce((sum, plan) => sum + plan.requeued, 0),
    givenUp: [...rest.givenUp, ...reads.flatMap((plan) => plan.givenUp)],
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
    ...rawField(origin),
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
    ...rawField(origin),
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
/** `raw` and `positions`, as the origin has them. */
const rawField = (origin: FollowUpOrigin) => ({
  ...(origin.raw === true ? { raw: true as const } : {}), ...(origin.positions ? { positions: origin.positions } : {}),
});

/**
 * The unread channel shards of a remainder, in groups that cannot hold the same connection, so that each group is
 * read again by one item with one target set and no connection is reached by two: with users (whose connections
 * can be in any shard), all of them together; else by shard number (a connection is in the same shard of every
 * channel). A group of one shard without users is a plain continuation.
 */
export function readGroups(remainder: Remainder): UnreadSegment[][] {
  const shards = remainder.segments.filter((unread) => unread.channel !== undefined);
  if (remainder.users.length > 0) return shards.length > 0 ? [shards] : [];
  const groups = new Map<number, UnreadSegment[]>();
  for (const unread of shards) groups.set(unread.segment, [...groups.get(unread.segment) ?? [], unread]);
  return [...groups.values()];
}

/**
 * The `reads` item of a group (and `users`). It is a retry (the next attempt, delayed 1, 2, 4 … s) when something
 * failed (a user's Query, or a shard's read where it started) and no shard of the group progressed, and then bounded
 * by `maxAttempts`: at the bound it is dead-lettered (redrivable) and given up, logged at ERROR. Otherwise it
 * continues at the same attempt, at once: each item reads at least a page, so the chain ends. An item over the SQS
 * limit (its exclusions) cannot be kept anywhere: it is given up, logged at ERROR, rather than fail the record (whose
 * retry would send the request again to everyone it reached).
 */
function planReads(
  origin: FollowUpOrigin, remainder: Remainder, shards: readonly UnreadSegment[], users: readonly string[], maxAttempts: number,
): FollowUpPlan {
  const progressed = shards.some((unread) => unread.progressed);
  const failed = users.length > 0 || shards.some((unread) => unread.failed);
  const retry = failed && !progressed;
  const names = shards.map((unread) => `${unread.channel}#${unread.segment}`);
  const exhausted = retry && origin.attempt >= maxAttempts;
  const body = readsBody(origin, remainder, shards, users, retry && !exhausted ? origin.attempt + 1 : origin.attempt);
  const giveUp = (why: string): FollowUpPlan =>
    ({ messages: [], deadLetters: [], requeued: 0, givenUp: [{ connections: [], users, shards: names, why }] });
  if (byteLength(body) > LIMITS.MAX_SQS_MESSAGE_BYTES) {
    return giveUp(`a follow-up would be ${byteLength(body)} bytes (its exclusions), over SQS's ${LIMITS.MAX_SQS_MESSAGE_BYTES}`);
  }
  if (exhausted) return { ...giveUp(`still failing after ${maxAttempts} work-item attempts`), deadLetters: [{ body }] };
  const delay = retry ? { delaySeconds: Math.min(LIMITS.MAX_SQS_DELAY_SECONDS, 2 ** (origin.attempt - 1)) } : {};
  return { messages: [{ body, ...delay }], deadLetters: [], requeued: users.length, givenUp: [] };
}

/** The item's body: the shards (in the request's channel order) and users, with every exclusion one of them needs. */
function readsBody(
  origin: FollowUpOrigin, remainder: Remainder, shards: readonly UnreadSegment[], users: readonly string[], attempt: number,
): string {
  const excludeConnections = new Set(origin.excludeConnections);
  for (const unread of shards) for (const id of unread.excludeConnections ?? []) excludeConnections.add(id);
  if (users.length > 0) for (const id of remainder.alreadyReached) excludeConnections.add(id);
  return serializeWorkItem({
    requestId: origin.requestId,
    ...idField(origin),
    ...actionField(origin),
    ...rawField(origin),
    segment: 0,
    totalSegments: 1,
    attempt,
    startedAt: origin.startedAt,
    reads: shards.map((unread) => ({ channel: unread.channel!, shard: unread.segment, ...(unread.startKey ? { startKey: unread.startKey } : {}) })),
    ...(users.length > 0 ? { users } : {}),
    excludeUsers: origin.excludeUsers,
    excludeConnections,
  }, origin.dataText);
}
