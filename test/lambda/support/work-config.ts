import type { WorkConfig } from '../../../lambda/work/deps';

/** The work-queue settings the work-item unit tests start from: split into 2 segments, pages of 3 rows. */
export const WORK_CONFIG: WorkConfig = {
  workQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
  workQueueArn: 'arn:aws:sqs:us-east-1:123456789012:work',
  workerConcurrency: 2,
  sendRatePerSecond: 1_000,
  timeMarginMs: 1_000,
  pageSize: 3,
  maxCarryForwardAttempts: 3,
  split: { threshold: 0, totalSegments: 2 },
};
