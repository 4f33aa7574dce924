import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CHANNEL_SHARDS, CHANNELS_ENV } from '../shared/channels';
import { WebsocketPusherProps } from '../websocket-pusher-props';
import { addChannels, Channels } from './channels';
import { addConnectionRoutes } from './connection-routes';
import { addConnectionStream, ConnectionStream } from './connection-stream';
import { TableAttributes } from './connections-table';
import { addHistory } from './history';
import { grantChannelReads } from './permissions';
import { addPingRoute, routeSelectionViolation } from './ping-route';

export interface ClientRoutesInputs {
  readonly role: iam.Role;
  readonly pusherFunction: lambda.Function;
  readonly connectionsTable: dynamodb.ITable;
  readonly attributes: TableAttributes;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /** The Management API endpoint the pusher posts to: with history, the channels function posts a `resume`'s replay. */
  readonly callbackUrl: string;
}

export interface ClientRoutes {
  readonly connectRoute?: apigwv2.WebSocketRoute;
  readonly disconnectRoute?: apigwv2.WebSocketRoute;
  readonly connectionRoutesRole?: iam.IRole;
  readonly pingRoute?: apigwv2.WebSocketRoute;
  readonly channels?: Channels;
  /** With a channel rule's history: the history table, created or given. */
  readonly historyTable?: dynamodb.ITable;
  /** With channels or lifecycle events: the connection stream function and what it uses. */
  readonly stream?: ConnectionStream;
}

/**
 * The routes clients use: `$connect` / `$disconnect`, `ping`, and the channels' `subscribe`, `unsubscribe`, `$default`
 * (and `presence`, `resume`, with the history table); and what follows their connections: the connection stream
 * function (channels, lifecycle events).
 */
export function addClientRoutes(scope: Construct, props: WebsocketPusherProps, inputs: ClientRoutesInputs): ClientRoutes {
  const api = props.webSocketStage.api;
  const connection = props.connectionRoutes
    ? addConnectionRoutes(scope, api, inputs.connectionsTable, inputs.attributes, props.connectionRoutes)
    : undefined;
  const pingByDefault = props.connectionRoutes !== undefined && routeSelectionViolation(api, 'enablePingRoute') === undefined;
  const pingRoute = (props.enablePingRoute ?? pingByDefault) ? addPingRoute(scope, api) : undefined;
  const channels = props.channels && props.connectionRoutes
    ? addChannels(scope, { ...inputs, api, options: props.channels, connectionRoutes: props.connectionRoutes })
    : undefined;
  if (channels) {
    grantChannelReads(inputs.role, channels.subscriptionsTable);
    inputs.pusherFunction.addEnvironment(CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME, channels.subscriptionsTable.tableName);
    inputs.pusherFunction.addEnvironment(CHANNELS_ENV.CHANNEL_SHARDS, String(props.channels?.shards ?? CHANNEL_SHARDS.DEFAULT));
  }
  const historyTable = channels && props.channels ? addHistory(scope, {
    options: props.channels,
    stage: props.webSocketStage,
    callbackUrl: inputs.callbackUrl,
    pusherRole: inputs.role,
    pusherFunction: inputs.pusherFunction,
    channelsFunction: channels.channelsFunction,
    subscriptionsTable: channels.subscriptionsTable,
  }) : undefined;
  const lifecycleEvents = props.lifecycleEvents && props.connectionRoutes
    ? { options: props.lifecycleEvents, connectionRoutes: props.connectionRoutes }
    : undefined;
  const stream = channels || lifecycleEvents
    ? addConnectionStream(scope, {
      ...inputs,
      channels: channels && { subscriptionsTable: channels.subscriptionsTable, shards: props.channels?.shards ?? CHANNEL_SHARDS.DEFAULT },
      lifecycleEvents,
    })
    : undefined;
  return {
    connectRoute: connection?.connectRoute,
    disconnectRoute: connection?.disconnectRoute,
    connectionRoutesRole: connection?.role,
    pingRoute,
    channels,
    historyTable,
    stream,
  };
}
