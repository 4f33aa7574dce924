import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { LocalQueue, QueueDepth } from '../../aws/moto/moto-server';
import { sqsRecordOf } from '../../events';
import type { FunctionRunner, Invocation } from '../function-runner';
import { QueuePoller } from './queue-poller';

export interface EventSourceOptions {
  readonly client: SQSClient;
  readonly queue: LocalQueue;
  /** One execution environment per concurrent invocation: their number is the maximum concurrency. */
  readonly runners: readonly FunctionRunner[];
  /** Records per invocation. @default 10 */
  readonly batchSize?: number;
  /**
   * The mapping's `FunctionResponseTypes` has `ReportBatchItemFailures`: the records in a response's `batchItemFailures`
   * stay on the queue. Without it Lambda ignores them, and a successful invocation deletes its whole batch. @default true
   */
  readonly reportBatchItemFailures?: boolean;
  /** The function timeout the context reports (`getRemainingTimeInMillis`). @default 60000 */
  readonly functionTimeoutMs?: number;
  /** Called after each invocation (e.g. to print its report lines). */
  readonly onInvocation?: (invocation: SourceInvocation) => void;
}

/** One invocation by the event source: the records it carried and what the handler produced. */
export interface SourceInvocation {
  readonly records: readonly SQSRecord[];
  readonly invocation: Invocation<{ batchItemFailures?: Array<{ itemIdentifier: string }> }>;
}

/**
 * What Lambda's SQS event source mapping does, against a real SQS server: each of `runners` polls
 * (ReceiveMessage, up to `batchSize`), invokes the handler with the records exactly as Lambda builds them,
 * deletes the records that succeeded and leaves the ones in `batchItemFailures` (or all of them, when the
 * invocation failed) to reappear after the visibility timeout; the queue's redrive policy does the rest.
 */
export class SqsEventSource extends QueuePoller {
  readonly invocations: SourceInvocation[] = [];

  constructor(private readonly options: EventSourceOptions) {
    super(options.queue, options.runners);
  }

  protected async pollOnce(runner: FunctionRunner): Promise<void> {
    const { client, queue } = this.options;
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await client.send(new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: this.options.batchSize ?? 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      })));
    } catch (e) {
      if (!this.isRunning) return;
      throw e;
    }
    if (messages.length > 0) await this.invoking(() => this.invoke(runner, messages));
  }

  private async invoke(runner: FunctionRunner, messages: Message[]): Promise<void> {
    const records = messages.map((m) => sqsRecordOf(m, this.options.queue.arn));
    const event: SQSEvent = { Records: records };
    const invocation = await runner.invoke<{ batchItemFailures?: Array<{ itemIdentifier: string }> }>(event, {
      timeoutMs: this.options.functionTimeoutMs ?? 60_000,
    });
    const entry = { records, invocation };
    this.invocations.push(entry);
    this.options.onInvocation?.(entry);
    // A failed invocation leaves the whole batch; otherwise only the records it reported as failed stay.
    if (invocation.error) return;
    const reported = this.options.reportBatchItemFailures === false ? [] : invocation.result?.batchItemFailures ?? [];
    const failed = new Set(reported.map((f) => f.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length === 0) return;
    const out = await this.options.client.send(new DeleteMessageBatchCommand({
      QueueUrl: this.options.queue.url,
      Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
    }));
    if (out.Failed?.length) throw new Error(`could not delete ${out.Failed.length} processed message(s): ${out.Failed[0].Message}`);
  }
}

/**
 * Resolves once no source has an invocation in flight and no queue holds a message (visible, in flight or
 * delayed), twice in a row; rejects after `timeoutMs`.
 */
export async function drained(
  sources: ReadonlyArray<{ readonly inFlight: number }>,
  queues: readonly LocalQueue[],
  depth: (queue: LocalQueue) => Promise<QueueDepth>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) {
      const depths = await Promise.all(queues.map(async (q) => `${q.name}: ${JSON.stringify(await depth(q))}`));
      throw new Error(`the queues did not drain in ${timeoutMs} ms: ${depths.join(', ')}; in flight: ${sources.map((s) => s.inFlight).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    const idle = sources.every((s) => s.inFlight === 0);
    const depths = idle ? await Promise.all(queues.map(depth)) : [];
    quiet = idle && depths.every((d) => d.visible + d.inFlight + d.delayed === 0) ? quiet + 1 : 0;
  }
}
