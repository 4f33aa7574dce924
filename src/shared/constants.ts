/**
 * The contract between the construct and the pusher handler: environment variable names, defaults, AWS limits and
 * metric names. Dependency-free on purpose, so that the handler bundle and the jsii library can both import it.
 */

/** Names API Gateway can place in a mapping template's `$context.authorizer.<key>` reference. */
export const AUTHORIZER_CONTEXT_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The template metadata key marking the pusher function (what the local command looks for in a cloud assembly). */
export const PUSHER_METADATA_KEY = 'cdk-websocket-pusher';

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
  /**
   * Segmented broadcast: a broadcast or exclusion request is split into work items when the table holds at least
   * this many rows (`0`: always). Unset: the feature is off and the other `FANOUT_*` / `WORK_*` variables are ignored.
   */
  FANOUT_THRESHOLD: 'FANOUT_THRESHOLD',
  /** URL of the internal work queue (segmented broadcast). */
  WORK_QUEUE_URL: 'WORK_QUEUE_URL',
  /** ARN of the internal work queue: an SQS record from this queue is a work item, any other a public request. */
  WORK_QUEUE_ARN: 'WORK_QUEUE_ARN',
  /** Parallel-Scan segments, hence work items, a split request is cut into. */
  FANOUT_SEGMENTS: 'FANOUT_SEGMENTS',
  /** The work queue event source's maximum concurrency: the pace budget is shared by this many workers. */
  WORKER_CONCURRENCY: 'WORKER_CONCURRENCY',
  /** Total PostToConnection requests per second across all workers (each worker paces at this / concurrency). */
  RATE_LIMIT_PER_SECOND: 'RATE_LIMIT_PER_SECOND',
  /** A worker stops and enqueues a continuation when less than this many milliseconds remain. */
  TIME_MARGIN_MS: 'TIME_MARGIN_MS',
  /** Rows per Scan page in a worker (`Limit`); default sized so that a page takes at most half the margin. */
  FANOUT_PAGE_SIZE: 'FANOUT_PAGE_SIZE',
  /**
   * Work-item attempts for connections and users still failing after their retries (carried forward until this
   * bound, then dead-lettered).
   */
  FANOUT_MAX_ATTEMPTS: 'FANOUT_MAX_ATTEMPTS',
  /** URL of the work queue's dead-letter queue, where an exhausted remainder is kept (and can be redriven from). */
  WORK_DEAD_LETTER_QUEUE_URL: 'WORK_DEAD_LETTER_QUEUE_URL',
  /**
   * What a connection receives: `envelope` (`{"type":"message","id":…,"data":…}`); unset: the bare `data` (the seed's
   * format). The values are `MessageFormat`'s.
   */
  MESSAGE_FORMAT: 'MESSAGE_FORMAT',
  /** `true`: requests with `"action": "disconnect"` are accepted (the function may `DELETE` on `@connections/{id}`). */
  DISCONNECT_ENABLED: 'DISCONNECT_ENABLED',
  /** Deduplication: the idempotency table (Powertools' DynamoDB persistence); unset: requests are not deduplicated. */
  IDEMPOTENCY_TABLE_NAME: 'IDEMPOTENCY_TABLE_NAME',
  /** Deduplication: how long a completed request's id is remembered, in seconds. */
  DEDUPLICATION_WINDOW_SECONDS: 'DEDUPLICATION_WINDOW_SECONDS',
} as const;

