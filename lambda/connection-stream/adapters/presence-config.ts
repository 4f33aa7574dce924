import { integer, required, StreamConfigError, type Env } from './config-values';
import { AUTHORIZER_CONTEXT_KEY, DEFAULTS, ENV } from '../../../src/shared/constants';
import { OFFLINE_GRACE_SECONDS, PRESENCE_ENV } from '../../../src/shared/presence';

/** Lifecycle events and presence (`EVENT_BUS_NAME` set). */
export interface PresenceConfig {
  /** The bus's name (`default`: the account's default bus). */
  readonly eventBusName: string;
  readonly presenceTableName: string;
  readonly checkQueueUrl: string;
  readonly checkQueueArn: string;
  readonly graceSeconds: number;
  /** The authorizer context keys a connection's row carries. */
  readonly contextAttributes: readonly string[];
  /** Where a user's live connections are Queried. */
  readonly connectionsTableName: string;
  /** The connections table's TTL attribute; undefined: rows never expire. */
  readonly ttlAttribute?: string;
}

const WHY = `when ${PRESENCE_ENV.EVENT_BUS_NAME} is set`;

/** Presence's settings, or undefined when `EVENT_BUS_NAME` is not set. */
export function readPresenceConfig(env: Env): PresenceConfig | undefined {
  const eventBusName = env[PRESENCE_ENV.EVENT_BUS_NAME]?.trim();
  if (!eventBusName) return undefined;
  const checkQueueUrl = required(env, PRESENCE_ENV.PRESENCE_CHECK_QUEUE_URL, WHY);
  if (!/^https?:\/\//.test(checkQueueUrl)) {
    throw new StreamConfigError(`environment variable ${PRESENCE_ENV.PRESENCE_CHECK_QUEUE_URL} must be an http(s) URL, got '${checkQueueUrl}'`);
  }
  const checkQueueArn = required(env, PRESENCE_ENV.PRESENCE_CHECK_QUEUE_ARN, WHY);
  if (!/^arn:[^:]+:sqs:[^:]*:[^:]*:.+$/.test(checkQueueArn)) {
    throw new StreamConfigError(`environment variable ${PRESENCE_ENV.PRESENCE_CHECK_QUEUE_ARN} must be an SQS queue ARN, got '${checkQueueArn}'`);
  }
  const ttl = env[ENV.TTL_ATTRIBUTE];
  return {
    eventBusName,
    presenceTableName: required(env, PRESENCE_ENV.PRESENCE_TABLE_NAME, WHY),
    checkQueueUrl,
    checkQueueArn,
    graceSeconds: integer(env, PRESENCE_ENV.OFFLINE_GRACE_SECONDS, OFFLINE_GRACE_SECONDS.DEFAULT, 0, OFFLINE_GRACE_SECONDS.MAX),
    contextAttributes: contextAttributes(env),
    connectionsTableName: required(env, ENV.TABLE_NAME, WHY),
    // Unset means the default attribute; explicitly empty means the table has no TTL (as the pusher reads it).
    ...(ttl === undefined ? { ttlAttribute: DEFAULTS.TTL_ATTRIBUTE } : ttl.trim() ? { ttlAttribute: ttl.trim() } : {}),
  };
}

function contextAttributes(env: Env): string[] {
  const name = PRESENCE_ENV.CONTEXT_ATTRIBUTES;
  const raw = env[name]?.trim();
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new StreamConfigError(`environment variable ${name} must be a JSON array of attribute names, got '${raw}'`);
  }
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string' && AUTHORIZER_CONTEXT_KEY.test(key))) {
    throw new StreamConfigError(`environment variable ${name} must be a JSON array of attribute names (${AUTHORIZER_CONTEXT_KEY}), got '${raw}'`);
  }
  return [...new Set(value as string[])];
}
