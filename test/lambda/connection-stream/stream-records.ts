import type { DynamoDBRecord } from 'aws-lambda';

/** A record of the connections table's stream, as Lambda delivers it. */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  connectionId: string,
  sequenceNumber: string,
  options: { readonly userId?: string; readonly ttl?: boolean } = {},
): DynamoDBRecord {
  const keys = { user_id: { S: options.userId ?? 'u1' }, connection_id: { S: connectionId } };
  const image = { ...keys, expires_at: { N: '1700000000' } };
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_700_000_000,
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
