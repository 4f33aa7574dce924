import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import { bodyText, type RequestBody } from './sqs';
import { LOCAL_REGION, localArn } from '../identity';

/** What varies between SNS records; everything else is as SNS writes it. */
export interface SnsRecordOptions {
  /** @default 'sns-msg-1' */
  readonly messageId?: string;
  /** @default the local topic `notifications` */
  readonly topicArn?: string;
  /** @default a subscription of the topic */
  readonly subscriptionArn?: string;
  /** SNS delivers `"Subject": null` when the publisher set none. */
  readonly subject?: string;
  readonly messageAttributes?: SNSEventRecord['Sns']['MessageAttributes'];
  /** @default now */
  readonly timestamp?: string;
}

/** One SNS record as Lambda receives it from a subscription. */
export function snsRecord(message: RequestBody, options: SnsRecordOptions = {}): SNSEventRecord {
  const topicArn = options.topicArn ?? localArn('sns', 'notifications');
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: options.subscriptionArn ?? `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
    Sns: {
      Type: 'Notification',
      MessageId: options.messageId ?? 'sns-msg-1',
      TopicArn: topicArn,
      Subject: options.subject ?? (null as unknown as string),
      Message: bodyText(message),
      Timestamp: options.timestamp ?? new Date().toISOString(),
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
      UnsubscribeUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
      MessageAttributes: options.messageAttributes ?? {},
    },
  };
}

/** An SNS event as Lambda receives it from a subscription: always exactly one record. */
export function snsEvent(body: RequestBody, options: SnsRecordOptions & { readonly messageIds?: readonly string[] } = {}): SNSEvent {
  return { Records: [snsRecord(body, { ...options, messageId: options.messageIds?.[0] ?? options.messageId })] };
}

/**
 * The event Lambda would get for a notification that SNS delivered to an SQS queue instead (the JSON envelope SNS writes
 * as the message body): how the local system turns a topic's messages into the subscribed function's events.
 */
export function snsEventOf(envelope: Record<string, any>, subscriptionArn: string): SNSEvent {
  return {
    Records: [snsRecord(envelope.Message, {
      messageId: envelope.MessageId,
      topicArn: envelope.TopicArn,
      subscriptionArn,
      subject: envelope.Subject ?? undefined,
      messageAttributes: envelope.MessageAttributes ?? {},
      timestamp: envelope.Timestamp,
    })],
  };
}