/** The JWT authorizer function's environment (`JwtAuthorizer` → `lambda/jwt-authorizer.lambda.ts`). */
export const AUTHORIZER_ENV = {
  /** An OIDC issuer's `iss` (with `JWT_JWKS_URI` and `JWT_AUDIENCE`), or unset for a Cognito user pool. */
  ISSUER: 'JWT_ISSUER',
  /** The issuer's JWKS URI. */
  JWKS_URI: 'JWT_JWKS_URI',
  /** The accepted audiences (`aud`), comma-separated. */
  AUDIENCE: 'JWT_AUDIENCE',
  /** A Cognito user pool id, in place of an issuer. */
  USER_POOL_ID: 'JWT_USER_POOL_ID',
  /** The Cognito app client ids accepted, comma-separated. */
  USER_POOL_CLIENT_IDS: 'JWT_USER_POOL_CLIENT_IDS',
  /** `id` or `access`: the kind of Cognito token accepted. */
  TOKEN_USE: 'JWT_TOKEN_USE',
  /** The claim whose value is the connection's user id (the authorizer's `principalId`). */
  USER_ID_CLAIM: 'JWT_USER_ID_CLAIM',
  /** Claims copied into the authorizer's context, comma-separated. */
  CONTEXT_CLAIMS: 'JWT_CONTEXT_CLAIMS',
  /** Where the token is: `query:<parameter>` or `protocol`. */
  TOKEN_SOURCE: 'JWT_TOKEN_SOURCE',
} as const;

/**
 * The subprotocol a client offers beside its token (`Sec-WebSocket-Protocol: websocket-pusher, <token>`) and the
 * `$connect` answer selects: a browser cannot set an Authorization header on a WebSocket.
 */
export const TOKEN_PROTOCOL = 'websocket-pusher';

/** Defaults used by both the construct and the handler when a setting is not given. */
export const DEFAULTS = {
  USER_ID_ATTRIBUTE: 'user_id',
  CONNECTION_ID_ATTRIBUTE: 'connection_id',
  TTL_ATTRIBUTE: 'expires_at',
  MAX_IN_FLIGHT: 128,
  MAX_ATTEMPTS: 5,
  SCAN_SEGMENTS: 4,
  MAX_QUERIES_IN_FLIGHT: 16,
  RETRY_BASE_DELAY_MS: 50,
  RETRY_MAX_DELAY_MS: 2_000,
  METRICS_NAMESPACE: 'WebsocketPusher',
  SERVICE_NAME: 'websocket-pusher',
  /** Rows from which the construct splits a broadcast when segmented broadcast is on. */
  FANOUT_THRESHOLD: 10_000,
  FANOUT_SEGMENTS: 16,
  WORKER_CONCURRENCY: 4,
  /** Well under API Gateway's account-level 10,000 requests/s (shared with every other API of the account). */
  RATE_LIMIT_PER_SECOND: 3_000,
  TIME_MARGIN_MS: 10_000,
  FANOUT_MAX_ATTEMPTS: 3,
  /** Upper bound of the computed default page size. */
  FANOUT_MAX_PAGE_SIZE: 1_000,
  DEDUPLICATION_WINDOW_SECONDS: 3_600,
} as const;

/** AWS service limits that shape validation and batching. */
export const LIMITS = {
  /** API Gateway WebSocket message payload limit, in bytes. */
  MAX_PAYLOAD_BYTES: 128 * 1024,
  /**
   * API Gateway WebSocket frame size limit, in bytes: a client's frame over it closes the connection (1009). A message
   * up to `MAX_PAYLOAD_BYTES` must be split into frames, which browsers and `ws` do not do.
   */
  MAX_FRAME_BYTES: 32 * 1024,
  /** Items per DynamoDB BatchWriteItem call. */
  BATCH_WRITE_ITEMS: 25,
  /** Parallel Scan segments accepted by DynamoDB. */
  MAX_SCAN_SEGMENTS: 1_000_000,
  /** SQS message size limit (and SendMessageBatch total), in bytes. */
  MAX_SQS_MESSAGE_BYTES: 256 * 1024,
  /** Entries per SQS SendMessageBatch call. */
  SQS_BATCH_ENTRIES: 10,
  /** Largest SQS DelaySeconds. */
  MAX_SQS_DELAY_SECONDS: 900,
  /** Receives of a work item before the work queue moves it to its dead-letter queue. */
  WORK_MAX_RECEIVE_COUNT: 3,
} as const;

/**
 * CloudWatch metric names the handler publishes (embedded metric format, dimension `service`). The per-request
 * and per-work-item lines share the delivery figures (`Targets` … `Failed`, `Duration`), so a sum over time covers
 * both paths.
 */
