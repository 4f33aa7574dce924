import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION, localArn } from '../identity';

/** A request as the tests write it: an object is serialized with `JSON.stringify`, a string is sent as is. */
export type RequestBody = string | object;

export const bodyText = (body: RequestBody): string => (typeof body === 'string' ? body : JSON.stringify(body));

/** What varies between SQS records; everything else is as Lambda's event source mapping writes it. */
export interface SqsRecordOptions {
  /** @default 'msg-1' */
  readonly messageId?: string;
  /** @default the local queue `notifications` */
  readonly queueArn?: string;
  /** A FIFO queue's message group (`attributes.MessageGroupId`, with a sequence number and deduplication id). */
  readonly groupId?: string;
  /** `attributes.ApproximateReceiveCount`. @default 1 */
  readonly receiveCount?: number;
  /** The receipt handle. @default derived from the message id */
  readonly receiptHandle?: string;
  /** Epoch milliseconds of `SentTimestamp` and `ApproximateFirstReceiveTimestamp`. @default now */
  readonly sentAt?: number;
}

/** One SQS record exactly as Lambda's event source mapping delivers it. */
export function sqsRecord(body: RequestBody, options: SqsRecordOptions = {}): SQSRecord {
  const text = bodyText(body);
  const messageId = options.messageId ?? 'msg-1';
  const sentAt = String(options.sentAt ?? Date.now());
  return {
    messageId,
    receiptHandle: options.receiptHandle ?? Buffer.from(`${messageId}:${sentAt}`).toString('base64'),
    body: text,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: sentAt,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: sentAt,
      ...(options.groupId !== undefined
        ? { MessageGroupId: options.groupId, SequenceNumber: String(10n ** 19n + BigInt(sentAt)), MessageDeduplicationId: messageId }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn ?? localArn('sqs', 'notifications'),
    awsRegion: LOCAL_REGION,
  };
}

export interface SqsEventOptions {
  /** Message ids, one per body; generated (`msg-1`, `msg-2`, ...) when absent. */
  readonly messageIds?: readonly string[];
  /** @default 'notifications' */
  readonly queueName?: string;
  /** The message group of each record, as a FIFO queue delivers them. */
  readonly groupIds?: readonly string[];
}

/** An SQS event exactly as the Lambda event source mapping delivers it, one record per body. */
export function sqsEvent(bodies: readonly RequestBody[], options: SqsEventOptions = {}): SQSEvent {
  const queueArn = localArn('sqs', options.queueName ?? 'notifications');
  const sentAt = Date.now();
  return {
    Records: bodies.map((body, i) => sqsRecord(body, {
      messageId: options.messageIds?.[i] ?? `msg-${i + 1}`, queueArn, groupId: options.groupIds?.[i], sentAt: sentAt + i,
    })),
  };
}

/** The record Lambda's event source mapping builds from a message it received from `queueArn`. */
export function sqsRecordOf(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  const record = sqsRecord(message.Body ?? '', {
    messageId: message.MessageId!,
    queueArn,
    receiptHandle: message.ReceiptHandle!,
    receiveCount: Number(a.ApproximateReceiveCount ?? 1),
    sentAt: Number(a.SentTimestamp ?? Date.now()),
  });
  return { ...record, md5OfBody: message.MD5OfBody ?? record.md5OfBody, attributes: { ...record.attributes, ...a } };
}
