import { WORK_ITEM_VERSION, type WorkItemParse, type WorkItemRules } from './work-item';
import { CHANNEL_SHARDS, channelKey, isChannelName, SUBSCRIPTIONS } from '../../src/shared/channels';
import { LIMITS } from '../../src/shared/constants';
import { postedPayload } from '../core/envelope';
import { positionsOf, type Positions } from '../core/history/positions';
import type { CarriedConnection, StartKey } from '../core/ports/connection-store';
import type { ShardRead } from '../core/ports/subscription-store';
import { MAX_REQUEST_ID_LENGTH } from '../core/request';

const TOP_LEVEL = new Set([
  'v', 'requestId', 'id', 'action', 'segment', 'totalSegments', 'attempt', 'startedAt', 'targeting', 'exclusiveStartKey', 'connections', 'users',
  'channel', 'reads', 'data', 'raw', 'positions',
]);
const TARGETING = new Set(['exclude_users', 'exclude_connections']);
const KEY_FIELDS = new Set(['userId', 'connectionId', 'channel']);
const READ_FIELDS = new Set(['channel', 'shard', 'startKey']);
/** At most this many shard reads in one item: every shard of a request's 100 channels. */
const MAX_READS = 100 * CHANNEL_SHARDS.MAX;
const SUBSCRIPTION_KEY = [SUBSCRIPTIONS.CHANNEL_KEY, SUBSCRIPTIONS.CONNECTION_ID] as const;

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
  const segment = parseHeader(value, rules);
  if (typeof segment === 'string') return fail(segment);
  const hasData = 'data' in value && value.data !== undefined;

  const targeting = parseTargeting(value.targeting);
  if (typeof targeting === 'string') return fail(targeting);

  const conflict = sliceConflict(value);
  if (conflict !== undefined) return fail(conflict);
  const exclusiveStartKey = value.exclusiveStartKey === undefined ? undefined
    : startKey(value.exclusiveStartKey, value.channel === undefined ? [rules.userIdAttribute, rules.connectionIdAttribute] : SUBSCRIPTION_KEY);
  if (typeof exclusiveStartKey === 'string') return fail(exclusiveStartKey);
  const slice = parseSlice(value);
  if (typeof slice === 'string') return fail(slice);

  const positions = carriedPositions(value.positions);
  if (positions === 'invalid') return fail('`positions` must be a list of [channel, seq ≥ 1, epoch]');
  const dataText = hasData ? JSON.stringify(value.data) : undefined;
  const id = value.id as string | undefined;
  const requestId = value.requestId as string;
  const raw = value.raw === true;
  const format = raw ? 'data' : rules.messageFormat ?? 'data';
  const envelopeId = id ?? requestId;
  const payload = dataText === undefined ? undefined : postedPayload(format, dataText, envelopeId);
  if (payload && payload.length > LIMITS.MAX_PAYLOAD_BYTES) {
    return fail(`the serialized ${format === 'envelope' ? 'envelope' : '`data`'} is ${payload.length} bytes, over ${LIMITS.MAX_PAYLOAD_BYTES}`);
  }
  return {
    ok: true,
    item: {
      requestId,
      ...(id !== undefined ? { id } : {}),
      ...(value.action === 'disconnect' ? { action: 'disconnect' as const } : {}),
      ...(raw ? { raw: true as const } : {}),
      ...(positions ? { positions } : {}),
      ...(payload ? { payload, dataText } : {}),
      ...(payload && format === 'envelope' ? { envelopeId } : {}),
      ...(value.channel !== undefined ? { channel: value.channel as string } : {}),
      excludeUsers: new Set(targeting.excludeUsers),
      excludeConnections: new Set(targeting.excludeConnections),
      ...segment,
      attempt: value.attempt as number,
      startedAt: value.startedAt as number,
      ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
      ...slice,
    },
  };
}

/** The positions an item carries: none, valid ones, or `invalid`. */
function carriedPositions(value: unknown): Positions | undefined | 'invalid' {
  if (value === undefined) return undefined;
  const positions = positionsOf(value);
  return positions === undefined || [...positions.keys()].some((channel) => !isChannelName(channel)) ? 'invalid' : positions;
}

/** A work item's segment, after its version, ids and channel, and before its attempt, start, action and data; or what is wrong. */
function parseHeader(value: Record<string, unknown>, rules: WorkItemRules): ReturnType<typeof parseSegment> {
  if (value.v !== WORK_ITEM_VERSION) return `unsupported version ${JSON.stringify(value.v)}, expected ${WORK_ITEM_VERSION}`;
  if (!isId(value.requestId) || value.requestId.length > 512) return '`requestId` must be a non-empty string of at most 512 characters';
  if (value.id !== undefined && (!isId(value.id) || value.id.length > MAX_REQUEST_ID_LENGTH)) return (`\`id\` must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters`);
  if (value.channel !== undefined && !isChannelName(value.channel)) return '`channel` must be a channel name';
  if (value.raw !== undefined && value.raw !== true) return '`raw` must be true when present';
  const segment = parseSegment(value);
  if (typeof segment === 'string') return segment;
  if (!isCount(value.attempt, 1, rules.maxCarryForwardAttempts)) return (`\`attempt\` must be an integer from 1 to ${rules.maxCarryForwardAttempts}`);
  if (!isCount(value.startedAt, 1, Number.MAX_SAFE_INTEGER)) return '`startedAt` must be a positive integer (epoch milliseconds)';
  if (value.action !== undefined && value.action !== 'disconnect') return '`action` must be "disconnect" when given';
  if (!('data' in value && value.data !== undefined) && value.action !== 'disconnect') return '`data` is missing';
  return segment;
}

