import { LIMITS } from '../../src/shared/constants';
import { postedPayload, type MessageFormat } from '../core/envelope';
import type { CarriedConnection, StartKey } from '../core/ports/connection-store';
import { MAX_REQUEST_ID_LENGTH, type RequestAction } from '../core/request';

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
  /** 1 for the segment items and their continuations; +1 for each follow-up of connections or users. */
  readonly attempt: number;
  /** When the request was split, in epoch milliseconds: the request's wall time is measured from it. */
  readonly startedAt: number;
}

/** What kind of slice an item is: a Scan segment, carried-forward connections, or users to look up again. */
export function workItemKind(item: WorkItem): 'segment' | 'carry-forward' | 'users' {
  return item.connections ? 'carry-forward' : item.users ? 'users' : 'segment';
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

const TOP_LEVEL = new Set([
  'v', 'requestId', 'id', 'action', 'segment', 'totalSegments', 'attempt', 'startedAt', 'targeting', 'exclusiveStartKey', 'connections', 'users',
  'data',
]);
const TARGETING = new Set(['exclude_users', 'exclude_connections']);
const KEY_FIELDS = new Set(['userId', 'connectionId']);

const fail = (reason: string): WorkItemParse => ({ ok: false, reason });
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isCount = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Parses a work item strictly: unknown fields, a missing one, a wrong type or an out-of-range number make it
 * invalid. Work items are written only by the pusher, so an invalid one is a bug or a forgery: it is sent to the
 * work dead-letter queue, never processed.
 */
export function parseWorkItem(text: string, rules: WorkItemRules): WorkItemParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) return fail('not a JSON object');
  const unknown = Object.keys(value).filter((key) => !TOP_LEVEL.has(key));
  if (unknown.length > 0) return fail(`unknown field(s): ${unknown.join(', ')}`);
  if (value.v !== WORK_ITEM_VERSION) return fail(`unsupported version ${JSON.stringify(value.v)}, expected ${WORK_ITEM_VERSION}`);
  if (!isId(value.requestId) || value.requestId.length > 512) return fail('`requestId` must be a non-empty string of at most 512 characters');
  if (value.id !== undefined && (!isId(value.id) || value.id.length > MAX_REQUEST_ID_LENGTH)) return fail(`\`id\` must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters`);
  const segment = parseSegment(value);
  if (typeof segment === 'string') return fail(segment);
  if (!isCount(value.attempt, 1, rules.maxCarryForwardAttempts)) return fail(`\`attempt\` must be an integer from 1 to ${rules.maxCarryForwardAttempts}`);
  if (!isCount(value.startedAt, 1, Number.MAX_SAFE_INTEGER)) return fail('`startedAt` must be a positive integer (epoch milliseconds)');
  if (value.action !== undefined && value.action !== 'disconnect') return fail('`action` must be "disconnect" when given');
  const hasData = 'data' in value && value.data !== undefined;
  if (!hasData && value.action !== 'disconnect') return fail('`data` is missing');

  const targeting = parseTargeting(value.targeting);
  if (typeof targeting === 'string') return fail(targeting);

  const slices = (['exclusiveStartKey', 'connections', 'users'] as const).filter((field) => value[field] !== undefined);
  if (slices.length > 1) return fail(`\`${slices[0]}\` and \`${slices[1]}\` cannot both be given`);
  let exclusiveStartKey: StartKey | undefined;
  if (value.exclusiveStartKey !== undefined) {
    const key = startKey(value.exclusiveStartKey, rules);
    if (typeof key === 'string') return fail(key);
    exclusiveStartKey = key;
  }
  const slice = parseSlice(value);
  if (typeof slice === 'string') return fail(slice);

  const dataText = hasData ? JSON.stringify(value.data) : undefined;
  const id = value.id as string | undefined;
  const payload = dataText === undefined ? undefined : postedPayload(rules.messageFormat ?? 'data', dataText, id ?? value.requestId);
  if (payload && payload.length > LIMITS.MAX_PAYLOAD_BYTES) {
    return fail(`the serialized ${rules.messageFormat === 'envelope' ? 'envelope' : '`data`'} is ${payload.length} bytes, over ${LIMITS.MAX_PAYLOAD_BYTES}`);
  }
  return {
    ok: true,
    item: {
      requestId: value.requestId,
      ...(id !== undefined ? { id } : {}),
      ...(value.action === 'disconnect' ? { action: 'disconnect' as const } : {}),
      ...(payload ? { payload, dataText } : {}),
      excludeUsers: new Set(targeting.excludeUsers),
      excludeConnections: new Set(targeting.excludeConnections),
      ...segment,
      attempt: value.attempt,
      startedAt: value.startedAt,
      ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
      ...slice,
    },
  };
}

