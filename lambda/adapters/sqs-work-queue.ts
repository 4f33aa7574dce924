// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { LIMITS } from '../../src/shared/constants';
import { describeError, WorkQueueError } from '../core/errors';
import type { WorkMessage, WorkQueue } from '../core/ports/work-queue';
import { realSleep, withRetries, type Random, type RetryPolicy, type Sleep } from '../core/retry';
import { Semaphore } from '../core/semaphore';
import { byteLength } from '../work/work-item';

/**
 * The work queue in SQS: `SendMessageBatch` calls of at most 10 entries and 256 KB, a few in parallel; entries SQS
 * refuses for a transient reason are sent again with backoff, entries it refuses as the sender's fault are not.
 * Needs only `sqs:SendMessage` (which also authorizes `SendMessageBatch`).
 */
export class SqsWorkQueue implements WorkQueue {
  private readonly batchSlots = new Semaphore(4);

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly enqueueRetry: RetryPolicy,
    private readonly sleep: Sleep = realSleep,
    private readonly random: Random = Math.random,
  ) {}

  async send(messages: readonly WorkMessage[]): Promise<void> {
    const failures: string[] = [];
    let unsent = 0;
    await Promise.all(batches(messages).map((batch) => this.batchSlots.run(async () => {
      const left = await this.sendBatch(batch, failures);
      unsent += left;
    })));
    if (unsent > 0) throw new WorkQueueError(unsent, messages.length, [...new Set(failures)].join('; '));
  }

  /** Returns how many entries of the batch are still unsent. */
  private async sendBatch(entries: SendMessageBatchRequestEntry[], failures: string[]): Promise<number> {
    let permanent = 0;
    let pending = entries;
    const { result } = await withRetries(async () => {
      try {
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = out.Failed ?? [];
        for (const f of failed) failures.push(`${f.Code}: ${f.Message ?? ''}`.trim());
        permanent += failed.filter((f) => f.SenderFault).length;
        const retry = new Set(failed.filter((f) => !f.SenderFault).map((f) => f.Id));
        pending = pending.filter((entry) => retry.has(entry.Id));
      } catch (e) {
        failures.push(describeError(e));
      }
      return pending;
    }, (left) => left.length > 0, this.enqueueRetry, this.sleep, this.random);
    return result.length + permanent;
  }
}

/** Groups messages into SendMessageBatch calls: at most 10 entries and 256 KB of bodies each. */
export function batches(messages: readonly WorkMessage[]): SendMessageBatchRequestEntry[][] {
  const out: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  messages.forEach((message, index) => {
    const size = byteLength(message.body);
    if (current.length === LIMITS.SQS_BATCH_ENTRIES || (current.length > 0 && bytes + size > LIMITS.MAX_SQS_MESSAGE_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({
      Id: String(index),
      MessageBody: message.body,
      ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
    });
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}
