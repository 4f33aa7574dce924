import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ConnectionsTableProps } from '../connections-table-props';
import { DEFAULTS } from '../shared/constants';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** The attribute names of the connections table, which the created table and the handler both use. */
export interface TableAttributes {
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly ttlAttribute: string;
}

export function tableAttributes(props: WebsocketPusherProps): TableAttributes {
  return {
    userIdAttribute: props.userIdAttribute ?? DEFAULTS.USER_ID_ATTRIBUTE,
    connectionIdAttribute: props.connectionIdAttribute ?? DEFAULTS.CONNECTION_ID_ATTRIBUTE,
    ttlAttribute: props.timeToLiveAttribute ?? DEFAULTS.TTL_ATTRIBUTE,
  };
}

export function createConnectionsTable(
  scope: Construct,
  props: ConnectionsTableProps,
  attributes: TableAttributes,
  stream?: dynamodb.StreamViewType,
): dynamodb.Table {
  return new dynamodb.Table(scope, 'ConnectionsTable', {
    tableName: props.tableName,
    partitionKey: { name: attributes.userIdAttribute, type: dynamodb.AttributeType.STRING },
    sortKey: { name: attributes.connectionIdAttribute, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
    timeToLiveAttribute: attributes.ttlAttribute,
    deletionProtection: props.deletionProtection,
    encryption: props.encryption,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy,
    stream,
  });
}
