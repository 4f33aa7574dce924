import type { Context } from 'aws-lambda';

/** One record to process: its text (SQS body, SNS message) or, for a direct invocation, the object itself. */
export type IncomingRecord =
  | { readonly source: 'sqs' | 'sns'; readonly messageId: string; readonly body: string; readonly groupId?: string }
  /** A segmented-broadcast work item: an SQS record from the work queue (told by its `eventSourceARN`). */
  | { readonly source: 'work'; readonly messageId: string; readonly body: string }
  | { readonly source: 'direct'; readonly messageId: string; readonly value: unknown }
  | { readonly source: 'unknown'; readonly messageId: string; readonly reason: string };

/**
 * Reads an invocation event's records. A `Records` array is read record by record (by `eventSource` for SQS,
 * `EventSource` for SNS), so a record is never assumed to share the first record's source; anything else is a
 * direct invocation carrying one request. An SQS record whose `eventSourceARN` is `workQueueArn` is a work item:
 * recognised by where it comes from, never by its content, so a public request cannot pass for one.
 */
export function readRecords(event: unknown, context: Pick<Context, 'awsRequestId'>, workQueueArn?: string): IncomingRecord[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) {
    return [{ source: 'direct', messageId: context.awsRequestId, value: event }];
  }
  return records.map((record: unknown, index): IncomingRecord => {
    const r = (record ?? {}) as Record<string, unknown>;
    if (r.eventSource === 'aws:sqs' && typeof r.body === 'string') {
      if (workQueueArn !== undefined && r.eventSourceARN === workQueueArn) {
        return { source: 'work', messageId: String(r.messageId ?? `record-${index}`), body: r.body };
      }
      // Only a FIFO queue's records carry a message group: their order within the group wins over the re-queue.
      const groupId = (r.attributes as Record<string, unknown> | undefined)?.MessageGroupId;
      return {
        source: 'sqs',
        messageId: String(r.messageId ?? `record-${index}`),
        body: r.body,
        ...(typeof groupId === 'string' && groupId !== '' ? { groupId } : {}),
      };
    }
    const sns = r.Sns as Record<string, unknown> | undefined;
    if (r.EventSource === 'aws:sns' && typeof sns?.Message === 'string') {
      return { source: 'sns', messageId: String(sns.MessageId ?? `record-${index}`), body: sns.Message };
    }
    return {
      source: 'unknown',
      messageId: String(r.messageId ?? sns?.MessageId ?? `record-${index}`),
      reason: `record ${index} is neither an SQS message nor an SNS notification`,
    };
  });
}

