import { Duration } from 'aws-cdk-lib';

/**
 * Deduplication of notification requests: a request whose `id` (or, without one, its SQS message id or SNS
 * `MessageId`) was already completed within the window is skipped, logged as a duplicate and counted
 * (`DuplicateRequests`); a request still in progress elsewhere is not processed twice either. Uses Powertools'
 * idempotency utility with a small DynamoDB table the construct creates.
 */
export interface DeduplicationOptions {
  /**
   * How long a completed request's id is remembered (1 second to 7 days).
   *
   * @default Duration.hours(1)
   */
  readonly window?: Duration;
}
