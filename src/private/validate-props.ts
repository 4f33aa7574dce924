import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { functionTimeout } from './defaults';
import { DEFAULTS } from '../shared/constants';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** Checked at synthesis, so that a wrong setting fails `cdk synth` rather than the deployment or the handler. */
export function validateProps(props: WebsocketPusherProps) {
  both(props.connectionsTable, props.connectionsTableProps, 'connectionsTable', 'connectionsTableProps');
  both(props.queue, props.queueProps, 'queue', 'queueProps');
  both(props.queue, props.deadLetterQueueProps, 'queue', 'deadLetterQueueProps');
  both(props.queue, props.maxReceiveCount, 'queue', 'maxReceiveCount');
  both(props.topic, props.topicProps, 'topic', 'topicProps');
  const sourceProps = props.queueEventSourceProps;
  if (sourceProps?.reportBatchItemFailures === false) {
    throw new Error('WebsocketPusher: queueEventSourceProps.reportBatchItemFailures cannot be false: partial batch failures are how the pusher retries only what failed');
  }
  for (const name of ['batchSize', 'maxBatchingWindow', 'maxConcurrency'] as const) {
    if (sourceProps?.[name] !== undefined && props[name] !== undefined) {
      throw new Error(`WebsocketPusher: give ${name} either as a prop or in queueEventSourceProps, not both`);
    }
  }

  if (props.enableQueue === false) {
    const given = (['queue', 'queueProps', 'deadLetterQueueProps', 'maxReceiveCount', 'batchSize', 'maxBatchingWindow', 'maxConcurrency', 'queueEventSourceProps'] as const)
      .filter((name) => props[name] !== undefined);
    if (given.length) throw new Error(`WebsocketPusher: enableQueue is false, so ${given.join(', ')} cannot be given`);
  }
  if (props.enableTopic === false) {
    const given = (['topic', 'topicProps', 'retryAttempts'] as const).filter((name) => props[name] !== undefined);
    if (given.length) throw new Error(`WebsocketPusher: enableTopic is false, so ${given.join(', ')} cannot be given`);
  }
  if (props.enableQueue === false && props.enableTopic === false) {
    throw new Error('WebsocketPusher: at least one source is needed; enableQueue and enableTopic are both false');
  }

  integer('maxInFlight', props.maxInFlight, 1, 10_000);
  integer('maxAttempts', props.maxAttempts, 1, 20);
  integer('scanSegments', props.scanSegments, 1, 1_000);
  integer('maxReceiveCount', props.maxReceiveCount, 1, 1_000);
  integer('retryAttempts', props.retryAttempts, 0, 2);
  validateSegmentedBroadcast(props);
  validateFifo(props);
  validateDeduplication(props);
  validateDeployTimeLimits(props);
  validateFunctionOptions(props);
  for (const [name, value] of Object.entries({
    userIdAttribute: props.userIdAttribute,
    connectionIdAttribute: props.connectionIdAttribute,
    timeToLiveAttribute: props.timeToLiveAttribute,
  })) {
    if (value !== undefined && !Token.isUnresolved(value) && value.trim() === '') {
      throw new Error(`WebsocketPusher: ${name} must not be empty`);
    }
  }
  if (props.userIdAttribute !== undefined && props.userIdAttribute === props.connectionIdAttribute) {
    throw new Error('WebsocketPusher: userIdAttribute and connectionIdAttribute must differ');
  }
}

function validateSegmentedBroadcast(props: WebsocketPusherProps) {
  const options = props.segmentedBroadcast;
  if (!options) return;
  integer('segmentedBroadcast.threshold', options.threshold, 0, 100_000_000);
  integer('segmentedBroadcast.totalSegments', options.totalSegments, 1, 1_000);
  integer('segmentedBroadcast.workerConcurrency', options.workerConcurrency, 2, 1_000);
  integer('segmentedBroadcast.sendRatePerSecond', options.sendRatePerSecond, 1, 1_000_000);
  integer('segmentedBroadcast.maxCarryForwardAttempts', options.maxCarryForwardAttempts, 1, 20);
  const timeout = functionTimeout(props.timeout);
  const margin = options.timeMargin;
  if (margin && !margin.isUnresolved() && !timeout.isUnresolved()
    && (margin.toMilliseconds() < 1_000 || margin.toMilliseconds() >= timeout.toMilliseconds())) {
    throw new Error(`WebsocketPusher: segmentedBroadcast.timeMargin must be at least 1 second and less than the timeout (${timeout.toHumanString()}), got ${margin.toHumanString()}`);
  }
  const workers = options.workerConcurrency ?? DEFAULTS.WORKER_CONCURRENCY;
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && !Token.isUnresolved(workers) && reserved < workers) {
    throw new Error(`WebsocketPusher: reservedConcurrentExecutions (${reserved}) must be at least segmentedBroadcast.workerConcurrency (${workers})`);
  }
}

