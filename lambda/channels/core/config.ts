/**
 * The channels function's settings, read once per execution environment from the variables the construct sets
 * (`CHANNELS_ENV`). A missing or malformed one is a deployment error: it fails the cold start, naming the variable.
 */
import { parseUserIdSource, type UserIdSource } from './identity';
import {
  CHANNEL_SHARDS, CHANNELS_ENV, patternProblem, SUBSCRIPTIONS_PER_CONNECTION, type ChannelRuleSpec,
} from '../../../src/shared/channels';
import { DEFAULTS, ENV } from '../../../src/shared/constants';
import { HISTORY_ENV, HISTORY_RETENTION_SECONDS } from '../../../src/shared/history';
import { PRESENCE_ENV } from '../../../src/shared/presence';

type Env = Readonly<Record<string, string | undefined>>;

export interface ChannelsConfig {
  readonly tableName: string;
  readonly shards: number;
  readonly rules: readonly ChannelRuleSpec[];
  readonly maxSubscriptions: number;
  readonly userIdSource: UserIdSource;
  readonly connectionTtlSeconds: number;
  /** Channel presence: set when a rule turns presence on (`PRESENCE_TABLE_NAME` and the rest are then required). */
  readonly presence?: ChannelPresenceConfig;
  /** `Subscribed` / `Unsubscribed` go on this bus (`EVENT_BUS_NAME`, set with lifecycle events); undefined: none. */
  readonly eventBusName?: string;
  /** History: set when a rule keeps it (`HISTORY_TABLE_NAME` and `CALLBACK_URL` are then required). */
  readonly history?: ChannelHistoryConfig;
}

/** Where history is kept, and where the replays of `resume` are posted. */
export interface ChannelHistoryConfig {
  readonly historyTableName: string;
  /** The Management API endpoint. */
  readonly callbackUrl: string;
}

/** Where channel presence keeps its members, finds a user's connections, and hands its frames to the pusher. */
export interface ChannelPresenceConfig {
  readonly presenceTableName: string;
  readonly workQueueUrl: string;
  readonly connectionsTableName: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** Undefined: connection rows never expire. */
  readonly ttlAttribute?: string;
}

/** Thrown when the function is deployed without a setting it cannot work without, or with a malformed one. */
export class ChannelsConfigError extends Error {
  constructor(message: string) {
    super(`channels configuration error: ${message}`);
    this.name = 'ChannelsConfigError';
  }
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ChannelsConfigError(`environment variable ${name} is required and was not set`);
  return value;
}

function integer(env: Env, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = env[name]?.trim();
  if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ChannelsConfigError(`environment variable ${name} must be an integer from ${min} to ${max}, got '${raw ?? ''}'`);
  }
  return value;
}

/** A Lambda function ARN (a version or alias qualifier allowed), as `InvokeCommand` takes it. */
const FUNCTION_ARN = /^arn:[^:\s]+:lambda:[^:\s]*:[^:\s]*:function:[^:\s]+(:[^:\s]+)?$/;

function ruleProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const rule = value as Record<string, unknown>;
  if (typeof rule.pattern !== 'string') return 'pattern must be a string';
  const problem = patternProblem(rule.pattern);
  if (problem !== undefined) return `pattern '${rule.pattern}': ${problem}`;
  if (rule.presence !== undefined && typeof rule.presence !== 'boolean') return 'presence must be a boolean';
  const { MIN, MAX } = HISTORY_RETENTION_SECONDS;
  if (rule.history !== undefined && !(Number.isInteger(rule.history) && (rule.history as number) >= MIN && (rule.history as number) <= MAX)) {
    return `history must be a retention in seconds from ${MIN} to ${MAX}`;
  }
  if (rule.kind === 'allow') return rule.hook === undefined ? undefined : 'an allow rule has no hook';
  if (rule.kind !== 'hook') return `kind must be allow or hook, got ${JSON.stringify(rule.kind)}`;
  return typeof rule.hook === 'string' && FUNCTION_ARN.test(rule.hook) ? undefined : `hook must be a Lambda function ARN, got ${JSON.stringify(rule.hook)}`;
}

