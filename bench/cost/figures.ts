/**
 * The figures the cost model multiplies the prices by, in three kinds, each with where it comes from:
 *
 * - MEASURED: this repository's benchmarks (BENCHMARKS.md) and the log lines the functions really write;
 * - COUNTED: read from the construct's code (the metrics each function publishes, the alarms, the calls per action);
 * - ASSUMED: no measurement exists; the value is a stated guess, and the flags change the ones that matter.
 */

export const MEASURED = {
  /**
   * CPU per broadcast or channel delivery, ms (51.8 per 1,000 = 19,300 deliveries per vCPU-second), and per invocation
   * (88 ms): BENCHMARKS.md, Issue 16, HTTPS warm run (`bench/sizing.ts bench/results/2026-12-01-issue16-https-warm.json`).
   * Issue 24 measured a channel read within a few per cent of the Scan, so channel publishes use the same figures.
   */
  deliveryCpuMs: 0.0518,
  fanOutFixedCpuMs: 88,
  /** The Management API's bound of that run: 128 posts in flight at 20 ms, deliveries/s. */
  apiBoundPerSecond: 5_753,
  /**
   * A multicast's CPU per 1,000 deliveries, ms, users of 3 connections each (a lookup Query per user, then its posts):
   * BENCHMARKS.md, "Issue 28, second step", the lean reads (warm, HTTP, 20 ms, 128 in flight, median of 3).
   */
  multicastCpuMsPer1k: 191.8,
  multicastConnectionsPerUser: 3,
  /**
   * The CPU of one invocation with a multicast to one user of 3 connections, ms, the invocation's own work included
   * (the event, the request, the report line and metrics): BENCHMARKS.md, "Issue 28, second step", the small multicast
   * (warm, 200 invocations one after the other, `bench/results/2026-12-07-issue28-small-multicast.json`).
   */
  smallMulticastCpuMs: 2.82,
  /** The channels function's own duration per subscribe, mean, allow rule, on the local stack: BENCHMARKS.md, Issue 24. */
  channelsFunctionMs: 4.74,
  /**
   * Bytes a function logs (JSON log line + EMF line), written by the real reporters (`PowertoolsReporter`,
   * `PowertoolsFrameReporter`, `PowertoolsStreamReporter`) for a typical report and counted on 2026-12-06.
   */
  logBytes: { multicast: 1_314, broadcast: 1_342, channelPublish: 1_404, frame: 1_505, streamBatch: 579 },
} as const;

/** A user's lookup: the multicast figure less its posts (CPU of one Query, about). */
export const LOOKUP_CPU_MS = MEASURED.multicastCpuMsPer1k * MEASURED.multicastConnectionsPerUser / 1000
  - MEASURED.multicastConnectionsPerUser * MEASURED.deliveryCpuMs;

export const COUNTED = {
  /**
   * Custom metrics (name × the one dimension set `service`): the pusher's request line always has 13 (Requests …
   * Duration, `PowertoolsReporter.report`), `ChannelDelivered` once a channel publish delivered; `Closed` (disconnect
   * requests) and the 6 work-item metrics (follow-ups, segmented broadcasts) are not sent in this month.
   */
  pusherMetrics: 13,
  channelDeliveredMetric: 1,
  /** The channels function's frame line: 10 counts and 6 refusal codes, sent with every frame (`frameMetrics`). */
  channelsFunctionMetrics: 16,
  /** The connection stream function with channels only: `SubscriptionsCleaned`, `CleanupFailures`. */
  connectionStreamMetrics: 2,
  /**
   * Alarms with `alarms` (`createAlarms`, counted in a synthesized template): 3 dead-letter queues not empty,
   * `FailedRequests`, errors, throttles, the backlog; with channels 5 more (the cleanup failures queue, the channels and
   * connection stream functions' errors, `RefusedUnavailable`, the stream's iterator age).
   */
  alarms: 7,
  channelAlarms: 5,
  /** Memory of the channels and connection stream functions, MB (the pusher's is `memorySize`). */
  smallFunctionMb: 512,
  /**
   * DynamoDB calls, from the handlers: a subscribe is a GetItem and a COUNT Query on the index (1 read unit together,
   * eventually consistent) and a PutItem with its index write (2 write units); history adds the counter row (1 strongly
   * consistent read). A deduplicated request: a conditional PutItem and an UpdateItem (2 writes). A history message:
   * the counter read, its row (1 write per KB) and the counter raised (1 write). A cleanup: a Query on `by_connection`
   * (half a unit) and a delete per subscription, with its index write.
   */
  subscribeReads: 1,
  subscribeWrites: 2,
  subscribeRoundTrips: 3,
  deduplicationWrites: 2,
  deduplicationRoundTrips: 2,
  historyRoundTrips: 3,
} as const;

