import { integer, StreamConfigError, type Env } from './config-values';
import { readPresenceConfig, type PresenceConfig } from './presence-config';
import { CHANNEL_SHARDS, CHANNELS_ENV } from '../../../src/shared/channels';
import { DEFAULTS, ENV } from '../../../src/shared/constants';
import { PRESENCE_ENV } from '../../../src/shared/presence';
import type { RetryPolicy } from '../../core/retry';

/** BatchWriteItem calls per chunk of 25, the first included, while some of its deletes come back unprocessed. */
const UNPROCESSED_ATTEMPTS = 6;

/** The subscription cleanup's settings (`SUBSCRIPTIONS_TABLE_NAME` set). */
export interface CleanupConfig {
  readonly subscriptionsTableName: string;
  readonly unprocessedRetry: RetryPolicy;
}

/** The connection stream function's settings, from the environment the construct sets. */
export interface StreamConfig {
  /** The connections table's connection id attribute: where the id is in a record's `Keys`. */
  readonly connectionIdAttribute: string;
  /** The connections table's user id attribute (its hash key). */
  readonly userIdAttribute: string;
  readonly cleanup?: CleanupConfig;
  readonly presence?: PresenceConfig;
  readonly channelPresence?: ChannelPresenceConfig;
}

/** Channel presence's settings (`CHANNEL_PRESENCE` = `true`; needs the cleanup and presence). */
export interface ChannelPresenceConfig {
  readonly workQueueUrl: string;
  readonly shards: number;
}

function readChannelPresence(env: Env, cleanup: boolean, presence: boolean): ChannelPresenceConfig | undefined {
  const on = env[PRESENCE_ENV.CHANNEL_PRESENCE]?.trim();
  if (on === undefined || on === '' || on === 'false') return undefined;
  if (on !== 'true') throw new StreamConfigError(`environment variable ${PRESENCE_ENV.CHANNEL_PRESENCE} must be true or false, got '${on}'`);
  if (!cleanup || !presence) {
    throw new StreamConfigError(`${PRESENCE_ENV.CHANNEL_PRESENCE} needs ${CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME} and ${PRESENCE_ENV.EVENT_BUS_NAME} set`);
  }
  const workQueueUrl = env[ENV.WORK_QUEUE_URL]?.trim();
  if (!workQueueUrl) throw new StreamConfigError(`environment variable ${ENV.WORK_QUEUE_URL} is required with ${PRESENCE_ENV.CHANNEL_PRESENCE} and was not set`);
  return { workQueueUrl, shards: integer(env, CHANNELS_ENV.CHANNEL_SHARDS, CHANNEL_SHARDS.DEFAULT, 1, CHANNEL_SHARDS.MAX) };
}

/** Reads and validates the configuration: the cleanup, presence, or both; throws naming the faulty variable. */
export function readStreamConfig(env: Env): StreamConfig {
  const subscriptionsTableName = env[CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]?.trim();
  const presence = readPresenceConfig(env);
  if (!subscriptionsTableName && !presence) {
    throw new StreamConfigError(`set environment variable ${CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME} (the subscription cleanup) or `
      + `${PRESENCE_ENV.EVENT_BUS_NAME} (lifecycle events and presence), or both: neither was set`);
  }
  const channelPresence = readChannelPresence(env, Boolean(subscriptionsTableName), presence !== undefined);
  return {
    connectionIdAttribute: env[ENV.CONNECTION_ID_ATTRIBUTE]?.trim() || DEFAULTS.CONNECTION_ID_ATTRIBUTE,
    userIdAttribute: env[ENV.USER_ID_ATTRIBUTE]?.trim() || DEFAULTS.USER_ID_ATTRIBUTE,
    ...(subscriptionsTableName ? {
      cleanup: {
        subscriptionsTableName,
        unprocessedRetry: {
          attempts: UNPROCESSED_ATTEMPTS,
          baseDelayMs: integer(env, ENV.RETRY_BASE_DELAY_MS, DEFAULTS.RETRY_BASE_DELAY_MS, 0, 60_000),
          maxDelayMs: integer(env, ENV.RETRY_MAX_DELAY_MS, DEFAULTS.RETRY_MAX_DELAY_MS, 0, 60_000),
        },
      },
    } : {}),
    ...(presence ? { presence } : {}),
    ...(channelPresence ? { channelPresence } : {}),
  };
}

export { StreamConfigError };
