import { CHANNEL_SHARDS, CHANNELS_ENV } from '../../src/shared/channels';
import { DEFAULTS, ENV, LIMITS } from '../../src/shared/constants';
import { HISTORY_ENV, HISTORY_RETENTION_SECONDS, type HistoryRuleSpec } from '../../src/shared/history';
import { PRESENCE_ENV } from '../../src/shared/presence';
import type { MessageFormat } from '../core/envelope';
import type { WorkConfig } from '../work/deps';

type Env = Readonly<Record<string, string | undefined>>;

/** The pusher's settings, read from the environment variables the construct sets. */
export interface PusherConfig {
  readonly tableName: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  /** Undefined when rows never expire (the variable is set to an empty string). */
  readonly ttlAttribute?: string;
  readonly callbackUrl: string;
  readonly maxInFlight: number;
  /** Posts per connection (the construct's `maxAttempts`). */
  readonly maxAttempts: number;
  readonly scanSegments: number;
  readonly maxQueriesInFlight: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** The work queue; undefined when `WORK_QUEUE_URL` is not set (then nothing is handed to follow-ups). */
  readonly work?: WorkConfig;
  readonly deduplication?: DeduplicationConfig;
  /** `DISCONNECT_ENABLED=true`: disconnect requests are accepted (the function may DELETE @connections/{id}). */
  readonly disconnectEnabled: boolean;
  /**
   * `CHANNEL_PRESENCE=true` (with disconnect requests): a channel rule turns presence on, so a disconnect request marks
   * each row (`disconnect_request`) before it closes the connection, for its presence channels to be left at once.
   */
  readonly channelPresence: boolean;
  /** `MESSAGE_FORMAT`: what connections receive. */
  readonly messageFormat: MessageFormat;
  /** The subscriptions table (`SUBSCRIPTIONS_TABLE_NAME`), set with the construct's `channels`: requests may name channels. */
  readonly channels?: ChannelsConfig;
  /** The history table and the rules' retentions (`HISTORY_TABLE_NAME`, `HISTORY_RULES`), set when a rule keeps history. */
  readonly history?: HistoryConfig;
}

/** History channels: the table, and each rule's pattern and retention in the rules' order. */
export interface HistoryConfig {
  readonly tableName: string;
  readonly rules: readonly HistoryRuleSpec[];
}

/** Channels: the subscriptions table and its shards per channel. */
export interface ChannelsConfig {
  readonly tableName: string;
  readonly shards: number;
}

/** Deduplication of requests by id within a window (Powertools idempotency on a DynamoDB table). */
export interface DeduplicationConfig {
  readonly tableName: string;
  readonly windowSeconds: number;
}

