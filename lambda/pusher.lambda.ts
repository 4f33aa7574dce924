/**
 * The pusher: SQS batches, SNS notifications or a direct invocation in, `POST @connections/{id}` out. The composition
 * root: it reads the configuration, builds the adapters once per container and hands them to the core.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { readConfig, readRegion, readTelemetryConfig, type PusherConfig } from './adapters/config';
import { DynamoConnectionStore } from './adapters/dynamo-connection-store';
import { DynamoHistoryStore } from './adapters/dynamo-history-store';
import { DynamoSubscriptionStore } from './adapters/dynamo-subscription-store';
import { PowertoolsDeduplication } from './adapters/powertools-deduplication';
import { PowertoolsReporter } from './adapters/powertools-reporter';
import { READ_SOCKETS, SignedHttpReads } from './adapters/signed-http-reads';
import { SignedHttpSender } from './adapters/signed-http-sender';
import { SqsWorkQueue } from './adapters/sqs-work-queue';
import { historyRetention } from '../src/shared/history';
import type { DeliveryDeps } from './core/delivery/deps';
import { PacedSender, workerBucket } from './core/pace';
import type { RetryPolicy } from './core/retry';
import { Semaphore } from './core/semaphore';
import { processEvent, type InvocationDeps } from './invocation/process-event';
import type { WorkDeps } from './work/deps';
import { SplitDecision } from './work/split';

/** `SendMessageBatch` entries SQS refuses for a transient reason are sent again, this many calls in all. */
const ENQUEUE_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsReporter(telemetry.serviceName, telemetry.metricsNamespace);

interface Dependencies {
  readonly delivery: DeliveryDeps;
  readonly invocation: InvocationDeps;
}

let deps: Dependencies | undefined;

/** Built on the first invocation and reused: clients keep their sockets alive across invocations. */
function dependencies(): Dependencies {
  if (deps) return deps;
  const config = readConfig(process.env);
  const postRetry: RetryPolicy = { attempts: config.maxAttempts, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  // The SDK's own handler cache: a command class's middleware is resolved once, not on every `send` (a multicast sends
  // a Query per user). No send of this client passes per-call options or adds middleware to a command, which the cache
  // would ignore. Measured: BENCHMARKS.md, "Issue 28, first step".
  const dynamodb = new DynamoDBClient({ cacheMiddleware: true });
  // A user's Query, a segment's Scan and a channel shard's Query without the SDK's per-command machinery, with the
  // client's own endpoint, credentials and retries (issue 28: BENCHMARKS.md, "Issue 28, second step"). A socket per
  // read in flight (the lookups of a multicast, the segments of a Scan, a channel's shards), at most the SDK's 50: a
  // Lambda function has 1,024 file descriptors, and the sender holds MAX_IN_FLIGHT sockets of its own.
  const reads = new SignedHttpReads(dynamodb, { maxSockets: Math.min(Math.max(config.maxQueriesInFlight, config.scanSegments), READ_SOCKETS) });
  const store = new DynamoConnectionStore(dynamodb, {
    reads,
    tableName: config.tableName,
    userIdAttribute: config.userIdAttribute,
    connectionIdAttribute: config.connectionIdAttribute,
    ttlAttribute: config.ttlAttribute,
    unprocessedRetry: postRetry,
  });
  const history = config.history;
  const subscriptions = config.channels && new DynamoSubscriptionStore(dynamodb, {
    tableName: config.channels.tableName,
    shards: config.channels.shards,
    unprocessed: { policy: postRetry },
    reads,
    // A history channel's subscribers are read consistently (see HistoryWriter).
    ...(history ? { consistent: (channel: string) => historyRetention(history.rules, channel) !== undefined } : {}),
  });
  const delivery: DeliveryDeps = {
    store,
    ...(config.disconnectEnabled && config.channelPresence ? { disconnectMarks: store } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    // One keep-alive socket per request in flight; Lambda's credentials (lambdaCredentials: the function's role).
    sender: new SignedHttpSender({ callbackUrl: config.callbackUrl, region: readRegion(process.env), maxSockets: config.maxInFlight }),
    sendSlots: new Semaphore(config.maxInFlight),
    querySlots: new Semaphore(config.maxQueriesInFlight),
    postRetry,
    scanSegments: config.scanSegments,
    log: reporter,
  };
  const deduplication = config.deduplication && new PowertoolsDeduplication(
    dynamodb, config.deduplication.tableName, config.deduplication.windowSeconds, process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'pusher');
  deps = {
    delivery,
    invocation: {
      work: workDependencies(config, store, delivery),
      rules: {
        disconnectEnabled: config.disconnectEnabled,
        messageFormat: config.messageFormat,
        channelsEnabled: config.channels !== undefined,
        ...(history ? { history: history.rules } : {}),
      },
      ...(history ? { history: { store: new DynamoHistoryStore(dynamodb, history.tableName), rules: history.rules } } : {}),
      ...(deduplication ? { deduplication } : {}),
    },
  };
  return deps;
}

/** The work queue's dependencies (follow-ups, and the segmented broadcast when it is on). */
function workDependencies(config: PusherConfig, store: DynamoConnectionStore, delivery: DeliveryDeps): WorkDeps | undefined {
  const work = config.work;
  if (!work) return undefined;
  const sqs = new SQSClient({});
  return {
    config: work,
    store,
    queue: new SqsWorkQueue(sqs, work.workQueueUrl, ENQUEUE_RETRY),
    deadLetters: work.deadLetterQueueUrl ? new SqsWorkQueue(sqs, work.deadLetterQueueUrl, ENQUEUE_RETRY) : { send: async () => undefined },
    // Workers pace every post, so that all of them together stay within RATE_LIMIT_PER_SECOND.
    workerDeps: { ...delivery, sender: new PacedSender(delivery.sender, workerBucket(work.sendRatePerSecond, work.workerConcurrency)) },
    userIdAttribute: config.userIdAttribute,
    connectionIdAttribute: config.connectionIdAttribute,
    messageFormat: config.messageFormat,
    ...(work.split ? { splitDecision: new SplitDecision(store, work.split.threshold, Date.now, delivery.subscriptions) } : {}),
    log: reporter,
  };
}

export const handler = async (event: unknown, context: Context) => {
  reporter.logger.addContext(context);
  let resolved: Dependencies;
  try {
    resolved = dependencies();
  } catch (e) {
    reporter.logger.error((e as Error).message, { error: e as Error });
    throw e;
  }
  return processEvent(event, context, resolved.delivery, reporter, resolved.invocation);
};