export const METRICS = {
  /** Requests processed (one per SQS message, SNS notification or direct invocation). */
  REQUESTS: 'Requests',
  /** Requests that can never succeed (malformed, payload too large): not retried. */
  INVALID_REQUESTS: 'InvalidRequests',
  /** Requests that failed transiently: retried by SQS or Lambda. */
  FAILED_REQUESTS: 'FailedRequests',
  /** Connections a post was attempted to. */
  TARGETS: 'Targets',
  DELIVERED: 'Delivered',
  /** Connections that answered 410 Gone. */
  GONE: 'Gone',
  /** Gone rows deleted from the table. */
  PRUNED: 'Pruned',
  /** Post attempts after the first. */
  RETRIED: 'Retried',
  /** Connections not delivered for any reason but Gone. */
  FAILED: 'Failed',
  /** Disconnect requests: connections closed, or found closed already. */
  CLOSED: 'Closed',
  /** Of `Delivered`: connections reached through one of the request's channels. */
  CHANNEL_DELIVERED: 'ChannelDelivered',
  /** Milliseconds from the start of a request (or work item) to its report. */
  DURATION: 'Duration',
  /** Work items processed (segmented broadcast). */
  WORK_ITEMS: 'WorkItems',
  INVALID_WORK_ITEMS: 'InvalidWorkItems',
  FAILED_WORK_ITEMS: 'FailedWorkItems',
  /** Work items that enqueued a continuation of their Scan segment. */
  CONTINUATIONS: 'Continuations',
  /** Connections handed to a follow-up work item. */
  CARRIED_FORWARD: 'CarriedForward',
  /** Milliseconds since the request was split, at the end of a work item. */
  WALL_TIME: 'WallTime',
  /** Connections and users of a request handed to follow-up work items. */
  REQUEUED: 'Requeued',
  /** Requests skipped because their id was already completed within the deduplication window. */
  DUPLICATE_REQUESTS: 'DuplicateRequests',
  /** FIFO records not sent because an earlier record of their message group failed. */
  BLOCKED_REQUESTS: 'BlockedRequests',
  /** The channels function: subscribe frames that subscribed (a repeat included). */
  SUBSCRIBES: 'Subscribes',
  /** The channels function: unsubscribe frames answered (a subscription that was not there included). */
  UNSUBSCRIBES: 'Unsubscribes',
  /** The channels function: frames refused, by code (`INVALID_FRAME` ...). */
  REFUSED_INVALID_FRAME: 'RefusedInvalidFrame',
  REFUSED_INVALID_CHANNEL: 'RefusedInvalidChannel',
  REFUSED_FORBIDDEN: 'RefusedForbidden',
  REFUSED_TOO_MANY_SUBSCRIPTIONS: 'RefusedTooManySubscriptions',
  REFUSED_UNAVAILABLE: 'RefusedUnavailable',
  /** `presence` asked of a channel whose rule does not turn presence on. */
  REFUSED_NOT_ENABLED: 'RefusedNotEnabled',
  /** `presence` messages answered with the members. */
  PRESENCE_QUERIES: 'PresenceQueries',
  /** `resume` frames answered `resumed` (the replay done, or `more` to come). */
  RESUMES: 'Resumes',
  /** `resume` frames answered `reset`: continuity could not be proven. */
  RESETS: 'Resets',
  /** Messages the channels function replayed to resuming connections. */
  REPLAYED_MESSAGES: 'ReplayedMessages',
  /** Channel presence frames handed to the pusher: a user joined / left a presence channel. */
  PRESENCE_JOINS: 'PresenceJoins',
  PRESENCE_LEAVES: 'PresenceLeaves',
  /** The connection stream function: subscription rows deleted because their connection went. */
  SUBSCRIPTIONS_CLEANED: 'SubscriptionsCleaned',
  /** The connection stream function: stream records whose cleanup failed (retried, then kept by the on-failure queue). */
  CLEANUP_FAILURES: 'CleanupFailures',
} as const;
