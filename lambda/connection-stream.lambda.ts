/**
 * The connection stream function, on the connections table's stream and on the presence check queue. A stream
 * record: `Connected` / `Disconnected` and the user's presence (`EVENT_BUS_NAME` set), a gone connection's
 * subscriptions removed (`SUBSCRIPTIONS_TABLE_NAME` set). A check message: `UserOffline` once the grace period has
 * passed with no live connection. Partial batch failures either way. The composition root: it reads the
 * configuration, builds the adapters once per container and hands them to the core.
 */
// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line import/no-extraneous-dependencies
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
// eslint-disable-next-line import/no-extraneous-dependencies
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { readTelemetryConfig } from './adapters/config';
import { dynamoMemberDeps, type MemberResources } from './channel-presence/adapters/member-deps';
import { checkMember } from './channel-presence/core/members';
import { DynamoConnectionDirectory } from './connection-stream/adapters/dynamo-connection-directory';
import { DynamoPresenceStore } from './connection-stream/adapters/dynamo-presence-store';
import { DynamoSubscriptionStore } from './connection-stream/adapters/dynamo-subscription-store';
import { EventBridgePublisher } from './connection-stream/adapters/eventbridge-publisher';
import { PowertoolsStreamReporter } from './connection-stream/adapters/powertools-stream-reporter';
import type { PresenceConfig } from './connection-stream/adapters/presence-config';
import { SqsCheckQueue } from './connection-stream/adapters/sqs-check-queue';
import { readStreamConfig } from './connection-stream/adapters/stream-config';
import { processChecks, type CheckBatchDeps } from './connection-stream/core/check-batch';
import { keyOf } from './connection-stream/core/lifecycle';
import { runCheck, type CheckResult } from './connection-stream/core/presence-check';
import { processBatch, type BatchDeps } from './connection-stream/core/process-batch';
import { orderKeyOf, recordHandlers } from './connection-stream/core/record-handlers';
import type { ChannelPresenceDeps } from './connection-stream/core/record-handlers';
import type { PresenceDeps } from './connection-stream/core/user-presence';

/** Records handled at once (different users, or items; one user's records stay in order). */
const CONCURRENCY = 8;
/** PutEvents calls per chunk while some of its entries come back failed (then the record fails and is retried). */
const PUT_EVENTS_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 } as const;

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsStreamReporter(telemetry.serviceName, telemetry.metricsNamespace);

interface Deps {
  readonly stream: BatchDeps;
  readonly checks: CheckBatchDeps;
}
let deps: Deps | undefined;

/** Built on the first invocation and reused: the clients keep their sockets alive across invocations. */
function dependencies(): Deps {
  if (deps) return deps;
  const config = readStreamConfig(process.env);
  const dynamo = new DynamoDBClient({});
  const directory = config.presence && new DynamoConnectionDirectory(dynamo, {
    tableName: config.presence.connectionsTableName,
    userIdAttribute: config.userIdAttribute,
    connectionIdAttribute: config.connectionIdAttribute,
    ttlAttribute: config.presence.ttlAttribute,
  });
  const presence = config.presence && directory && presenceDeps(config.presence, directory, dynamo);
  const members = presence && directory && config.channelPresence && config.cleanup
    ? memberDeps(presence, directory, {
      ...config.channelPresence, subscriptionsTableName: config.cleanup.subscriptionsTableName, presenceTableName: config.presence!.presenceTableName,
    }, dynamo)
    : undefined;
  const handlerDeps = {
    attributes: {
      userIdAttribute: config.userIdAttribute,
      connectionIdAttribute: config.connectionIdAttribute,
      contextAttributes: config.presence?.contextAttributes ?? [],
    },
    ...(config.cleanup ? {
      subscriptions: new DynamoSubscriptionStore(dynamo, {
        tableName: config.cleanup.subscriptionsTableName,
        unprocessedRetry: config.cleanup.unprocessedRetry,
      }),
    } : {}),
    ...(presence ? { presence } : {}),
    ...(members ? { members } : {}),
  };
  reporter.features = { cleanup: config.cleanup !== undefined, presence: presence !== undefined, channelPresence: members !== undefined };
  deps = {
    stream: {
      handlers: recordHandlers(handlerDeps),
      orderKey: orderKeyOf(handlerDeps),
      concurrency: CONCURRENCY,
      connectionIdOf: (record: DynamoDBRecord) => keyOf(record, config.connectionIdAttribute),
      userIdOf: (record: DynamoDBRecord) => keyOf(record, config.userIdAttribute),
      now: Date.now,
    },
    checks: {
      queueArn: config.presence?.checkQueueArn,
      run: async (check): Promise<CheckResult> => {
        if (!presence) throw new Error('presence is not configured');
        if (check.channel === undefined) return runCheck(presence, check);
        if (!members) throw new Error(`a check of channel '${check.channel}', but channel presence is not configured`);
        const change = await checkMember(members, { ...check, channel: check.channel });
        return { outcome: change === 'left' ? 'left' : change === 'rejoined' ? 'reconnected' : 'stale', counts: { members: { [change]: 1 } } };
      },
      concurrency: CONCURRENCY,
      now: Date.now,
    },
  };
  return deps;
}

function presenceDeps(config: PresenceConfig, connections: DynamoConnectionDirectory, dynamo: DynamoDBClient): PresenceDeps {
  return {
    store: new DynamoPresenceStore(dynamo, config.presenceTableName),
    connections,
    publisher: new EventBridgePublisher(new EventBridgeClient({}), {
      eventBusName: config.eventBusName,
      source: telemetry.serviceName,
      retry: PUT_EVENTS_RETRY,
    }),
    checks: new SqsCheckQueue(new SQSClient({}), config.checkQueueUrl),
    graceSeconds: config.graceSeconds,
    now: Date.now,
  };
}

function memberDeps(
  presence: PresenceDeps, connections: DynamoConnectionDirectory,
  config: MemberResources, dynamo: DynamoDBClient,
): ChannelPresenceDeps {
  const members = dynamoMemberDeps({ dynamo, sqs: new SQSClient({}) }, connections, config);
  return { ...members, checks: presence.checks, graceSeconds: presence.graceSeconds };
}

/** SQS records (the presence check queue's); Lambda never mixes sources in one event. */
function isSqsEvent(records: ReadonlyArray<DynamoDBRecord | SQSRecord>): records is SQSRecord[] {
  return records.length > 0 && records.every((record) => (record as SQSRecord).eventSource === 'aws:sqs');
}

export const handler = async (event: DynamoDBStreamEvent | SQSEvent, context: Context): Promise<DynamoDBBatchResponse | SQSBatchResponse> => {
  reporter.logger.addContext(context);
  let resolved: Deps;
  try {
    resolved = dependencies();
  } catch (e) {
    // The whole batch fails: Lambda retries it, then hands it to the on-failure destination (or the queue's DLQ).
    reporter.error((e as Error).message, e as Error);
    throw e;
  }
  const records: ReadonlyArray<DynamoDBRecord | SQSRecord> = event.Records ?? [];
  if (isSqsEvent(records)) {
    const { batchItemFailures, report } = await processChecks(records, resolved.checks);
    reporter.reportChecks(report);
    return { batchItemFailures };
  }
  const { batchItemFailures, report } = await processBatch(records as DynamoDBRecord[], resolved.stream);
  reporter.report(report);
  return { batchItemFailures };
};
