/**
 * The contract between the construct and the pusher handler: environment variable names, defaults and AWS
 * limits. Dependency-free on purpose, so that the handler bundle and the jsii library can both import it.
 */

/** Environment variables the construct sets on the pusher function and the handler reads. */
export const ENV = {
  /** Name of the DynamoDB connections table. */
  TABLE_NAME: 'CONNECTIONS_TABLE_NAME',
  /** Attribute holding the user id (the table's hash key). */
  USER_ID_ATTRIBUTE: 'USER_ID_ATTRIBUTE',
  /** Attribute holding the connection id (the table's range key). */
  CONNECTION_ID_ATTRIBUTE: 'CONNECTION_ID_ATTRIBUTE',
  /** Attribute holding the row's expiry (a Number, epoch seconds); empty: rows never expire. */
  TTL_ATTRIBUTE: 'TTL_ATTRIBUTE',
  /** Management API endpoint, e.g. `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  CALLBACK_URL: 'CALLBACK_URL',
  /** Maximum number of PostToConnection requests in flight at once per invocation. */
  MAX_IN_FLIGHT: 'MAX_IN_FLIGHT',
  /** Attempts per connection for transient Management API errors (1 = no retry). */
  MAX_ATTEMPTS: 'MAX_ATTEMPTS',
  /** Segments of the parallel Scan used for broadcast and exclusion requests. */
  SCAN_SEGMENTS: 'SCAN_SEGMENTS',
  /** Maximum number of DynamoDB Query requests in flight at once per invocation (multicast lookups). */
  MAX_QUERIES_IN_FLIGHT: 'MAX_QUERIES_IN_FLIGHT',
  /** First backoff step, in milliseconds, of the exponential backoff with full jitter. */
  RETRY_BASE_DELAY_MS: 'RETRY_BASE_DELAY_MS',
  /** Largest backoff step, in milliseconds. */
  RETRY_MAX_DELAY_MS: 'RETRY_MAX_DELAY_MS',
  /** CloudWatch namespace of the embedded-metric-format metrics (the Powertools setting). */
  METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Service name on every log line and metric dimension (the Powertools setting). */
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
} as const;

/** Defaults used by both the construct and the handler when a setting is not given. */
export const DEFAULTS = {
  USER_ID_ATTRIBUTE: 'user_id',
  CONNECTION_ID_ATTRIBUTE: 'connection_id',
  TTL_ATTRIBUTE: 'expires_at',
  MAX_IN_FLIGHT: 64,
  MAX_ATTEMPTS: 5,
  SCAN_SEGMENTS: 4,
  MAX_QUERIES_IN_FLIGHT: 16,
  RETRY_BASE_DELAY_MS: 50,
  RETRY_MAX_DELAY_MS: 2_000,
  METRICS_NAMESPACE: 'WebsocketPusher',
  SERVICE_NAME: 'websocket-pusher',
} as const;

/** AWS service limits that shape validation and batching. */
export const LIMITS = {
  /** API Gateway WebSocket message payload limit, in bytes. */
  MAX_PAYLOAD_BYTES: 128 * 1024,
  /** Items per DynamoDB BatchWriteItem call. */
  BATCH_WRITE_ITEMS: 25,
  /** Parallel Scan segments accepted by DynamoDB. */
  MAX_SCAN_SEGMENTS: 1_000_000,
} as const;
