import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ChannelRule, ChannelsOptions } from '../channels-options';
import { ConnectionRoutesOptions, ConnectionUserIdSource } from '../connection-routes-options';
import { ConnectionsTableProps } from '../connections-table-props';
import { DeduplicationOptions } from '../deduplication-options';
import { LifecycleEventsOptions } from '../lifecycle-events-options';
import { MessageFormat } from '../message-format';
import { PusherAlarmsOptions } from '../pusher-alarms-options';
import { SegmentedBroadcastOptions } from '../segmented-broadcast-options';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/**
 * The props' types, checked at run time: TypeScript, Python and Java check them before the construct runs, plain
 * JavaScript does not, and a number where a `Duration` belongs would otherwise fail as a `TypeError` deep in the
 * construct (`timeout.isUnresolved is not a function`) instead of a message naming the prop.
 */
interface PropType {
  /** How a message names the type: `timeout must be a Duration (e.g. Duration.minutes(1))`. */
  readonly name: string;
  readonly test: (value: unknown) => boolean;
  /** A struct's fields: checked in turn, each under its own path (`segmentedBroadcast.timeMargin`). */
  readonly fields?: Fields;
  readonly required?: boolean;
}

type Fields = Readonly<Record<string, PropType>>;

type Indexable = Record<string, unknown>;

const isObject = (value: unknown): value is Indexable => typeof value === 'object' && value !== null;

function type(name: string, test: (value: unknown) => boolean): PropType {
  return { name, test };
}

function required(propType: PropType): PropType {
  return { ...propType, required: true };
}

/** Plain objects of props: `fields` lists those the construct reads (or all, for its own options). */
function struct(name: string, fields: Fields = {}): PropType {
  return { name, test: (value) => isObject(value) && !Array.isArray(value), fields };
}

function arrayOf(name: string, element: PropType): PropType {
  return type(name, (value) => Array.isArray(value) && value.every(element.test));
}

/** A resource of the app, or imported: a construct with these string attributes (tokens are strings too). */
function resource(name: string, ...attributes: string[]): PropType {
  return type(name, (value) => Construct.isConstruct(value) && attributes.every((a) => typeof (value as unknown as Indexable)[a] === 'string'));
}

function withMethods(name: string, ...methods: string[]): PropType {
  return type(name, (value) => isObject(value) && methods.every((m) => typeof value[m] === 'function'));
}

/** One of an enum's values (a numeric enum's object also maps the numbers back to the names: those are left out). */
function enumOf(name: string, values: object): PropType {
  const allowed = new Set(Object.entries(values).filter(([key]) => Number.isNaN(Number(key))).map(([, value]) => value));
  return type(name, (value) => allowed.has(value));
}

const STRING = type('a string', (value) => typeof value === 'string');
const NUMBER = type('a number', (value) => typeof value === 'number');
const BOOLEAN = type('a boolean', (value) => typeof value === 'boolean');
const STRINGS = arrayOf('an array of strings', STRING);
/** A `Duration` (exported for fields checked with their rule: a channel rule's `history`). */
export const DURATION = withMethods('a Duration (e.g. Duration.minutes(1))', 'toSeconds', 'toMilliseconds', 'toHumanString', 'isUnresolved', 'unitLabel');
const KEY = resource('an IKey', 'keyArn');
const ALARM_ACTIONS = arrayOf('an array of IAlarmAction (e.g. new SnsAction(topic))', withMethods('IAlarmAction', 'bind'));

const STAGE = required(type('an IWebSocketStage (a WebSocketStage, or one from WebSocketStage.fromWebSocketStageAttributes)',
  (value) => Construct.isConstruct(value) && typeof (value as unknown as Indexable).stageName === 'string'
    && isObject((value as unknown as Indexable).api) && typeof ((value as unknown as Indexable).api as Indexable).apiId === 'string'));

const USER_ID = required(type('a ConnectionUserId (ConnectionUserId.fromAuthorizer(), .fromIamCaller() or .anonymous())',
  (value) => isObject(value) && (Object.values(ConnectionUserIdSource) as unknown[]).includes(value.source) && typeof value.reference === 'string'));

