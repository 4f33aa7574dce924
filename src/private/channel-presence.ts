import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { WebsocketPusherProps } from '../websocket-pusher-props';
import { Channels, hasPresence } from './channels';
import { ConnectionStream } from './connection-stream';
import { TableAttributes } from './connections-table';
import { ENV } from '../shared/constants';
import { DISCONNECT_REQUEST_ATTRIBUTE, PRESENCE_ENV } from '../shared/presence';

export interface ChannelPresenceInputs {
  readonly connectionsTable: dynamodb.ITable;
  readonly attributes: TableAttributes;
  /** The pusher's work queue: the `join` / `leave` frames go through it to the channel's subscribers. */
  readonly workQueue: sqs.IQueue;
  /** The pusher function: with `enableDisconnect`, it marks a row before a disconnect request closes it. */
  readonly pusher: lambda.Function;
}

/**
 * With channels and lifecycle events, the channels function puts `Subscribed` and `Unsubscribed` on the bus: its name in
 * `EVENT_BUS_NAME`, exactly `events:PutEvents` on it. (The connection stream function, which puts a gone connection's
 * `Unsubscribed`, has both already.)
 */
function wireChannelEvents(made: { readonly channels?: Channels; readonly stream?: ConnectionStream }): void {
  const bus = made.stream?.lifecycleEvents?.eventBus;
  if (!made.channels || !bus) return;
  made.channels.channelsFunction.addEnvironment(PRESENCE_ENV.EVENT_BUS_NAME, bus.eventBusName);
  iam.Grant.addToPrincipal({ grantee: made.channels.channelsFunction, actions: ['events:PutEvents'], resourceArns: [bus.eventBusArn] });
}

/**
 * Channel presence (a rule turns it on), once the work queue exists. The channels function joins and leaves members
 * (a user's member row in the presence table: `GetItem`, conditional `PutItem`, never deleted (a member who left is
 * a tombstone the TTL removes); the members listed and counted: `Query`), finds whether a connection of the user is
 * subscribed (`Query` on the connections table, `GetItem` on the subscriptions table, which it has), and hands the
 * frames to the work queue (`SendMessage`; the queue's encryption is SQS's own, no key to grant). The connection stream
 * function does the same for a gone connection's presence channels after the grace period, with the presence table's
 * `GetItem` / `PutItem` and the check queue it has; it needs `GetItem` on the subscriptions table besides.
 */
export function wireChannelPresence(
  props: Pick<WebsocketPusherProps, 'channels' | 'enableDisconnect'>, made: { readonly channels?: Channels; readonly stream?: ConnectionStream }, inputs: ChannelPresenceInputs,
): void {
  const options = props.channels;
  wireChannelEvents(made);
  const presenceTable = made.stream?.lifecycleEvents?.presenceTable;
  if (!options || !hasPresence(options) || !made.channels || !made.stream || !presenceTable) return;
  const { channelsFunction, subscriptionsTable } = made.channels;
  const { connectionStreamFunction } = made.stream;
  const { connectionsTable, workQueue, attributes } = inputs;
  channelsFunction.addEnvironment(PRESENCE_ENV.PRESENCE_TABLE_NAME, presenceTable.tableName);
  channelsFunction.addEnvironment(ENV.WORK_QUEUE_URL, workQueue.queueUrl);
  channelsFunction.addEnvironment(ENV.TABLE_NAME, connectionsTable.tableName);
  channelsFunction.addEnvironment(ENV.USER_ID_ATTRIBUTE, attributes.userIdAttribute);
  channelsFunction.addEnvironment(ENV.CONNECTION_ID_ATTRIBUTE, attributes.connectionIdAttribute);
  channelsFunction.addEnvironment(ENV.TTL_ATTRIBUTE, attributes.ttlAttribute);
  iam.Grant.addToPrincipal({
    grantee: channelsFunction,
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    resourceArns: [presenceTable.tableArn],
  });
  presenceTable.encryptionKey?.grant(channelsFunction, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  iam.Grant.addToPrincipal({ grantee: channelsFunction, actions: ['dynamodb:Query'], resourceArns: [connectionsTable.tableArn] });
  connectionsTable.encryptionKey?.grantDecrypt(channelsFunction);

  connectionStreamFunction.addEnvironment(PRESENCE_ENV.CHANNEL_PRESENCE, 'true');
  connectionStreamFunction.addEnvironment(ENV.WORK_QUEUE_URL, workQueue.queueUrl);
  iam.Grant.addToPrincipal({ grantee: connectionStreamFunction, actions: ['dynamodb:GetItem'], resourceArns: [subscriptionsTable.tableArn] });

  for (const fn of [channelsFunction, connectionStreamFunction]) {
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [workQueue.queueArn] });
  }
  if (props.enableDisconnect) wireDisconnectMarks(inputs);
}

/**
 * With disconnect requests, the pusher sets `disconnect_request` on a row before it closes the connection (so that
 * the stream leaves its presence channels at once): `CHANNEL_PRESENCE` and exactly `dynamodb:UpdateItem` on the
 * connections table, on no attribute but the key and `disconnect_request` and returning nothing (with the table key's
 * encrypt, if customer-managed; the pusher can decrypt already).
 */
function wireDisconnectMarks({ pusher, connectionsTable, attributes }: ChannelPresenceInputs): void {
  pusher.addEnvironment(PRESENCE_ENV.CHANNEL_PRESENCE, 'true');
  pusher.addToRolePolicy(new iam.PolicyStatement({
    actions: ['dynamodb:UpdateItem'],
    resources: [connectionsTable.tableArn],
    conditions: {
      'ForAllValues:StringEquals': {
        'dynamodb:Attributes': [attributes.userIdAttribute, attributes.connectionIdAttribute, DISCONNECT_REQUEST_ATTRIBUTE],
      },
      'StringEqualsIfExists': { 'dynamodb:ReturnValues': 'NONE' },
    },
  }));
  connectionsTable.encryptionKey?.grant(pusher, 'kms:Encrypt', 'kms:GenerateDataKey');
}
