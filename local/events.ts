import { createHash } from 'crypto';
import type { SNSEvent, SQSEvent } from 'aws-lambda';

/** The account and region of the fake ARNs in local events. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** A request as the tests write it: an object is serialized with `JSON.stringify`, a string is sent as is. */
export type RequestBody = string | object;

export interface EventOptions {
  /** Message ids, one per body; generated (`msg-1`, `msg-2`, ...) when absent. */
  readonly messageIds?: readonly string[];
  readonly queueName?: string;
  readonly topicName?: string;
  /** SQS: the message group of each record, as a FIFO queue delivers them (`attributes.MessageGroupId`). */
  readonly groupIds?: readonly string[];
}

function text(body: RequestBody): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function md5(value: string): string {
  return createHash('md5').update(value).digest('hex');
}

/** An SQS event exactly as the Lambda event source mapping delivers it, one record per body. */
export function sqsEvent(bodies: readonly RequestBody[], options: EventOptions = {}): SQSEvent {
  const queueArn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${options.queueName ?? 'notifications'}`;
  const now = Date.now();
  return {
    Records: bodies.map((raw, i) => {
      const body = text(raw);
      const messageId = options.messageIds?.[i] ?? `msg-${i + 1}`;
      return {
        messageId,
        receiptHandle: Buffer.from(`${messageId}:${now}`).toString('base64'),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(now),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(now),
          ...(options.groupIds ? { MessageGroupId: options.groupIds[i], SequenceNumber: String(1e19 + i), MessageDeduplicationId: messageId } : {}),
        },
        messageAttributes: {},
        md5OfBody: md5(body),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: LOCAL_REGION,
      };
    }),
  };
}

/** An SNS event as Lambda receives it from a subscription: always exactly one record. */
export function snsEvent(body: RequestBody, options: EventOptions & { subject?: string } = {}): SNSEvent {
  const topicArn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${options.topicName ?? 'notifications'}`;
  const messageId = options.messageIds?.[0] ?? 'sns-msg-1';
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
      Sns: {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: topicArn,
        // SNS delivers `"Subject": null` when the publisher set none.
        Subject: options.subject ?? (null as unknown as string),
        Message: text(body),
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
        UnsubscribeUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
        MessageAttributes: {},
      },
    }],
  };
}