/** `CHANNEL_RULES`: a JSON array of `ChannelRuleSpec`, checked rule by rule (fields it does not know are kept). */
export function parseRules(text: string): ChannelRuleSpec[] {
  const name = CHANNELS_ENV.CHANNEL_RULES;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ChannelsConfigError(`environment variable ${name} is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(value)) throw new ChannelsConfigError(`environment variable ${name} must be a JSON array of rules`);
  value.forEach((rule, i) => {
    const problem = ruleProblem(rule);
    if (problem !== undefined) throw new ChannelsConfigError(`environment variable ${name}: rule ${i + 1}: ${problem}`);
  });
  return value as ChannelRuleSpec[];
}

function historyConfig(env: Env, rules: readonly ChannelRuleSpec[]): ChannelHistoryConfig | undefined {
  if (!rules.some((rule) => rule.history !== undefined)) return undefined;
  const callbackUrl = required(env, ENV.CALLBACK_URL);
  if (!/^https?:\/\//.test(callbackUrl)) throw new ChannelsConfigError(`environment variable ${ENV.CALLBACK_URL} must be an http(s) URL, got '${callbackUrl}'`);
  return { historyTableName: required(env, HISTORY_ENV.HISTORY_TABLE_NAME), callbackUrl: callbackUrl.replace(/\/+$/, '') };
}

function presenceConfig(env: Env, rules: readonly ChannelRuleSpec[]): ChannelPresenceConfig | undefined {
  if (!rules.some((rule) => rule.presence === true)) return undefined;
  const ttl = env[ENV.TTL_ATTRIBUTE];
  return {
    presenceTableName: required(env, PRESENCE_ENV.PRESENCE_TABLE_NAME),
    workQueueUrl: required(env, ENV.WORK_QUEUE_URL),
    connectionsTableName: required(env, ENV.TABLE_NAME),
    userIdAttribute: env[ENV.USER_ID_ATTRIBUTE]?.trim() || DEFAULTS.USER_ID_ATTRIBUTE,
    connectionIdAttribute: env[ENV.CONNECTION_ID_ATTRIBUTE]?.trim() || DEFAULTS.CONNECTION_ID_ATTRIBUTE,
    ...(ttl === undefined ? { ttlAttribute: DEFAULTS.TTL_ATTRIBUTE } : ttl.trim() === '' ? {} : { ttlAttribute: ttl.trim() }),
  };
}

export function readChannelsConfig(env: Env): ChannelsConfig {
  const source = required(env, CHANNELS_ENV.USER_ID_SOURCE);
  const userIdSource = parseUserIdSource(source);
  if (userIdSource === undefined) {
    throw new ChannelsConfigError(`environment variable ${CHANNELS_ENV.USER_ID_SOURCE} must be authorizer:<key>, iam or connection, got '${source}'`);
  }
  const rules = parseRules(required(env, CHANNELS_ENV.CHANNEL_RULES));
  const presence = presenceConfig(env, rules);
  const history = historyConfig(env, rules);
  return {
    tableName: required(env, CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME),
    shards: integer(env, CHANNELS_ENV.CHANNEL_SHARDS, CHANNEL_SHARDS.DEFAULT, 1, CHANNEL_SHARDS.MAX),
    rules,
    maxSubscriptions: integer(env, CHANNELS_ENV.MAX_SUBSCRIPTIONS, SUBSCRIPTIONS_PER_CONNECTION.DEFAULT, 1, SUBSCRIPTIONS_PER_CONNECTION.MAX),
    userIdSource,
    connectionTtlSeconds: integer(env, CHANNELS_ENV.CONNECTION_TTL_SECONDS, undefined, 1, 10 * 365 * 24 * 3600),
    ...(presence ? { presence } : {}),
    ...(history ? { history } : {}),
    ...(env[PRESENCE_ENV.EVENT_BUS_NAME]?.trim() ? { eventBusName: env[PRESENCE_ENV.EVENT_BUS_NAME]!.trim() } : {}),
  };
}
