/**
 * What the handler tests hand to the handler, one record at a time (each with the message id the test asserts on,
 * so that one event can mix SQS, SNS and unknown records, or SQS records of two queues), and the items the mocked
 * DynamoDB answers with. The records come from the local system's one event factory (`local/events/`), with this
 * account's ARNs.
 */
import { snsRecord as localSnsRecord, sqsRecord as localSqsRecord, type RequestBody } from '../../../local/events';

/** The account and Region of every ARN in the handler tests (the work queue's in WORK_CONFIG too). */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** The queue requests arrive on. */
export const NOTIFICATIONS_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications`;

/** One SQS record from `queueArn` (the notifications queue by default), built by the local system's event factory. */
export const sqsRecord = (messageId: string, body: unknown, queueArn = NOTIFICATIONS_QUEUE_ARN) =>
  localSqsRecord(body as RequestBody, { messageId, queueArn });

/** One SNS record of a subscription to the notifications topic. */
export const snsRecord = (messageId: string, message: unknown) =>
  localSnsRecord(message as RequestBody, { messageId, topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:n` });

/** A connections-table item as DynamoDB returns it, with the construct's default attribute names. */
export const connectionItem = (user: string, connection: string, ttl?: number) => ({
  user_id: { S: user }, connection_id: { S: connection }, ...(ttl === undefined ? {} : { expires_at: { N: String(ttl) } }),
});
