import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';

/** A record of the connections table's stream, as Lambda delivers it. */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  connectionId: string,
  sequenceNumber: string,
  options: { readonly userId?: string; readonly ttl?: boolean; readonly context?: Record<string, string>; readonly timeSeconds?: number } = {},
): DynamoDBRecord {
  const keys = { user_id: { S: options.userId ?? 'u1' }, connection_id: { S: connectionId } };
  const context = Object.fromEntries(Object.entries(options.context ?? {}).map(([k, v]) => [k, { S: v }]));
  const image = { ...keys, expires_at: { N: '1700000000' }, ...context };
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: options.timeSeconds ?? 1_700_000_000,
      Keys: keys,
      ...(eventName === 'INSERT' ? {} : { OldImage: image }),
      ...(eventName === 'REMOVE' ? {} : { NewImage: image }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 80,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/connections/stream/2025-01-01T00:00:00.000',
    ...(options.ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}

/** `n` subscription rows of a connection, keys only, as the `by_connection` index answers. */
export function subscriptionItems(connectionId: string, n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ channel_key: { S: `room/${from + i}#0` }, connection_id: { S: connectionId } }));
}

/** A presence check queue's ARN, as the tests configure it. */
export const CHECK_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:presence-checks';

/** An SQS record of the presence check queue (or of `arn`), as Lambda delivers it. */
export function sqsRecord(messageId: string, body: string, arn: string = CHECK_QUEUE_ARN): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1700000000000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1700000030000' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'us-east-1',
  };
}