export const ASSUMED = {
  /** Lambda's CPU share: one vCPU at 1,769 MB, proportionally less below (AWS Lambda documentation). */
  mbPerVcpu: 1_769,
  /** Round trip of a DynamoDB call from Lambda in its Region, ms (`--dynamodb-ms`): not measured on AWS. */
  dynamoMs: 5,
  /** Round trip of a PostToConnection from Lambda, ms (`--post-ms`): the benchmarks' added latency, not measured on AWS. */
  postMs: 20,
  /** CPU of a connection stream record, ms, besides its calls' round trips. */
  streamRecordCpuMs: 2,
  /** Lambda's START, END and REPORT lines of an invocation, bytes (their text format with a 36-character request id). */
  platformLogBytes: 265,
  /** Archived logs ÷ ingested: the default of AWS's pricing calculator for CloudWatch Logs. */
  logCompression: 0.15,
  /** Item sizes, bytes: a connection row (user id, connection id, TTL) and a subscription row (+ channel, key). */
  connectionRowBytes: 100,
  subscriptionRowBytes: 120,
  /**
   * A client socket's life, minutes: the client package re-dials after 1 h 55 min, up to 5 min earlier (jitter), to stay
   * inside API Gateway's 2 hours; each socket is a `$connect` and a `$disconnect`.
   */
  socketMinutes: 112.5,
  /**
   * Empty receives of an idle SQS event source, per minute: 5 pollers long-polling 20 s each (Lambda's pollers; their
   * number on an idle queue is not documented).
   */
  idleReceivesPerMinute: 15,
  /** Records per stream batch: connects and disconnects arrive a few a second, one per invocation. */
  streamRecordsPerBatch: 1,
} as const;

/** The assumptions, in words, as the report lists them. */
export const ASSUMPTIONS: readonly string[] = [
  `A multicast's Lambda time is its round trips plus its CPU: one Query (${ASSUMED.dynamoMs} ms) and one post (${ASSUMED.postMs} ms), `
    + 'neither measured on AWS, then the measured CPU at the memory\'s vCPU share; broadcasts and channel publishes use '
    + 'the measured sizing model (the longer of CPU time and the Management API\'s bound).',
  'Records per SQS batch: the rate over the active hours × `maxBatchingWindow`, at least 1, at most `batchSize`; without a '
    + 'window a poller takes what has arrived, about one multicast. Broadcasts and channel publishes come one per invocation.',
  'Every request reaches SQS in its own SendMessage (SendMessageBatch would cut that line by up to 10×); queues idle '
    + `outside the active hours are long-polled at ${ASSUMED.idleReceivesPerMinute} empty receives a minute.`,
  'All traffic falls within the daily connected hours; custom metrics are billed for those hours only (prorated by the hour).',
  `Each connection re-dials every ${ASSUMED.socketMinutes} min on average (client package), a $connect (1 write) and a `
    + '$disconnect (1 write) each, not billed as messages; it subscribes again to its channels on every socket.',
  'Clients ping after 4 idle minutes (the client\'s `pingIntervalMs`): a ping and its pong are 2 messages.',
  'Messages fit one billing unit (32 KB API Gateway, 5 KB AppSync Events, 64 KB SQS and SNS) unless `--payload-kb` says otherwise.',
  'Not counted: data transfer out (the same bytes on either service), DynamoDB storage and backups (a few MB here), '
    + 'your $connect authorizer (JwtAuthorizer: one invocation per connect), CloudWatch API calls of the dashboard.',
];
