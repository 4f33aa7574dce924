import { integer, StreamConfigError, type Env } from './config-values';
import { readPresenceConfig, type PresenceConfig } from './presence-config';
import { CHANNELS_ENV } from '../../../src/shared/channels';
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
}

/** Reads and validates the configuration: the cleanup, presence, or both; throws naming the faulty variable. */
export function readStreamConfig(env: Env): StreamConfig {
  const subscriptionsTableName = env[CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]?.trim();
  const presence = readPresenceConfig(env);
  if (!subscriptionsTableName && !presence) {
    throw new StreamConfigError(`set environment variable ${CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME} (the subscription cleanup) or `
      + `${PRESENCE_ENV.EVENT_BUS_NAME} (lifecycle events and presence), or both: neither was set`);
  }
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
  };
}

export { StreamConfigError };