/** Logging and metrics settings: they never fail, so that configuration errors can themselves be logged. */
export interface TelemetryConfig {
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

export function readTelemetryConfig(env: Env): TelemetryConfig {
  return {
    serviceName: env[ENV.SERVICE_NAME]?.trim() || DEFAULTS.SERVICE_NAME,
    metricsNamespace: env[ENV.METRICS_NAMESPACE]?.trim() || DEFAULTS.METRICS_NAMESPACE,
  };
}

/** Thrown when the function is deployed without a setting it cannot work without. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(`pusher configuration error: ${message}`);
    this.name = 'ConfigError';
  }
}

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigError(`environment variable ${name} is required and was not set`);
  }
  return value;
}

/** `MESSAGE_FORMAT`: `envelope`, or unset for the bare `data`. */
function messageFormat(value: string | undefined): MessageFormat {
  const format = value?.trim();
  if (format === undefined || format === '' || format === 'data') return 'data';
  if (format === 'envelope') return 'envelope';
  throw new ConfigError(`environment variable ${ENV.MESSAGE_FORMAT} must be data or envelope, got '${value}'`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`environment variable ${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** The Region the Management API requests are signed for (Lambda sets `AWS_REGION`). */
export function readRegion(env: Env): string {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) {
    throw new ConfigError('environment variable AWS_REGION is required and was not set');
  }
  return region;
}

/** Reads and validates the configuration; throws a {@link ConfigError} naming the faulty variable. */
export function readConfig(env: Env): PusherConfig {
  const ttl = env[ENV.TTL_ATTRIBUTE];
  const callbackUrl = required(env, ENV.CALLBACK_URL);
  if (!/^https?:\/\//.test(callbackUrl)) {
    throw new ConfigError(`environment variable ${ENV.CALLBACK_URL} must be an http(s) URL, got '${callbackUrl}'`);
  }
  return {
    tableName: required(env, ENV.TABLE_NAME),
    userIdAttribute: env[ENV.USER_ID_ATTRIBUTE]?.trim() || DEFAULTS.USER_ID_ATTRIBUTE,
    connectionIdAttribute: env[ENV.CONNECTION_ID_ATTRIBUTE]?.trim() || DEFAULTS.CONNECTION_ID_ATTRIBUTE,
    // Unset means the default attribute; explicitly empty means the table has no TTL.
    ttlAttribute: ttl === undefined ? DEFAULTS.TTL_ATTRIBUTE : ttl.trim() || undefined,
    callbackUrl: callbackUrl.replace(/\/+$/, ''),
    maxInFlight: integer(env, ENV.MAX_IN_FLIGHT, DEFAULTS.MAX_IN_FLIGHT, 1, 10_000),
    maxAttempts: integer(env, ENV.MAX_ATTEMPTS, DEFAULTS.MAX_ATTEMPTS, 1, 20),
    scanSegments: integer(env, ENV.SCAN_SEGMENTS, DEFAULTS.SCAN_SEGMENTS, 1, LIMITS.MAX_SCAN_SEGMENTS),
    maxQueriesInFlight: integer(env, ENV.MAX_QUERIES_IN_FLIGHT, DEFAULTS.MAX_QUERIES_IN_FLIGHT, 1, 1_000),
    retryBaseDelayMs: integer(env, ENV.RETRY_BASE_DELAY_MS, DEFAULTS.RETRY_BASE_DELAY_MS, 0, 60_000),
    retryMaxDelayMs: integer(env, ENV.RETRY_MAX_DELAY_MS, DEFAULTS.RETRY_MAX_DELAY_MS, 0, 600_000),
    disconnectEnabled: env[ENV.DISCONNECT_ENABLED]?.trim() === 'true',
    channelPresence: env[PRESENCE_ENV.CHANNEL_PRESENCE]?.trim() === 'true',
    messageFormat: messageFormat(env[ENV.MESSAGE_FORMAT]),
    ...readWorkConfig(env),
    ...readDeduplicationConfig(env),
    ...readChannelsConfig(env),
    ...readHistoryConfig(env),
  };
}

/** History (a channel rule's `history`): the table and `HISTORY_RULES`, a JSON list of `{pattern, history?}`. */
function readHistoryConfig(env: Env): { history?: HistoryConfig } {
  const tableName = env[HISTORY_ENV.HISTORY_TABLE_NAME]?.trim();
  if (!tableName) return {};
  const text = required(env, HISTORY_ENV.HISTORY_RULES);
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch {
    rules = undefined;
  }
  const { MIN, MAX } = HISTORY_RETENTION_SECONDS;
  const retention = (value: unknown) => value === undefined || (Number.isInteger(value) && (value as number) >= MIN && (value as number) <= MAX);
  const valid = Array.isArray(rules)
    && rules.every((rule) => typeof rule === 'object' && rule !== null && typeof rule.pattern === 'string' && retention(rule.history));
  if (!valid) throw new ConfigError(`environment variable ${HISTORY_ENV.HISTORY_RULES} must be a JSON list of {pattern, history?}, got '${text}'`);
  const specs = (rules as HistoryRuleSpec[]).map(({ pattern, history }) => ({ pattern, ...(history === undefined ? {} : { history }) }));
  return { history: { tableName, rules: specs } };
}

/** Channels (the construct's `channels`): the subscriptions table, and `CHANNEL_SHARDS` as the channels function has it. */
function readChannelsConfig(env: Env): { channels?: ChannelsConfig } {
  const tableName = env[CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]?.trim();
  if (!tableName) return {};
  return { channels: { tableName, shards: integer(env, CHANNELS_ENV.CHANNEL_SHARDS, CHANNEL_SHARDS.DEFAULT, 1, CHANNEL_SHARDS.MAX) } };
}

/**
 * The work queue and its workers: set by the construct on every pusher (follow-ups of every request); absent only
 * when the function runs without it (then what a request cannot finish fails the request, retried whole).
 */
function readWorkConfig(env: Env): { work?: WorkConfig } {
  const threshold = env[ENV.FANOUT_THRESHOLD]?.trim();
  const url = env[ENV.WORK_QUEUE_URL]?.trim();
  if (!url && (threshold === undefined || threshold === '')) return {};
  const workQueueArn = required(env, ENV.WORK_QUEUE_ARN);
  if (!/^arn:[\w-]+:sqs:/.test(workQueueArn)) {
    throw new ConfigError(`environment variable ${ENV.WORK_QUEUE_ARN} must be an SQS queue ARN, got '${workQueueArn}'`);
  }
  const workerConcurrency = integer(env, ENV.WORKER_CONCURRENCY, DEFAULTS.WORKER_CONCURRENCY, 1, 1_000);
  const sendRatePerSecond = integer(env, ENV.RATE_LIMIT_PER_SECOND, DEFAULTS.RATE_LIMIT_PER_SECOND, 1, 1_000_000);
  const timeMarginMs = integer(env, ENV.TIME_MARGIN_MS, DEFAULTS.TIME_MARGIN_MS, 0, 900_000);
  // A page must be sent, paced, well within the margin: half of it, at this worker's share of the budget.
  const fittingPage = Math.floor((sendRatePerSecond / workerConcurrency) * (timeMarginMs / 2_000));
  const defaultPageSize = Math.min(DEFAULTS.FANOUT_MAX_PAGE_SIZE, Math.max(10, fittingPage));
  const deadLetterQueueUrl = env[ENV.WORK_DEAD_LETTER_QUEUE_URL]?.trim();
  return {
    work: {
      workQueueUrl: required(env, ENV.WORK_QUEUE_URL),
      workQueueArn,
      ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
      workerConcurrency,
      sendRatePerSecond,
      timeMarginMs,
      pageSize: integer(env, ENV.FANOUT_PAGE_SIZE, defaultPageSize, 1, 100_000),
      maxCarryForwardAttempts: integer(env, ENV.FANOUT_MAX_ATTEMPTS, DEFAULTS.FANOUT_MAX_ATTEMPTS, 1, 20),
      ...(threshold === undefined || threshold === '' ? {} : {
        split: {
          threshold: integer(env, ENV.FANOUT_THRESHOLD, 0, 0, 100_000_000),
          totalSegments: integer(env, ENV.FANOUT_SEGMENTS, DEFAULTS.FANOUT_SEGMENTS, 1, LIMITS.MAX_SCAN_SEGMENTS),
        },
      }),
    },
  };
}

/** Deduplication of requests (the construct's `deduplication`): the idempotency table and the window. */
function readDeduplicationConfig(env: Env): { deduplication?: DeduplicationConfig } {
  const tableName = env[ENV.IDEMPOTENCY_TABLE_NAME]?.trim();
  if (!tableName) return {};
  return {
    deduplication: {
      tableName,
      windowSeconds: integer(env, ENV.DEDUPLICATION_WINDOW_SECONDS, DEFAULTS.DEDUPLICATION_WINDOW_SECONDS, 1, 7 * 24 * 3600),
    },
  };
}
