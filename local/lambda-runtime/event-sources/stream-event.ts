import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { LocalStream, LocalStreamRecord } from '../../aws/dynamodb/local-stream';

/** A stream record as Lambda delivers it: the stream's record and the stream's ARN as `eventSourceARN`. */
export function lambdaStreamRecord(record: LocalStreamRecord, eventSourceARN: string): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: record.dynamodb as DynamoDBRecord['dynamodb'],
    eventSourceARN,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}

/** The event of one invocation by a DynamoDB stream's event source mapping. */
export function streamEvent(records: readonly LocalStreamRecord[], eventSourceARN: string): DynamoDBStreamEvent {
  return { Records: records.map((record) => lambdaStreamRecord(record, eventSourceARN)) };
}

/**
 * What Lambda sends to a stream event source mapping's on-failure destination (an SQS message body, an SNS message)
 * when it gives up on records: the invocation's context and where the records are in the stream, not the records.
 */
export interface StreamOnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    /** Set when the last invocation failed; absent when it answered a partial batch failure. */
    readonly functionError?: 'Unhandled';
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

/** The on-failure record of records given up on after `invocations` invocations. */
export function onFailureRecord(
  stream: LocalStream,
  records: readonly LocalStreamRecord[],
  details: { readonly functionArn: string; readonly invocations: number; readonly functionError: boolean; readonly now?: Date },
): StreamOnFailureRecord {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    requestContext: { requestId: randomUUID(), functionArn: details.functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: details.invocations },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(details.functionError ? { functionError: 'Unhandled' as const } : {}) },
    version: '1.0',
    timestamp: (details.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: {
      shardId: stream.shardId,
      startSequenceNumber: first.dynamodb.SequenceNumber,
      endSequenceNumber: last.dynamodb.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: stream.streamArn,
    },
  };
}

/** Seconds, as Lambda writes them: `2025-01-01T00:00:00Z`. */
function arrival(record: LocalStreamRecord): string {
  return new Date(record.dynamodb.ApproximateCreationDateTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
