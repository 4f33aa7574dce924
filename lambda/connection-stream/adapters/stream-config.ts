import { CHANNELS_ENV } from '../../../src/shared/channels';
import { DEFAULTS, ENV } from '../../../src/shared/constants';
import type { RetryPolicy } from '../../core/retry';

type Env = Readonly<Record<string, string | undefined>>;

/** BatchWriteItem calls per chunk of 25, the first included, while some of its deletes come back unprocessed. */
const UNPROCESSED_ATTEMPTS = 6;

/** The connection stream function's settings, from the environment the construct sets. */
export interface StreamConfig {
  readonly subscriptionsTableName: string;
  /** The connections table's connection id attribute: where the id is in a record's `Keys`. */
  readonly connectionIdAttribute: string;
  readonly unprocessedRetry: RetryPolicy;
}

/** Thrown when the function is deployed without a setting it cannot work without. */
export class StreamConfigError extends Error {
  constructor(message: string) {
    super(`connection stream configuration error: ${message}`);
    this.name = 'StreamConfigError';
  }
}

export function readStreamConfig(env: Env): StreamConfig {
  const subscriptionsTableName = env[CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]?.trim();
  if (!subscriptionsTableName) {
    throw new StreamConfigError(`environment variable ${CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME} is required and was not set`);
  }
  return {
    subscriptionsTableName,
    connectionIdAttribute: env[ENV.CONNECTION_ID_ATTRIBUTE]?.trim() || DEFAULTS.CONNECTION_ID_ATTRIBUTE,
    unprocessedRetry: {
      attempts: UNPROCESSED_ATTEMPTS,
      baseDelayMs: delay(env, ENV.RETRY_BASE_DELAY_MS, DEFAULTS.RETRY_BASE_DELAY_MS),
      maxDelayMs: delay(env, ENV.RETRY_MAX_DELAY_MS, DEFAULTS.RETRY_MAX_DELAY_MS),
    },
  };
}

function delay(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 60_000) {
    throw new StreamConfigError(`environment variable ${name} must be an integer from 0 to 60000, got '${raw}'`);
  }
  return value;
}