/**
 * What would otherwise fail only at deploy time, or after it: a callback URL that is not an https URL (API Gateway's
 * Management API is HTTPS only), memory and timeout outside Lambda's ranges, and a queue whose messages become visible
 * again while the function may still be processing them.
 */
function validateDeployTimeLimits(props: WebsocketPusherProps) {
  const url = props.callbackUrl;
  if (url !== undefined && !Token.isUnresolved(url) && !/^https:\/\/[^/\s]+(\/\S*)?$/.test(url)) {
    throw new Error(`WebsocketPusher: callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got '${url}'`);
  }
  integer('memorySize', props.memorySize, 128, 10_240);
  const timeout = functionTimeout(props.timeout);
  if (timeout.isUnresolved()) return;
  if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
    throw new Error(`WebsocketPusher: timeout must be from 1 second to 15 minutes, got ${timeout.toHumanString()}`);
  }
  const visibility = props.queueProps?.visibilityTimeout;
  if (visibility && !visibility.isUnresolved() && visibility.toSeconds() < timeout.toSeconds()) {
    throw new Error(`WebsocketPusher: queueProps.visibilityTimeout (${visibility.toHumanString()}) must be at least the function's timeout (${timeout.toHumanString()})`);
  }
  const given = props.queue?.node.defaultChild;
  const seconds = given instanceof sqs.CfnQueue ? given.visibilityTimeout ?? SQS_DEFAULT_VISIBILITY_SECONDS : undefined;
  if (typeof seconds === 'number' && !Token.isUnresolved(seconds) && seconds < timeout.toSeconds()) {
    throw new Error(`WebsocketPusher: the visibility timeout of queue (${seconds} seconds) must be at least the function's timeout (${timeout.toHumanString()})`);
  }
}

/** Function options that only make sense together, or only for this handler. */
function validateFunctionOptions(props: WebsocketPusherProps) {
  both(props.logGroup, props.logRetention, 'logGroup', 'logRetention');
  if (!props.vpc) {
    const given = (['vpcSubnets', 'securityGroups'] as const).filter((name) => props[name] !== undefined);
    if (given.length) throw new Error(`WebsocketPusher: ${given.join(' and ')} need vpc`);
  }
  const runtime = props.runtime;
  if (runtime && (runtime.family !== lambda.RuntimeFamily.NODEJS || !/^nodejs(\d+)\.x$/.test(runtime.name) || Number(/\d+/.exec(runtime.name)![0]) < 22)) {
    throw new Error(`WebsocketPusher: runtime must be Node.js 22 or later (the handler is built for it), got ${runtime.name}`);
  }
  for (const [name, value] of Object.entries({ serviceName: props.serviceName, metricsNamespace: props.metricsNamespace })) {
    if (value !== undefined && !Token.isUnresolved(value) && !/^[^:\s][^:]{0,254}$/.test(value)) {
      throw new Error(`WebsocketPusher: ${name} must be 1 to 255 characters, not starting with a space, without ':', got '${value}'`);
    }
  }
}

/** What SQS uses when a queue sets no visibility timeout. */
const SQS_DEFAULT_VISIBILITY_SECONDS = 30;

/**
 * A FIFO SNS topic cannot invoke a Lambda function (SNS delivers FIFO topics to SQS FIFO queues only); a FIFO queue
 * takes at most 10 records per batch.
 */
function validateFifo(props: WebsocketPusherProps) {
  if (props.topic?.fifo || props.topicProps?.fifo) {
    throw new Error(`WebsocketPusher: ${props.topic ? 'topic' : 'topicProps'} is a FIFO topic, which cannot invoke a Lambda function: subscribe a FIFO SQS queue to it and give that queue as \`queue\` (with enableTopic: false)`);
  }
  const fifoQueue = props.queue?.fifo || props.queueProps?.fifo;
  if (fifoQueue && props.batchSize !== undefined && !Token.isUnresolved(props.batchSize) && props.batchSize > 10) {
    throw new Error(`WebsocketPusher: batchSize must be at most 10 for a FIFO queue, got ${props.batchSize}`);
  }
}

function validateDeduplication(props: WebsocketPusherProps) {
  const window = props.deduplication?.window;
  if (window && !window.isUnresolved() && (window.toSeconds() < 1 || window.toSeconds() > 7 * 24 * 3600)) {
    throw new Error(`WebsocketPusher: deduplication.window must be from 1 second to 7 days, got ${window.toHumanString()}`);
  }
}

function both(existing: unknown, created: unknown, existingName: string, createdName: string) {
  if (existing !== undefined && created !== undefined) {
    throw new Error(`WebsocketPusher: give either ${existingName} (an existing resource) or ${createdName} (to customise the created one), not both`);
  }
}

function integer(name: string, value: number | undefined, min: number, max: number) {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`WebsocketPusher: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
