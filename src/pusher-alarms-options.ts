import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * The alarms of `WebsocketPusherProps.alarms`: a dead-letter queue that is not empty (each one that exists), failed
 * requests, function errors and throttles, and the age of the oldest message of the source queue; with `channels`,
 * also the channels and connection stream functions' errors, `UNAVAILABLE` subscribes and the connection stream's
 * iterator age; with `lifecycleEvents`, the connection stream function's errors and iterator age and the presence
 * check dead-letter queue.
 *
 * @example
 * new WebsocketPusher(this, 'Pusher', {
 *   webSocketStage: stage,
 *   alarms: { alarmActions: [new SnsAction(onCallTopic)] },
 * });
 */
/* eslint-enable tsdoc/syntax */
export interface PusherAlarmsOptions {
  /**
   * What each alarm does when it fires, e.g. `new SnsAction(topic)` from `aws-cdk-lib/aws-cloudwatch-actions`.
   *
   * @default - none: the alarms only change state
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * What each alarm does when it is back to OK.
   *
   * @default - none
   */
  readonly okActions?: cloudwatch.IAlarmAction[];

  /**
   * Failed requests (retried by SQS or Lambda) in 5 minutes from which the failed-requests alarm fires.
   *
   * @default 1
   */
  readonly failedRequestsThreshold?: number;

  /**
   * Age of the oldest message of the source queue from which the backlog alarm fires.
   *
   * @default Duration.minutes(5)
   */
  readonly oldestMessageAge?: Duration;

  /**
   * With `channels` or `lifecycleEvents`: the connection stream function's `IteratorAge` (its Maximum over 5 minutes, 3
   * periods in a row) from which the stream alarm fires. The stream is how a gone connection's subscriptions are deleted
   * and how lifecycle events are put; an age this high for 15 minutes means the function is not keeping up (throttled,
   * failing batches retried, DynamoDB throttling): subscriptions of gone connections linger (publishes keep posting to
   * them until a 410 prunes them), and lifecycle events and presence changes are late. Normally
   * the age is seconds (no batching window), and a failing batch's retries end in the cleanup failures queue (its own
   * alarm) within minutes; the stream keeps records 24 hours, so this leaves time to act before any is lost.
   *
   * @default Duration.minutes(5)
   */
  readonly connectionStreamIteratorAge?: Duration;
}
