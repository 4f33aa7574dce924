import { Duration, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { connectionRoutesViolations } from './connection-routes';
import { tableAttributes } from './connections-table';
import { functionTimeout } from './defaults';
import { historyViolations } from './history';
import { routeSelectionViolation } from './ping-route';
import { MessageFormat } from '../message-format';
import { checkPropTypes } from './prop-types';
import { CHANNEL_SHARDS, patternProblem, SUBSCRIPTIONS_PER_CONNECTION } from '../shared/channels';
import { DEFAULTS } from '../shared/constants';
import { OFFLINE_GRACE_SECONDS } from '../shared/presence';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** A check of the props: the message of its violation, or nothing. */
type Rule = (props: WebsocketPusherProps) => string | string[] | undefined;

/** The value an integer rule checks: a prop, or a field of the props' options. */
type Getter = (props: WebsocketPusherProps) => number | undefined;

/** What SQS uses when a queue sets no visibility timeout. */
const SQS_DEFAULT_VISIBILITY_SECONDS = 30;
const QUEUE_SETTINGS = ['queue', 'queueProps', 'deadLetterQueueProps', 'maxReceiveCount', 'batchSize', 'maxBatchingWindow', 'maxConcurrency',
  'queueEventSourceProps'] as const;
const TOPIC_SETTINGS = ['topic', 'topicProps', 'retryAttempts'] as const;

/** Each resource is brought or customised, never both (the Solutions Constructs rule). */
function exclusive(existing: keyof WebsocketPusherProps, created: keyof WebsocketPusherProps): Rule {
  return (props) => (props[existing] !== undefined && props[created] !== undefined
    ? `WebsocketPusher: give either ${existing} (an existing resource) or ${created} (to customise the created one), not both`
    : undefined);
}

function integer(name: string, value: Getter, min: number, max: number): Rule {
  return (props) => {
    const given = value(props);
    if (given === undefined || Token.isUnresolved(given)) return undefined;
    return Number.isInteger(given) && given >= min && given <= max
      ? undefined
      : `WebsocketPusher: ${name} must be an integer from ${min} to ${max}, got ${given}`;
  };
}

/** Settings of a source that is switched off. */
function disabledSource(flag: 'enableQueue' | 'enableTopic', settings: readonly (keyof WebsocketPusherProps)[]): Rule {
  return (props) => {
    const given = props[flag] === false ? settings.filter((name) => props[name] !== undefined) : [];
    return given.length ? `WebsocketPusher: ${flag} is false, so ${given.join(', ')} cannot be given` : undefined;
  };
}

function notBothInEventSource(name: 'batchSize' | 'maxBatchingWindow' | 'maxConcurrency'): Rule {
  return (props) => (props.queueEventSourceProps?.[name] !== undefined && props[name] !== undefined
    ? `WebsocketPusher: give ${name} either as a prop or in queueEventSourceProps, not both`
    : undefined);
}

function notEmpty(name: 'userIdAttribute' | 'connectionIdAttribute' | 'timeToLiveAttribute'): Rule {
  return (props) => {
    const value = props[name];
    return value !== undefined && !Token.isUnresolved(value) && value.trim() === '' ? `WebsocketPusher: ${name} must not be empty` : undefined;
  };
}

function cloudWatchName(name: 'serviceName' | 'metricsNamespace'): Rule {
  return (props) => {
    const value = props[name];
    return value !== undefined && !Token.isUnresolved(value) && !/^[^:\s][^:]{0,254}$/.test(value)
      ? `WebsocketPusher: ${name} must be 1 to 255 characters, not starting with a space, without ':', got '${value}'`
      : undefined;
  };
}

/** What channels need: the identity `$connect` stores, the envelope, valid rules, a stream on a given connections table. */
function channelsViolations(props: WebsocketPusherProps): string[] {
  const channels = props.channels;
  if (!channels) return [];
  const violations: string[] = [];
  if (!props.connectionRoutes) violations.push('WebsocketPusher: channels needs connectionRoutes (a subscribe is judged by the identity $connect stores)');
  if (props.messageFormat !== MessageFormat.ENVELOPE) {
    violations.push('WebsocketPusher: channels needs messageFormat: MessageFormat.ENVELOPE (a client subscribed to two channels tells them apart by the envelope\'s channel)');
  }
  if (!Array.isArray(channels.rules) || channels.rules.length === 0) violations.push('WebsocketPusher: channels.rules needs at least one rule');
  const rules = Array.isArray(channels.rules) ? channels.rules : [];
  for (const rule of rules) {
    const problem = typeof rule?.pattern === 'string' ? patternProblem(rule.pattern) : 'not a string';
    if (problem) violations.push(`WebsocketPusher: channels.rules: the pattern '${rule?.pattern}' is not one: ${problem}`);
    if (rule && typeof rule.presence !== 'boolean') violations.push(`WebsocketPusher: channels.rules: presence on '${rule.pattern}' must be a boolean`);
  }
  const presenceRule = rules.find((rule) => rule?.presence === true);
  if (presenceRule && !props.lifecycleEvents) violations.push(`WebsocketPusher: channels.rules: presence on '${presenceRule.pattern}' needs lifecycleEvents (its presence table and grace period)`);
  if (channels.subscriptionsTable && channels.subscriptionsTableProps) violations.push('WebsocketPusher: give either channels.subscriptionsTable (an existing resource) or channels.subscriptionsTableProps (to customise the created one), not both');
  violations.push(...historyViolations(channels));
  const selection = props.webSocketStage ? routeSelectionViolation(props.webSocketStage.api, 'channels') : undefined;
  if (selection) violations.push(selection);
  return violations;
}

/**
 * What lifecycle events need: the rows `$connect` writes (the stream carries them), a grace period SQS can delay, one
 * presence table.
 */
function lifecycleEventsViolations(props: WebsocketPusherProps): string[] {
  const options = props.lifecycleEvents;
  if (!options) return [];
  const violations: string[] = [];
  if (!props.connectionRoutes) {
    violations.push('WebsocketPusher: lifecycleEvents needs connectionRoutes (the rows $connect writes are what the connections table\'s stream carries)');
  }
  if (options.presenceTable && options.presenceTableProps) {
    violations.push('WebsocketPusher: give either lifecycleEvents.presenceTable (an existing resource) or lifecycleEvents.presenceTableProps (to customise the created one), not both');
  }
  const grace = options.offlineGracePeriod;
  if (grace?.isUnresolved() && grace.unitLabel() !== 'seconds') {
    violations.push('WebsocketPusher: lifecycleEvents.offlineGracePeriod from a token must be given in seconds (Duration.seconds(token))');
  } else if (grace && !grace.isUnresolved()) {
    const seconds = grace.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > OFFLINE_GRACE_SECONDS.MAX) {
      violations.push(`WebsocketPusher: lifecycleEvents.offlineGracePeriod must be whole seconds from 1 second to 15 minutes (SQS's longest delay), got ${grace.toHumanString()}`);
    }
  }
  return violations;
}

