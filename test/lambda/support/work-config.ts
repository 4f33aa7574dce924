import type { SegmentedBroadcastConfig } from '../../../lambda/work/deps';

/** The segmented-broadcast settings the work-item unit tests start from: 2 segments, pages of 3 rows. */
export const WORK_CONFIG: SegmentedBroadcastConfig = {
  threshold: 0,
  workQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
  workQueueArn: 'arn:aws:sqs:us-east-1:123456789012:work',
  totalSegments: 2,
  workerConcurrency: 2,
  sendRatePerSecond: 1_000,
  timeMarginMs: 1_000,
  pageSize: 3,
  maxCarryForwardAttempts: 3,
};
