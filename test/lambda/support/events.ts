/**
 * What the handler tests hand to the handler, one record at a time (each with the message id the test asserts on,
 * so that one event can mix SQS, SNS and unknown records, or SQS records of two queues), and the items the mocked
 * DynamoDB answers with. (`local/events.ts` builds whole events as Lambda delivers them, for the e2e tests.)
 */

/** The account and Region of every ARN in the handler tests (the work queue's in WORK_CONFIG too). */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** The queue requests arrive on. */
export const NOTIFICATIONS_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:notifications`;

/** A body as the tests write it: a string is sent as is, anything else serialized with `JSON.stringify`. */
const text = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

/** One SQS record from `queueArn` (the notifications queue by default). */
export const sqsRecord = (messageId: string, body: unknown, queueArn = NOTIFICATIONS_QUEUE_ARN) => ({
  messageId,
  receiptHandle: 'rh',
  body: text(body),
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: REGION,
});

/** One SNS record of a subscription to the notifications topic. */
export const snsRecord = (messageId: string, message: unknown) => ({
  EventSource: 'aws:sns',
  EventVersion: '1.0',
  EventSubscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:n:sub`,
  Sns: { Type: 'Notification', MessageId: messageId, TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:n`, Message: text(message) },
});

/** A connections-table item as DynamoDB returns it, with the construct's default attribute names. */
export const connectionItem = (user: string, connection: string, ttl?: number) => ({
  user_id: { S: user }, connection_id: { S: connection }, ...(ttl === undefined ? {} : { expires_at: { N: String(ttl) } }),
});