/**
 * The connection stream function reads the connections table's stream: a given table must have one; with lifecycle
 * events, a table of this app must show both images (a `Connected` carries the new row's context, a `Disconnected` the
 * old row's).
 */
function connectionStreamViolations(props: WebsocketPusherProps): string[] {
  const table = props.connectionsTable;
  const features = [props.channels && 'channels', props.lifecycleEvents && 'lifecycleEvents'].filter(Boolean);
  if (!table || features.length === 0) return [];
  const why = [
    ...props.channels ? ['a connection\'s subscriptions are removed when its row goes'] : [],
    ...props.lifecycleEvents ? ['lifecycle events are read from its rows\' changes'] : [],
  ].join('; ');
  if (!table.tableStreamArn) {
    return [`WebsocketPusher: with ${features.join(' and ')}, connectionsTable needs a stream (StreamViewType.NEW_AND_OLD_IMAGES): ${why}`];
  }
  const spec = table instanceof dynamodb.Table ? (table.node.defaultChild as dynamodb.CfnTable).streamSpecification : undefined;
  const viewType = spec && !Token.isUnresolved(spec) ? (spec as dynamodb.CfnTable.StreamSpecificationProperty).streamViewType : undefined;
  return props.lifecycleEvents && viewType && !Token.isUnresolved(viewType) && viewType !== dynamodb.StreamViewType.NEW_AND_OLD_IMAGES
    ? [`WebsocketPusher: with lifecycleEvents, connectionsTable's stream must be StreamViewType.NEW_AND_OLD_IMAGES (a Connected carries the new row's context, a Disconnected the old row's), got ${viewType}`]
    : [];
}

/** The function's timeout, when it is known and within Lambda's range: what the queues' visibility is checked against. */
function knownTimeout(props: WebsocketPusherProps): Duration | undefined {
  const timeout = functionTimeout(props.timeout);
  return !timeout.isUnresolved() && timeout.toSeconds() >= 1 && timeout.toSeconds() <= 900 ? timeout : undefined;
}

