import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MessageFormat } from '../message-format';
import { TableAttributes } from './connections-table';
import { CONSTRUCT_DEFAULTS } from './defaults';
import { suppressNag } from './nag';
import { PusherFunction } from '../pusher-function';
import { DEFAULTS, ENV, PUSHER_METADATA_KEY } from '../shared/constants';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** What the pusher function is given, besides the user's settings. */
export interface PusherFunctionResources {
  readonly role: iam.IRole;
  readonly logGroup: logs.ILogGroup;
  readonly connectionsTable: dynamodb.ITable;
  readonly attributes: TableAttributes;
  readonly callbackUrl: string;
  readonly timeout: Duration;
  /** Only with the SNS source: the destination of asynchronous invocations that still fail after retries. */
  readonly failedEventsQueue?: sqs.IQueue;
  /** The `service` dimension and log field. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

export function createPusherFunction(
  scope: Construct,
  props: WebsocketPusherProps,
  resources: PusherFunctionResources,
): lambda.Function {
  const { failedEventsQueue } = resources;
  const fn = new PusherFunction(scope, 'Function', {
    description: 'WebsocketPusher: pushes notification requests to API Gateway WebSocket connections',
    role: resources.role,
    logGroup: resources.logGroup,
    architecture: props.architecture ?? lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? CONSTRUCT_DEFAULTS.MEMORY_SIZE,
    timeout: resources.timeout,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.securityGroups,
    tracing: props.tracing,
    environmentEncryption: props.environmentEncryption,
    retryAttempts: failedEventsQueue ? props.retryAttempts ?? CONSTRUCT_DEFAULTS.RETRY_ATTEMPTS : undefined,
    onFailure: failedEventsQueue ? new destinations.SqsDestination(failedEventsQueue) : undefined,
    environment: {
      [ENV.TABLE_NAME]: resources.connectionsTable.tableName,
      [ENV.USER_ID_ATTRIBUTE]: resources.attributes.userIdAttribute,
      [ENV.CONNECTION_ID_ATTRIBUTE]: resources.attributes.connectionIdAttribute,
      [ENV.TTL_ATTRIBUTE]: resources.attributes.ttlAttribute,
      [ENV.CALLBACK_URL]: resources.callbackUrl,
      [ENV.MAX_IN_FLIGHT]: String(props.maxInFlight ?? DEFAULTS.MAX_IN_FLIGHT),
      [ENV.MAX_ATTEMPTS]: String(props.maxAttempts ?? DEFAULTS.MAX_ATTEMPTS),
      [ENV.SCAN_SEGMENTS]: String(props.scanSegments ?? DEFAULTS.SCAN_SEGMENTS),
      [ENV.SERVICE_NAME]: resources.serviceName,
      [ENV.METRICS_NAMESPACE]: resources.metricsNamespace,
      ...(props.enableDisconnect ? { [ENV.DISCONNECT_ENABLED]: 'true' } : {}),
      ...(props.messageFormat === MessageFormat.ENVELOPE ? { [ENV.MESSAGE_FORMAT]: MessageFormat.ENVELOPE } : {}),
    },
  });
  // What `cdk-websocket-pusher local` finds the pusher of a synthesized app by (not its logical id).
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(PUSHER_METADATA_KEY, { function: 'pusher' });
  // The generated PusherFunction fixes Node.js 22; a later Node.js runs the same bundle.
  if (props.runtime) {(fn.node.defaultChild as lambda.CfnFunction).runtime = props.runtime.name;} else {
    suppressNag(fn, 'AwsSolutions-L1',
      'The handler bundle is built and tested for Node.js 22, its default runtime; the runtime prop moves it to a later Node.js.');
  }
  return fn;
}