/** Where the construct reads a field of aws-cdk-lib's own props, or passes a `Duration` on. */
const QUEUE_PROPS: Partial<Record<keyof sqs.QueueProps, PropType>> = {
  visibilityTimeout: DURATION,
  retentionPeriod: DURATION,
  deliveryDelay: DURATION,
  receiveMessageWaitTime: DURATION,
  dataKeyReuse: DURATION,
  fifo: BOOLEAN,
  deadLetterQueue: struct('a DeadLetterQueue'),
};

const QUEUE_EVENT_SOURCE_PROPS: Partial<Record<keyof lambdaEventSources.SqsEventSourceProps, PropType>> = {
  batchSize: NUMBER,
  maxBatchingWindow: DURATION,
  maxConcurrency: NUMBER,
  reportBatchItemFailures: BOOLEAN,
  enabled: BOOLEAN,
};

const TOPIC_PROPS: Partial<Record<keyof sns.TopicProps, PropType>> = {
  fifo: BOOLEAN,
  masterKey: KEY,
};

const CONNECTIONS_TABLE_PROPS: Record<keyof ConnectionsTableProps, PropType> = {
  tableName: STRING,
  removalPolicy: enumOf('a RemovalPolicy', RemovalPolicy),
  pointInTimeRecovery: BOOLEAN,
  deletionProtection: BOOLEAN,
  encryption: enumOf('a TableEncryption', dynamodb.TableEncryption),
  encryptionKey: KEY,
};

const SEGMENTED_BROADCAST: Record<keyof SegmentedBroadcastOptions, PropType> = {
  threshold: NUMBER,
  totalSegments: NUMBER,
  workerConcurrency: NUMBER,
  sendRatePerSecond: NUMBER,
  timeMargin: DURATION,
  maxCarryForwardAttempts: NUMBER,
};

const DEDUPLICATION: Record<keyof DeduplicationOptions, PropType> = {
  window: DURATION,
};

const CONNECTION_ROUTES: Record<keyof ConnectionRoutesOptions, PropType> = {
  userId: USER_ID,
  authorizer: withMethods('an IWebSocketRouteAuthorizer (e.g. a WebSocketLambdaAuthorizer)', 'bind'),
  connectionTtl: DURATION,
  authorizerContextAttributes: STRINGS,
};

const CHANNELS: Record<keyof ChannelsOptions, PropType> = {
  rules: arrayOf('an array of ChannelRule (ChannelRule.allow, ChannelRule.hook)', type('a ChannelRule', (value) => value instanceof ChannelRule)),
  maxSubscriptionsPerConnection: NUMBER,
  shards: NUMBER,
  subscriptionsTable: resource('an ITable', 'tableArn', 'tableName'),
  subscriptionsTableProps: struct('a ConnectionsTableProps', CONNECTIONS_TABLE_PROPS),
  historyTable: resource('an ITable', 'tableArn', 'tableName'),
  historyTableProps: struct('a ConnectionsTableProps', CONNECTIONS_TABLE_PROPS),
};

const LIFECYCLE_EVENTS: Record<keyof LifecycleEventsOptions, PropType> = {
  eventBus: resource('an IEventBus', 'eventBusArn', 'eventBusName'),
  offlineGracePeriod: DURATION,
  presenceTable: resource('an ITable', 'tableArn', 'tableName'),
  presenceTableProps: struct('a ConnectionsTableProps', CONNECTIONS_TABLE_PROPS),
};

const ALARMS: Record<keyof PusherAlarmsOptions, PropType> = {
  alarmActions: ALARM_ACTIONS,
  okActions: ALARM_ACTIONS,
  failedRequestsThreshold: NUMBER,
  oldestMessageAge: DURATION,
  connectionStreamIteratorAge: DURATION,
};

