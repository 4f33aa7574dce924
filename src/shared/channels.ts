/**
 * The channels contract shared by the construct (rules checked at synth), the channels function (subscribe,
 * unsubscribe), the pusher (a request's `channels`) and the connection stream function (cleanup): channel names, rule
 * patterns, the subscriptions table's layout and the environment. Dependency-free, like `constants.ts`.
 */

/** A channel segment: 1 to 64 characters of `A-Z a-z 0-9 _ - . = @ : + | ~`. */
export const CHANNEL_SEGMENT = /^[A-Za-z0-9_\-.=@:+|~]{1,64}$/;

/** Segments in a channel name, at most. */
export const MAX_CHANNEL_SEGMENTS = 8;

/** Whether `name` is a channel name: 1 to 8 segments joined by `/`. */
export function isChannelName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const segments = name.split('/');
  return segments.length <= MAX_CHANNEL_SEGMENTS && segments.every((s) => CHANNEL_SEGMENT.test(s));
}

/** Channels in one request, at most. */
export const MAX_REQUEST_CHANNELS = 100;

/**
 * The subscriptions table. Partition key `channel_key`, `<channel>#<shard>`: one channel's subscribers are spread over
 * `shards` partitions by their connection id, so that a hot channel is neither one partition's 1,000 writes/s on a
 * subscribe storm nor its 3,000 reads/s on a fan-out; its subscribers are one paginated Query per shard. Sort key
 * `connection_id`. The GSI `by_connection` (partition key `connection_id`) finds a connection's subscriptions for
 * cleanup. Rows carry `channel`, `user_id` and a Number TTL `expires_at` (the connection's).
 */
export const SUBSCRIPTIONS = {
  CHANNEL_KEY: 'channel_key',
  CONNECTION_ID: 'connection_id',
  CHANNEL: 'channel',
  USER_ID: 'user_id',
  EXPIRES_AT: 'expires_at',
  /** `true` (a Boolean) on a subscription to a presence channel: its connection's departure is a presence `leave`. */
  PRESENCE: 'presence',
  BY_CONNECTION_INDEX: 'by_connection',
} as const;

/** A subscription row's partition key. */
export function channelKey(channel: string, shard: number): string {
  return `${channel}#${shard}`;
}

/** The shard of a connection's subscription: FNV-1a (32-bit) of its id, modulo `shards`. Stable across processes. */
export function shardOf(connectionId: string, shards: number): number {
  /* eslint-disable no-bitwise -- FNV-1a is defined by its xor and 32-bit multiply */
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  /* eslint-enable no-bitwise */
  return hash % shards;
}

/** Shards per channel: the default, and the most. */
export const CHANNEL_SHARDS = { DEFAULT: 1, MAX: 100 } as const;

/** Subscriptions per connection: the default, and the most. */
export const SUBSCRIPTIONS_PER_CONNECTION = { DEFAULT: 50, MAX: 1_000 } as const;

/**
 * A channel rule, as the construct writes it (JSON, in `CHANNEL_RULES`): which channels it covers (`pattern`) and who
 * decides a subscribe: the pattern alone (`allow`: its placeholders bind it to the connection's identity), or the
 * application's function (`hook`, its ARN).
 */
export interface ChannelRuleSpec {
  readonly pattern: string;
  readonly kind: 'allow' | 'hook';
  /** The hook's function ARN (`kind: 'hook'`). */
  readonly hook?: string;
  /** Presence on the channels it covers: `join` / `leave` frames and the `presence` message. */
  readonly presence?: boolean;
  /** History on the channels it covers: the retention in seconds (`history.ts`). */
  readonly history?: number;
}

/** What a pattern may hold: segments, `*` (any one segment), `{userId}` and `{context.<key>}` (a whole segment). */
const PLACEHOLDER = /^\{(userId|context\.[A-Za-z_][A-Za-z0-9_]{0,127})\}$/;

/** Why a pattern is not one, or `undefined` when it is. */
export function patternProblem(pattern: string): string | undefined {
  const segments = pattern.split('/');
  if (segments.length > MAX_CHANNEL_SEGMENTS) return `more than ${MAX_CHANNEL_SEGMENTS} segments`;
  const bad = segments.find((s) => s !== '*' && !PLACEHOLDER.test(s) && !CHANNEL_SEGMENT.test(s));
  return bad === undefined ? undefined : `'${bad}' is neither a segment (1 to 64 of A-Z a-z 0-9 _ - . = @ : + | ~), '*', '{userId}' nor '{context.<key>}'`;
}

/** Who subscribes: the connection's user id and its authorizer context (what placeholders bind to). */
export interface ChannelIdentity {
  readonly userId: string;
  readonly context: Readonly<Record<string, string>>;
}

/**
 * Whether `channel` matches `pattern` for this identity: segment by segment, `*` matching any segment, a placeholder
 * only the identity's value; a value that is not itself a valid segment (it holds a `/`, say) never matches.
 */
export function matchesPattern(pattern: string, channel: string, identity: ChannelIdentity): boolean {
  const want = pattern.split('/');
  const have = channel.split('/');
  if (want.length !== have.length) return false;
  return want.every((segment, i) => {
    if (segment === '*') return true;
    const placeholder = PLACEHOLDER.exec(segment)?.[1];
    if (placeholder === undefined) return segment === have[i];
    const value = placeholder === 'userId' ? identity.userId : identity.context[placeholder.slice('context.'.length)];
    return value !== undefined && CHANNEL_SEGMENT.test(value) && value === have[i];
  });
}

/** The first rule whose pattern matches, or `undefined`: a channel no rule covers is forbidden. */
export function ruleFor<R extends ChannelRuleSpec>(rules: readonly R[], channel: string, identity: ChannelIdentity): R | undefined {
  return rules.find((rule) => matchesPattern(rule.pattern, channel, identity));
}

/** The channels function's and the connection stream function's environment. */
export const CHANNELS_ENV = {
  /** The subscriptions table. */
  SUBSCRIPTIONS_TABLE_NAME: 'SUBSCRIPTIONS_TABLE_NAME',
  /** Shards per channel. */
  CHANNEL_SHARDS: 'CHANNEL_SHARDS',
  /** The rules, as JSON (`ChannelRuleSpec[]`). */
  CHANNEL_RULES: 'CHANNEL_RULES',
  /** Subscriptions per connection, at most. */
  MAX_SUBSCRIPTIONS: 'MAX_SUBSCRIPTIONS',
  /**
   * Where a connection's user id is in `requestContext`, as `connectionRoutes` stores it: `authorizer:<key>`,
   * `iam` (`identity.userArn`) or `connection` (the connection id).
   */
  USER_ID_SOURCE: 'USER_ID_SOURCE',
  /** Seconds a subscription row lives after its connection connected (`connectionRoutes.connectionTtl`). */
  CONNECTION_TTL_SECONDS: 'CONNECTION_TTL_SECONDS',
} as const;

/** The client frames' `action`s the channels function answers. */
export const CHANNEL_ACTIONS = ['subscribe', 'unsubscribe', 'presence', 'resume'] as const;

/** Error codes of the client protocol. */
export type ProtocolErrorCode = 'INVALID_FRAME' | 'INVALID_CHANNEL' | 'FORBIDDEN' | 'NOT_ENABLED' | 'TOO_MANY_SUBSCRIPTIONS' | 'UNAVAILABLE';

/** A client frame's `ref`, at most this long. */
export const MAX_REF_LENGTH = 64;
