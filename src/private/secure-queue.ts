import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The longest retention SQS allows, for the queues where failed messages wait for someone to look at them. */
export const FAILED_MESSAGE_RETENTION = Duration.days(14);

/**
 * A queue encrypted with SQS-managed keys that refuses requests without TLS. `props` are merged over these
 * defaults, so a caller's (or the user's) settings win.
 */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
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
