import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONSTRUCT_DEFAULTS } from './defaults';
import { suppressNag } from './nag';
import { eventSourceVisibilityTimeout, FAILED_MESSAGE_RETENTION, secureQueue } from './secure-queue';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** The SQS source: the given queue, or a created one with its dead-letter queue, feeding the function. */
export function addQueueSource(scope: Construct, fn: lambda.IFunction, props: WebsocketPusherProps, timeout: Duration) {
  const source: { queue: sqs.IQueue; deadLetterQueue?: sqs.IQueue } = props.queue
    ? { queue: props.queue }
    : createQueue(scope, props, timeout);
  const given = props.queueEventSourceProps;
  fn.addEventSource(new SqsEventSource(source.queue, {
    ...given,
    // Partial batch failures are how the pusher retries only what failed: always on.
    reportBatchItemFailures: true,
    batchSize: props.batchSize ?? given?.batchSize ?? CONSTRUCT_DEFAULTS.BATCH_SIZE,
    maxBatchingWindow: props.maxBatchingWindow ?? given?.maxBatchingWindow,
    maxConcurrency: props.maxConcurrency ?? given?.maxConcurrency,
  }));
  return source;
}

function createQueue(scope: Construct, props: WebsocketPusherProps, timeout: Duration) {
  const deadLetterQueue = props.queueProps?.deadLetterQueue ? undefined : secureQueue(scope, 'DeadLetterQueue', {
    retentionPeriod: FAILED_MESSAGE_RETENTION,
    // A FIFO queue's dead-letter queue must be FIFO too.
    ...(props.queueProps?.fifo ? { fifo: true } : {}),
    ...props.deadLetterQueueProps,
  });
  const queue = secureQueue(scope, 'Queue', {
    visibilityTimeout: eventSourceVisibilityTimeout(timeout),
    deadLetterQueue: deadLetterQueue
      ? { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? CONSTRUCT_DEFAULTS.MAX_RECEIVE_COUNT }
      : undefined,
    ...props.queueProps,
  });
  return { queue, deadLetterQueue };
}

/**
 * The first half of the SNS source, created before the function because it is the function's on-failure
 * destination: where events are kept that the SNS path could not process.
 */
export function createFailedEventsQueue(scope: Construct): sqs.Queue {
  const queue = secureQueue(scope, 'FailedEventsQueue', { retentionPeriod: FAILED_MESSAGE_RETENTION });
  suppressNag(queue, 'AwsSolutions-SQS3',
    'This queue is the terminal destination of failed SNS-path events (Lambda on-failure destination and subscription dead-letter queue); it has no consumer to fail.');
  return queue;
}

/** The second half of the SNS source: the given topic, or a created one, subscribed to by the function. */
export function addTopicSource(
  scope: Construct,
  fn: lambda.IFunction,
  props: WebsocketPusherProps,
  failedEventsQueue: sqs.IQueue,
): sns.ITopic {
  const topic = props.topic ?? new sns.Topic(scope, 'Topic', {
    masterKey: kms.Alias.fromAliasName(scope, 'SnsManagedKey', 'alias/aws/sns'),
    enforceSSL: true,
    ...props.topicProps,
  });
  topic.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue: failedEventsQueue }));
  return topic;
}
