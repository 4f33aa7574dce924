import { RemovalPolicy, Tokenization } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConnectionRoutesOptions } from '../connection-routes-options';
import { LifecycleEventsOptions } from '../lifecycle-events-options';
import { OWN_FUNCTION_TIMEOUT } from './own-function';
import { eventSourceVisibilityTimeout, FAILED_MESSAGE_RETENTION, secureQueue } from './secure-queue';
import { OFFLINE_GRACE_SECONDS, PRESENCE_ENV, PRESENCE_TABLE } from '../shared/presence';

/** Receives of a presence check before its queue moves it to the dead-letter queue. */
export const PRESENCE_CHECK_MAX_RECEIVE_COUNT = 5;

/** Presence checks per invocation: each is a few reads and writes, and one that fails is retried alone. */
export const PRESENCE_CHECK_BATCH_SIZE = 10;

/** The name of the account's default event bus, which `EVENT_BUS_NAME` carries when no bus is given. */
export const DEFAULT_EVENT_BUS_NAME = 'default';

/** What `lifecycleEvents` adds besides the connection stream function. */
export interface LifecycleEvents {
  readonly eventBus: events.IEventBus;
  readonly presenceTable: dynamodb.ITable;
  readonly presenceCheckQueue: sqs.IQueue;
  readonly presenceCheckDeadLetterQueue: sqs.IQueue;
  /** The connection stream function's settings for them (`PRESENCE_ENV`). */
  readonly environment: Record<string, string>;
}

/** The bus (given, or the account's default), the presence table, and the presence check queue with its dead-letter queue. */
export function createLifecycleEvents(scope: Construct, options: LifecycleEventsOptions, connectionRoutes: ConnectionRoutesOptions): LifecycleEvents {
  const eventBus = options.eventBus ?? events.EventBus.fromEventBusName(scope, 'DefaultEventBus', DEFAULT_EVENT_BUS_NAME);
  const presenceTable = options.presenceTable ?? createPresenceTable(scope, options);
  const presenceCheckDeadLetterQueue = secureQueue(scope, 'PresenceCheckDeadLetterQueue', { retentionPeriod: FAILED_MESSAGE_RETENTION });
  const presenceCheckQueue = secureQueue(scope, 'PresenceCheckQueue', {
    visibilityTimeout: eventSourceVisibilityTimeout(OWN_FUNCTION_TIMEOUT),
    // A check that keeps failing is kept (and alarmed on), never looped.
    deadLetterQueue: { queue: presenceCheckDeadLetterQueue, maxReceiveCount: PRESENCE_CHECK_MAX_RECEIVE_COUNT },
  });
  const grace = options.offlineGracePeriod?.toSeconds() ?? OFFLINE_GRACE_SECONDS.DEFAULT;
  return {
    eventBus,
    presenceTable,
    presenceCheckQueue,
    presenceCheckDeadLetterQueue,
    environment: {
      [PRESENCE_ENV.EVENT_BUS_NAME]: eventBus.eventBusName,
      [PRESENCE_ENV.PRESENCE_TABLE_NAME]: presenceTable.tableName,
      [PRESENCE_ENV.PRESENCE_CHECK_QUEUE_URL]: presenceCheckQueue.queueUrl,
      [PRESENCE_ENV.PRESENCE_CHECK_QUEUE_ARN]: presenceCheckQueue.queueArn,
      [PRESENCE_ENV.OFFLINE_GRACE_SECONDS]: Tokenization.stringifyNumber(grace),
      [PRESENCE_ENV.CONTEXT_ATTRIBUTES]: JSON.stringify(connectionRoutes.authorizerContextAttributes ?? []),
    },
  };
}

/**
 * What the connection stream function does for lifecycle events, and nothing more: `events:PutEvents` on the bus,
 * `GetItem` and `PutItem` on the presence table (a user's row is read, then replaced with a condition on what was read:
 * no `UpdateItem`, no `DeleteItem`, the row ends by its TTL), `Query` on the connections table (a user's live
 * connections), `sqs:SendMessage` on the check queue; and the check queue as its event source (which grants the receive).
 */
export function wireLifecycleEvents(fn: lambda.Function, lifecycle: LifecycleEvents, connectionsTable: dynamodb.ITable) {
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['events:PutEvents'], resourceArns: [lifecycle.eventBus.eventBusArn] });
  iam.Grant.addToPrincipal({
    grantee: fn, actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resourceArns: [lifecycle.presenceTable.tableArn],
  });
  lifecycle.presenceTable.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:Query'], resourceArns: [connectionsTable.tableArn] });
  connectionsTable.encryptionKey?.grantDecrypt(fn);
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [lifecycle.presenceCheckQueue.queueArn] });
  fn.addEventSource(new SqsEventSource(lifecycle.presenceCheckQueue, {
    batchSize: PRESENCE_CHECK_BATCH_SIZE,
    reportBatchItemFailures: true,
  }));
}

/** The presence table: a row per user online or leaving, keyed as `PRESENCE_TABLE` says, TTL on `expires_at`. */
function createPresenceTable(scope: Construct, options: LifecycleEventsOptions): dynamodb.Table {
  const props = options.presenceTableProps ?? {};
  return new dynamodb.Table(scope, 'PresenceTable', {
    tableName: props.tableName,
    partitionKey: { name: PRESENCE_TABLE.KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: PRESENCE_TABLE.USER_ID, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
    timeToLiveAttribute: PRESENCE_TABLE.EXPIRES_AT,
    deletionProtection: props.deletionProtection,
    encryption: props.encryption,
    encryptionKey: props.encryptionKey,
    // Presence is derived from live connections: a new table loses the states of the users online at the time.
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
}
