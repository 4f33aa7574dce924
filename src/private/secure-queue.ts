import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The longest retention SQS allows, for the queues where failed messages wait for someone to look at them. */
export const FAILED_MESSAGE_RETENTION = Duration.days(14);

/**
 * How long a request or a work item may wait: SQS's own default, written out so that every queue states its
 * retention (cfn-lint I3013) and each dead-letter queue visibly keeps messages longer than its source.
 */
export const QUEUE_RETENTION = Duration.days(4);

/**
 * A queue encrypted with SQS-managed keys that refuses requests without TLS, with an explicit retention. `props` are
 * merged over these defaults, so a caller's (or the user's) settings win.
 */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: QUEUE_RETENTION,
    ...props,
  });
}

/**
 * AWS's advice for a Lambda event source: six times the function timeout, so retries of a batch
 * do not overlap with a still-running invocation.
 */
export function eventSourceVisibilityTimeout(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * 6);
}
