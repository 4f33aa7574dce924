import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { eventSourceVisibilityTimeout, FAILED_MESSAGE_RETENTION, secureQueue } from './secure-queue';
import { SegmentedBroadcastOptions } from '../segmented-broadcast-options';
import { DEFAULTS, ENV, LIMITS } from '../shared/constants';

/**
 * The work queue (follow-ups of every request, and the segmented broadcast's work items) and its dead-letter
 * queue, the event source that feeds work items to the function one at a time, `sqs:SendMessage` on those two
 * queues only (no GetQueueUrl / GetQueueAttributes: the handler gets the URLs from its environment), and the
 * handler settings; the split settings only when `segmentedBroadcast` is set.
 */
export function addWorkQueue(
  scope: Construct,
  fn: lambda.Function,
  role: iam.IRole,
  options: SegmentedBroadcastOptions | undefined,
  timeout: Duration,
) {
  const workDeadLetterQueue = secureQueue(scope, 'WorkDeadLetterQueue', { retentionPeriod: FAILED_MESSAGE_RETENTION });
  const workQueue = secureQueue(scope, 'WorkQueue', {
    visibilityTimeout: eventSourceVisibilityTimeout(timeout),
    // A work item that keeps failing (malformed, or a configuration error) is kept, never looped.
    deadLetterQueue: { queue: workDeadLetterQueue, maxReceiveCount: LIMITS.WORK_MAX_RECEIVE_COUNT },
  });
  const workerConcurrency = options?.workerConcurrency ?? DEFAULTS.WORKER_CONCURRENCY;
  // One work item per invocation, so that each has the whole time budget; at most workerConcurrency at once.
  fn.addEventSource(new SqsEventSource(workQueue, {
    batchSize: 1,
    reportBatchItemFailures: true,
    maxConcurrency: workerConcurrency,
  }));
  // The dead-letter queue too: what is still left after the last follow-up is kept there, not dropped.
  iam.Grant.addToPrincipal({ grantee: role, actions: ['sqs:SendMessage'], resourceArns: [workQueue.queueArn, workDeadLetterQueue.queueArn] });

  const margin = options?.timeMargin ?? Duration.seconds(Math.max(5, Math.floor(timeout.toSeconds() / 6)));
  const settings: Record<string, string> = {
    ...(options ? {
      [ENV.FANOUT_THRESHOLD]: String(options.threshold ?? DEFAULTS.FANOUT_THRESHOLD),
      [ENV.FANOUT_SEGMENTS]: String(options.totalSegments ?? DEFAULTS.FANOUT_SEGMENTS),
    } : {}),
    [ENV.WORK_QUEUE_URL]: workQueue.queueUrl,
    [ENV.WORK_QUEUE_ARN]: workQueue.queueArn,
    [ENV.WORK_DEAD_LETTER_QUEUE_URL]: workDeadLetterQueue.queueUrl,
    [ENV.WORKER_CONCURRENCY]: String(workerConcurrency),
    [ENV.RATE_LIMIT_PER_SECOND]: String(options?.sendRatePerSecond ?? DEFAULTS.RATE_LIMIT_PER_SECOND),
    [ENV.TIME_MARGIN_MS]: String(margin.toMilliseconds()),
    [ENV.FANOUT_MAX_ATTEMPTS]: String(options?.maxCarryForwardAttempts ?? DEFAULTS.FANOUT_MAX_ATTEMPTS),
  };
  for (const [name, value] of Object.entries(settings)) fn.addEnvironment(name, value);
  return { workQueue, workDeadLetterQueue };
}