/** The exclusions of a segment item (absent in carry-forward items: they were applied), or why they are invalid. */
function parseTargeting(value: unknown): { excludeUsers: string[]; excludeConnections: string[] } | string {
  const targeting = value ?? {};
  if (!isObject(targeting)) return '`targeting` must be an object';
  const unknown = Object.keys(targeting).filter((key) => !TARGETING.has(key));
  if (unknown.length > 0) return `unknown targeting field(s): ${unknown.join(', ')}`;
  const excludeUsers = idList(targeting.exclude_users, 'targeting.exclude_users');
  if (typeof excludeUsers === 'string') return excludeUsers;
  const excludeConnections = idList(targeting.exclude_connections, 'targeting.exclude_connections');
  if (typeof excludeConnections === 'string') return excludeConnections;
  return { excludeUsers, excludeConnections };
}

function idList(value: unknown, name: string): string[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isId)) return `\`${name}\` must be an array of non-empty strings`;
  return value;
}

function startKey(value: unknown, rules: WorkItemRules): StartKey | string {
  const message = `\`exclusiveStartKey\` must be {"${rules.userIdAttribute}":{"S":…},"${rules.connectionIdAttribute}":{"S":…}}`;
  if (!isObject(value)) return message;
  const names = Object.keys(value).sort();
  const expected = [rules.userIdAttribute, rules.connectionIdAttribute].sort();
  if (names.length !== 2 || names[0] !== expected[0] || names[1] !== expected[1]) return message;
  for (const name of names) {
    const attribute = value[name];
    if (!isObject(attribute) || Object.keys(attribute).length !== 1 || !isId(attribute.S)) return message;
  }
  return value as StartKey;
}

/** The Scan segment: required in a segment item; a follow-up of connections or users may leave it out (0 of 1). */
function parseSegment(value: Record<string, unknown>): { segment: number; totalSegments: number } | string {
  const sliced = value.connections !== undefined || value.users !== undefined;
  if (sliced && value.segment === undefined && value.totalSegments === undefined) return { segment: 0, totalSegments: 1 };
  if (!isCount(value.totalSegments, 1, LIMITS.MAX_SCAN_SEGMENTS)) return `\`totalSegments\` must be an integer from 1 to ${LIMITS.MAX_SCAN_SEGMENTS}`;
  if (!isCount(value.segment, 0, value.totalSegments - 1)) return '`segment` must be an integer from 0 to totalSegments - 1';
  return { segment: value.segment, totalSegments: value.totalSegments };
}

/** The carried-forward `connections` or the `users` of a follow-up, when it has them. */
function parseSlice(value: Record<string, unknown>): { connections?: CarriedConnection[]; users?: string[] } | string {
  if (value.users !== undefined) {
    if (!Array.isArray(value.users) || value.users.length === 0 || !value.users.every(isId)) {
      return '`users` must be a non-empty array of non-empty strings';
    }
    return { users: value.users };
  }
  if (value.connections === undefined) return {};
  const message = '`connections` must be a non-empty array of {"userId"?,"connectionId"} with non-empty strings';
  if (!Array.isArray(value.connections) || value.connections.length === 0) return message;
  for (const entry of value.connections) {
    if (!isObject(entry) || Object.keys(entry).some((key) => !KEY_FIELDS.has(key))) return message;
    if ((entry.userId !== undefined && !isId(entry.userId)) || !isId(entry.connectionId)) return message;
  }
  return { connections: value.connections as CarriedConnection[] };
}

/** The fields of a work item to write; the payload is spliced in as the request's JSON text, not re-encoded. */
export type WorkItemFields = Omit<WorkItem, 'payload' | 'dataText' | 'excludeUsers' | 'excludeConnections'> & {
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
    segment: fields.segment,
    totalSegments: fields.totalSegments,
    attempt: fields.attempt,
    startedAt: fields.startedAt,
    ...(Object.keys(targeting).length ? { targeting } : {}),
    ...(fields.exclusiveStartKey ? { exclusiveStartKey: fields.exclusiveStartKey } : {}),
    ...(fields.connections ? { connections: fields.connections.map(carriedEntry) } : {}),
    ...(fields.users ? { users: fields.users } : {}),
  });
  return dataText === undefined ? header : `${header.slice(0, -1)},"data":${dataText}}`;
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

const carriedEntry = ({ userId, connectionId }: CarriedConnection) => (userId === undefined ? { connectionId } : { userId, connectionId });

/**
 * Bodies of follow-up work items carrying `connections` forward, each within the SQS message limit. Connections
 * that do not fit even alone (a payload near 128 KB with very long ids) are returned in `unsendable`.
 */
export function carryForwardBodies(
  fields: Omit<WorkItemFields, 'connections' | 'exclusiveStartKey' | 'users'>, dataText: string | undefined, connections: readonly CarriedConnection[],
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
