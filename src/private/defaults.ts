import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/** The construct's own defaults, where its props document them (the handler's are in ../shared/constants.ts). */
export const CONSTRUCT_DEFAULTS = {
  FUNCTION_TIMEOUT: Duration.minutes(1),
  MEMORY_SIZE: 1_024,
  LOG_RETENTION: logs.RetentionDays.ONE_MONTH,
  /** Lambda's asynchronous retries of a failed SNS invocation. */
  RETRY_ATTEMPTS: 2,
  BATCH_SIZE: 10,
  MAX_RECEIVE_COUNT: 5,
} as const;

/** The function's timeout: the user's, or the default. */
export function functionTimeout(timeout: Duration | undefined): Duration {
  return timeout ?? CONSTRUCT_DEFAULTS.FUNCTION_TIMEOUT;
}