/** Why the item's slice fields cannot go together, if they cannot: one slice a work item (`reads` may come with `users`). */
function sliceConflict(value: Record<string, unknown>): string | undefined {
  const slices = (['exclusiveStartKey', 'connections', 'users'] as const).filter((field) => value[field] !== undefined);
  if (slices.length > 1) return `\`${slices[0]}\` and \`${slices[1]}\` cannot both be given`;
  if (value.channel !== undefined && (value.connections !== undefined || value.users !== undefined)) return '`channel` names a shard to read: not with `connections` or `users`';
  const alone = ['channel', 'exclusiveStartKey', 'connections'].find((field) => value[field] !== undefined);
  if (value.reads !== undefined && alone !== undefined) return `\`reads\` and \`${alone}\` cannot both be given`;
  return undefined;
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

/** A Scan's or a channel shard Query's `LastEvaluatedKey`: exactly the key attributes `keyNames`, as strings. */
function startKey(value: unknown, keyNames: readonly string[]): StartKey | string {
  const message = `\`exclusiveStartKey\` must be {"${keyNames[0]}":{"S":…},"${keyNames[1]}":{"S":…}}`;
  if (!isObject(value)) return message;
  const names = Object.keys(value).sort();
  const expected = [...keyNames].sort();
  if (names.length !== 2 || names[0] !== expected[0] || names[1] !== expected[1]) return message;
  for (const name of names) {
    const attribute = value[name];
    if (!isObject(attribute) || Object.keys(attribute).length !== 1 || !isId(attribute.S)) return message;
  }
  return value as StartKey;
}

/**
 * The Scan segment, or the channel's shard (`segment` of `totalSegments` shards): required in a segment or channel
 * item; a follow-up of connections or users may leave it out (0 of 1).
 */
function parseSegment(value: Record<string, unknown>): { segment: number; totalSegments: number } | string {
  const sliced = value.connections !== undefined || value.users !== undefined || value.reads !== undefined;
  if (sliced && value.segment === undefined && value.totalSegments === undefined) return { segment: 0, totalSegments: 1 };
  const most = value.channel === undefined ? LIMITS.MAX_SCAN_SEGMENTS : CHANNEL_SHARDS.MAX;
  if (!isCount(value.totalSegments, 1, most)) return `\`totalSegments\` must be an integer from 1 to ${most}`;
  if (!isCount(value.segment, 0, value.totalSegments - 1)) return '`segment` must be an integer from 0 to totalSegments - 1';
  return { segment: value.segment, totalSegments: value.totalSegments };
}

/** The carried-forward `connections`, or the `users` and the shard `reads` of a follow-up, when it has them. */
function parseSlice(value: Record<string, unknown>): { connections?: CarriedConnection[]; users?: string[]; reads?: ShardRead[] } | string {
  const reads = value.reads === undefined ? undefined : parseReads(value.reads);
  if (typeof reads === 'string') return reads;
  if (value.users !== undefined) {
    if (!Array.isArray(value.users) || value.users.length === 0 || !value.users.every(isId)) {
      return '`users` must be a non-empty array of non-empty strings';
    }
    return { users: value.users, ...(reads ? { reads } : {}) };
  }
  if (reads) return { reads };
  if (value.connections === undefined) return {};
  const message = '`connections` must be a non-empty array of {"userId"?,"connectionId","channel"?} with non-empty strings (a channel with its userId)';
  if (!Array.isArray(value.connections) || value.connections.length === 0) return message;
  for (const entry of value.connections) {
    if (!isObject(entry) || Object.keys(entry).some((key) => !KEY_FIELDS.has(key))) return message;
    if ((entry.userId !== undefined && !isId(entry.userId)) || !isId(entry.connectionId)) return message;
    if (entry.channel !== undefined && (!isChannelName(entry.channel) || entry.userId === undefined)) return message;
  }
  return { connections: value.connections as CarriedConnection[] };
}

/** The shard reads of a follow-up: each a channel, a shard and where to start, no two alike. */
function parseReads(value: unknown): ShardRead[] | string {
  const message = `\`reads\` must be a non-empty array of at most ${MAX_READS} distinct {"channel","shard","startKey"?}: a channel name, `
    + `a shard from 0 to ${CHANNEL_SHARDS.MAX - 1}, the shard's key`;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_READS) return message;
  const seen = new Set<string>();
  for (const entry of value) {
    if (!isObject(entry) || Object.keys(entry).some((key) => !READ_FIELDS.has(key))) return message;
    if (!isChannelName(entry.channel) || !isCount(entry.shard, 0, CHANNEL_SHARDS.MAX - 1)) return message;
    if (entry.startKey !== undefined) {
      const key = startKey(entry.startKey, SUBSCRIPTION_KEY);
      if (typeof key === 'string' || key[SUBSCRIPTIONS.CHANNEL_KEY].S !== channelKey(entry.channel, entry.shard)) return message;
    }
    const key = `${entry.shard}#${entry.channel}`;
    if (seen.has(key)) return message;
    seen.add(key);
  }
  return value as ShardRead[];
}