/** Every prop: a prop added to `WebsocketPusherProps` without its type here does not compile. */
const PROPS: Record<keyof WebsocketPusherProps, PropType> = {
  webSocketStage: STAGE,
  callbackUrl: STRING,
  connectionsTable: resource('an ITable', 'tableArn', 'tableName'),
  connectionsTableProps: struct('a ConnectionsTableProps', CONNECTIONS_TABLE_PROPS),
  userIdAttribute: STRING,
  connectionIdAttribute: STRING,
  timeToLiveAttribute: STRING,
  enableQueue: BOOLEAN,
  queue: resource('an IQueue', 'queueArn', 'queueUrl'),
  queueProps: struct('a QueueProps', QUEUE_PROPS),
  deadLetterQueueProps: struct('a QueueProps', QUEUE_PROPS),
  maxReceiveCount: NUMBER,
  batchSize: NUMBER,
  maxBatchingWindow: DURATION,
  maxConcurrency: NUMBER,
  queueEventSourceProps: struct('an SqsEventSourceProps', QUEUE_EVENT_SOURCE_PROPS),
  enableTopic: BOOLEAN,
  topic: resource('an ITopic', 'topicArn'),
  topicProps: struct('a TopicProps', TOPIC_PROPS),
  retryAttempts: NUMBER,
  maxInFlight: NUMBER,
  maxAttempts: NUMBER,
  scanSegments: NUMBER,
  segmentedBroadcast: struct('a SegmentedBroadcastOptions', SEGMENTED_BROADCAST),
  deduplication: struct('a DeduplicationOptions', DEDUPLICATION),
  connectionRoutes: struct('a ConnectionRoutesOptions', CONNECTION_ROUTES),
  enableDisconnect: BOOLEAN,
  channels: struct('a ChannelsOptions', CHANNELS),
  lifecycleEvents: struct('a LifecycleEventsOptions', LIFECYCLE_EVENTS),
  messageFormat: enumOf('a MessageFormat (e.g. MessageFormat.ENVELOPE)', MessageFormat),
  enablePingRoute: BOOLEAN,
  alarms: struct('a PusherAlarmsOptions', ALARMS),
  memorySize: NUMBER,
  timeout: DURATION,
  reservedConcurrentExecutions: NUMBER,
  architecture: type('an Architecture (e.g. Architecture.ARM_64)', (value) => isObject(value) && typeof value.name === 'string' && typeof value.dockerPlatform === 'string'),
  logRetention: enumOf('a RetentionDays (e.g. RetentionDays.ONE_MONTH)', logs.RetentionDays),
  logGroup: resource('an ILogGroup', 'logGroupArn', 'logGroupName'),
  runtime: type('a Runtime (e.g. Runtime.NODEJS_22_X)', (value) => isObject(value) && typeof value.name === 'string' && typeof value.runtimeEquals === 'function'),
  vpc: resource('an IVpc', 'vpcId'),
  vpcSubnets: struct('a SubnetSelection'),
  securityGroups: arrayOf('an array of ISecurityGroup', resource('ISecurityGroup', 'securityGroupId')),
  tracing: enumOf('a Tracing (e.g. Tracing.ACTIVE)', lambda.Tracing),
  environmentEncryption: KEY,
  serviceName: STRING,
  metricsNamespace: STRING,
};

/** A value as a message shows it: strings quoted, objects by their class. */
function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (!isObject(value)) return typeof value === 'function' ? 'a function' : String(value);
  if (Array.isArray(value)) return 'an array';
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** The props' type errors, and the props without the values that have them (so that no later check trips on them). */
export interface CheckedProps {
  readonly violations: string[];
  readonly props: WebsocketPusherProps;
}

function checkFields(path: string, given: Indexable, fields: Fields, violations: string[]): Indexable {
  const checked: Indexable = { ...given };
  for (const [name, propType] of Object.entries(fields)) {
    const prop = `${path}${name}`;
    const value = given[name];
    if (value === undefined) {
      if (propType.required) violations.push(`WebsocketPusher: ${prop} is required: ${propType.name}`);
    } else if (!propType.test(value)) {
      violations.push(`WebsocketPusher: ${prop} must be ${propType.name}, got ${shown(value)}`);
      delete checked[name];
    } else if (propType.fields) {
      checked[name] = checkFields(`${prop}.`, value as Indexable, propType.fields, violations);
    }
  }
  return checked;
}

/** Checks the type of every prop that has one, as `PROPS` lists them. */
export function checkPropTypes(props: unknown): CheckedProps {
  const violations: string[] = [];
  if (props !== undefined && (!isObject(props) || Array.isArray(props))) {
    return { violations: [`WebsocketPusher: the props must be a WebsocketPusherProps object, got ${shown(props)}`], props: {} as WebsocketPusherProps };
  }
  const checked = checkFields('', (props ?? {}) as Indexable, PROPS, violations);
  return { violations, props: checked as unknown as WebsocketPusherProps };
}