/**
 * The rules, in the order their messages are listed. Several check what would otherwise fail only at deploy time, or
 * after it: a callback URL that is not an https URL (the Management API is HTTPS only), memory and timeout outside
 * Lambda's ranges, a queue whose messages become visible again while the function may still be processing them, a FIFO
 * topic (SNS delivers FIFO topics to SQS FIFO queues only) and more than 10 records per batch of a FIFO queue.
 */
const RULES: readonly Rule[] = [
  exclusive('connectionsTable', 'connectionsTableProps'),
  exclusive('queue', 'queueProps'),
  exclusive('queue', 'deadLetterQueueProps'),
  exclusive('queue', 'maxReceiveCount'),
  exclusive('topic', 'topicProps'),
  (props) => (props.queueEventSourceProps?.reportBatchItemFailures === false
    ? 'WebsocketPusher: queueEventSourceProps.reportBatchItemFailures cannot be false: partial batch failures are how the pusher retries only what failed'
    : undefined),
  notBothInEventSource('batchSize'),
  notBothInEventSource('maxBatchingWindow'),
  notBothInEventSource('maxConcurrency'),
  disabledSource('enableQueue', QUEUE_SETTINGS),
  disabledSource('enableTopic', TOPIC_SETTINGS),
  (props) => (props.enableQueue === false && props.enableTopic === false
    ? 'WebsocketPusher: at least one source is needed; enableQueue and enableTopic are both false'
    : undefined),

  // Only an explicit enablePingRoute is refused for the API's expression; the default one (with connectionRoutes) is checked
  // with the protocol features that need it.
  (props) => (props.enablePingRoute === true && props.webSocketStage ? routeSelectionViolation(props.webSocketStage.api, 'enablePingRoute') : undefined),

  integer('channels.maxSubscriptionsPerConnection', (props) => props.channels?.maxSubscriptionsPerConnection, 1, SUBSCRIPTIONS_PER_CONNECTION.MAX),
  integer('channels.shards', (props) => props.channels?.shards, 1, CHANNEL_SHARDS.MAX),
  channelsViolations,
  lifecycleEventsViolations,
  connectionStreamViolations,

  integer('maxInFlight', (props) => props.maxInFlight, 1, 10_000),
  integer('maxAttempts', (props) => props.maxAttempts, 1, 20),
  integer('scanSegments', (props) => props.scanSegments, 1, 1_000),
  integer('maxReceiveCount', (props) => props.maxReceiveCount, 1, 1_000),
  integer('retryAttempts', (props) => props.retryAttempts, 0, 2),

  integer('segmentedBroadcast.threshold', (props) => props.segmentedBroadcast?.threshold, 0, 100_000_000),
  integer('segmentedBroadcast.totalSegments', (props) => props.segmentedBroadcast?.totalSegments, 1, 1_000),
  integer('segmentedBroadcast.workerConcurrency', (props) => props.segmentedBroadcast?.workerConcurrency, 2, 1_000),
  integer('segmentedBroadcast.sendRatePerSecond', (props) => props.segmentedBroadcast?.sendRatePerSecond, 1, 1_000_000),
  integer('segmentedBroadcast.maxCarryForwardAttempts', (props) => props.segmentedBroadcast?.maxCarryForwardAttempts, 1, 20),
  (props) => {
    const timeout = functionTimeout(props.timeout);
    const margin = props.segmentedBroadcast?.timeMargin;
    return margin && !margin.isUnresolved() && !timeout.isUnresolved()
      && (margin.toMilliseconds() < 1_000 || margin.toMilliseconds() >= timeout.toMilliseconds())
      ? `WebsocketPusher: segmentedBroadcast.timeMargin must be at least 1 second and less than the timeout (${timeout.toHumanString()}), got ${margin.toHumanString()}`
      : undefined;
  },
  (props) => {
    if (!props.segmentedBroadcast) return undefined;
    const workers = props.segmentedBroadcast.workerConcurrency ?? DEFAULTS.WORKER_CONCURRENCY;
    const reserved = props.reservedConcurrentExecutions;
    return reserved !== undefined && !Token.isUnresolved(reserved) && !Token.isUnresolved(workers) && reserved < workers
      ? `WebsocketPusher: reservedConcurrentExecutions (${reserved}) must be at least segmentedBroadcast.workerConcurrency (${workers})`
      : undefined;
  },

  (props) => (props.topic?.fifo || props.topicProps?.fifo
    ? `WebsocketPusher: ${props.topic ? 'topic' : 'topicProps'} is a FIFO topic, which cannot invoke a Lambda function: subscribe a FIFO SQS queue to it and give that queue as \`queue\` (with enableTopic: false)`
    : undefined),
  (props) => {
    const fifoQueue = props.queue?.fifo || props.queueProps?.fifo;
    return fifoQueue && props.batchSize !== undefined && !Token.isUnresolved(props.batchSize) && props.batchSize > 10
      ? `WebsocketPusher: batchSize must be at most 10 for a FIFO queue, got ${props.batchSize}`
      : undefined;
  },

  (props) => {
    const window = props.deduplication?.window;
    return window && !window.isUnresolved() && (window.toSeconds() < 1 || window.toSeconds() > 7 * 24 * 3600)
      ? `WebsocketPusher: deduplication.window must be from 1 second to 7 days, got ${window.toHumanString()}`
      : undefined;
  },

  (props) => {
    const url = props.callbackUrl;
    return url !== undefined && !Token.isUnresolved(url) && !/^https:\/\/[^/\s]+(\/\S*)?$/.test(url)
      ? `WebsocketPusher: callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got '${url}'`
      : undefined;
  },
  integer('memorySize', (props) => props.memorySize, 128, 10_240),
  (props) => {
    const timeout = functionTimeout(props.timeout);
    return !timeout.isUnresolved() && !knownTimeout(props)
      ? `WebsocketPusher: timeout must be from 1 second to 15 minutes, got ${timeout.toHumanString()}`
      : undefined;
  },
  (props) => {
    const timeout = knownTimeout(props);
    const visibility = props.queueProps?.visibilityTimeout;
    return timeout && visibility && !visibility.isUnresolved() && visibility.toSeconds() < timeout.toSeconds()
      ? `WebsocketPusher: queueProps.visibilityTimeout (${visibility.toHumanString()}) must be at least the function's timeout (${timeout.toHumanString()})`
      : undefined;
  },
  (props) => {
    const timeout = knownTimeout(props);
    const given = props.queue?.node.defaultChild;
    const seconds = given instanceof sqs.CfnQueue ? given.visibilityTimeout ?? SQS_DEFAULT_VISIBILITY_SECONDS : undefined;
    return timeout && typeof seconds === 'number' && !Token.isUnresolved(seconds) && seconds < timeout.toSeconds()
      ? `WebsocketPusher: the visibility timeout of queue (${seconds} seconds) must be at least the function's timeout (${timeout.toHumanString()})`
      : undefined;
  },

  exclusive('logGroup', 'logRetention'),
  (props) => {
    const given = props.vpc ? [] : (['vpcSubnets', 'securityGroups'] as const).filter((name) => props[name] !== undefined);
    return given.length ? `WebsocketPusher: ${given.join(' and ')} need vpc` : undefined;
  },
  (props) => {
    const runtime = props.runtime;
    return runtime && (runtime.family !== lambda.RuntimeFamily.NODEJS || !/^nodejs(\d+)\.x$/.test(runtime.name) || Number(/\d+/.exec(runtime.name)![0]) < 22)
      ? `WebsocketPusher: runtime must be Node.js 22 or later (the handler is built for it), got ${runtime.name}`
      : undefined;
  },
  cloudWatchName('serviceName'),
  cloudWatchName('metricsNamespace'),

  notEmpty('userIdAttribute'),
  notEmpty('connectionIdAttribute'),
  notEmpty('timeToLiveAttribute'),
  (props) => (props.userIdAttribute !== undefined && props.userIdAttribute === props.connectionIdAttribute
    ? 'WebsocketPusher: userIdAttribute and connectionIdAttribute must differ'
    : undefined),
];

/**
 * Every violation of the props, all at once, so that a wrong setting fails `cdk synth` with all that is wrong rather
 * than the deployment, the handler, or one error per synth: first the types (a wrongly typed value is then left out
 * of the checks that follow), then `RULES` in order, then `connectionRoutes`' own.
 */
export function propViolations(props: unknown): string[] {
  const { violations, props: checked } = checkPropTypes(props);
  return [
    ...violations,
    ...RULES.flatMap((rule) => rule(checked) ?? []),
    ...checked.connectionRoutes
      ? connectionRoutesViolations(checked.connectionRoutes, tableAttributes(checked), checked.connectionsTable)
      : [],
  ];
}
