import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConnectionRoutesOptions } from '../connection-routes-options';
import { ConnectionStreamFunction } from '../connection-stream-function';
import { LifecycleEventsOptions } from '../lifecycle-events-options';
import { grantSubscriptions } from './channels';
import { TableAttributes } from './connections-table';
import { createLifecycleEvents, LifecycleEvents, wireLifecycleEvents } from './lifecycle-events';
import { suppressNag } from './nag';
import { ownFunction } from './own-function';
import { FAILED_MESSAGE_RETENTION, secureQueue } from './secure-queue';
import { CHANNELS_ENV } from '../shared/channels';
import { ENV } from '../shared/constants';

export interface ConnectionStreamInputs {
  readonly connectionsTable: dynamodb.ITable;
  readonly attributes: TableAttributes;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /** With channels: the table whose rows of a gone connection the function deletes. */
  readonly channels?: { readonly subscriptionsTable: dynamodb.ITable; readonly shards: number };
  /** With lifecycle events. */
  readonly lifecycleEvents?: { readonly options: LifecycleEventsOptions; readonly connectionRoutes: ConnectionRoutesOptions };
}

/** The function on the connections table's stream, and what it uses. */
export interface ConnectionStream {
  readonly connectionStreamFunction: lambda.Function;
  /** The stream batches the function could not finish: kept, never dropped. */
  readonly failuresQueue: sqs.IQueue;
  readonly lifecycleEvents?: LifecycleEvents;
}

/**
 * The connection stream function, made once for channels and lifecycle events: with channels it removes a connection's
 * subscriptions when its row goes ($disconnect, TTL, a prune on 410, a disconnect request); with lifecycle events it
 * puts them on the bus and keeps user presence (with its presence check queue as a second event source). The stream:
 * partial batch failures, bisect on error, 10 retries, then the failures queue.
 */
export function addConnectionStream(scope: Construct, inputs: ConnectionStreamInputs): ConnectionStream {
  const lifecycleEvents = inputs.lifecycleEvents
    ? createLifecycleEvents(scope, inputs.lifecycleEvents.options, inputs.lifecycleEvents.connectionRoutes)
    : undefined;
  const connectionStreamFunction = ownFunction(scope, 'ConnectionStreamFunction', 'connection-stream',
    (props) => new ConnectionStreamFunction(scope, 'ConnectionStreamFunction', props), {
      ...inputs.channels ? {
        [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: inputs.channels.subscriptionsTable.tableName,
        [CHANNELS_ENV.CHANNEL_SHARDS]: String(inputs.channels.shards),
      } : {},
      [ENV.SERVICE_NAME]: inputs.serviceName,
      [ENV.METRICS_NAMESPACE]: inputs.metricsNamespace,
      [ENV.CONNECTION_ID_ATTRIBUTE]: inputs.attributes.connectionIdAttribute,
      ...lifecycleEvents ? {
        [ENV.TABLE_NAME]: inputs.connectionsTable.tableName,
        [ENV.USER_ID_ATTRIBUTE]: inputs.attributes.userIdAttribute,
        [ENV.TTL_ATTRIBUTE]: inputs.attributes.ttlAttribute,
        ...lifecycleEvents.environment,
      } : {},
    });
  if (inputs.channels) {
    grantSubscriptions(connectionStreamFunction, inputs.channels.subscriptionsTable, ['dynamodb:BatchWriteItem'], ['dynamodb:Query']);
  }
  if (lifecycleEvents) wireLifecycleEvents(connectionStreamFunction, lifecycleEvents, inputs.connectionsTable);

  const failuresQueue = secureQueue(scope, 'CleanupFailuresQueue', { retentionPeriod: FAILED_MESSAGE_RETENTION });
  suppressNag(failuresQueue, 'AwsSolutions-SQS3',
    `This queue is the terminal destination of the stream batches the ${inputs.lifecycleEvents ? 'connection stream function' : 'cleanup'} could not finish (the event source mapping's on-failure destination); it has no consumer to fail.`);
  connectionStreamFunction.addEventSource(new DynamoEventSource(inputs.connectionsTable, {
    startingPosition: lambda.StartingPosition.LATEST,
    batchSize: 100,
    bisectBatchOnError: true,
    retryAttempts: 10,
    reportBatchItemFailures: true,
    onFailure: new SqsDlq(failuresQueue),
  }));
  suppressNag(connectionStreamFunction.role!.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5',
    'The DynamoDB event source grants dynamodb:ListStreams, which supports no resource-level scoping; the stream itself is read by its ARN.',
    [{ regex: '/^Resource::\\*$/g' }]);
  return { connectionStreamFunction, failuresQueue, lifecycleEvents };
}
