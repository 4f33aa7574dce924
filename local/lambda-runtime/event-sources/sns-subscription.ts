import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from '../../aws/moto/moto-server';
import { snsEventOf } from '../../events';
import type { FunctionRunner, Invocation } from '../function-runner';

export interface SnsSubscriptionOptions {
  readonly client: SQSClient;
  /** The queue subscribed to the topic in the function's place (SNS writes its JSON envelope as each body). */
  readonly queue: LocalQueue;
  readonly subscriptionArn: string;
  readonly runner: FunctionRunner;
  /** Called after each invocation (e.g. to print its report lines). */
  readonly onInvocation?: (invocation: Invocation) => void;
}

/**
 * What SNS's `lambda` subscription does, over moto: moto cannot invoke a function, so the topic delivers to a queue,
 * and each message becomes the SNS event Lambda would have been invoked with, one record per invocation. A failed
 * invocation leaves the message, which comes back after its visibility timeout, as Lambda retries an asynchronous
 * invocation.
 */
export class SnsSubscription {
  readonly invocations: Invocation[] = [];
  private running = false;
  private busy = 0;
  private loop?: Promise<void>;

  constructor(private readonly options: SnsSubscriptionOptions) {}

  /** Invocations currently running. */
  get inFlight(): number {
    return this.busy;
  }

  /** The queue subscribed in the function's place. */
  get queue(): LocalQueue {
    return this.options.queue;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async poll(): Promise<void> {
    const { client, queue, runner, subscriptionArn } = this.options;
    while (this.running) {
      const receive = new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 });
      const { Messages = [] } = await client.send(receive).catch(() => ({ Messages: [] }));
      for (const message of Messages) {
        this.busy += 1;
        try {
          const invocation = await runner.invoke(snsEventOf(JSON.parse(message.Body ?? '{}'), subscriptionArn));
          this.invocations.push(invocation);
          this.options.onInvocation?.(invocation);
          if (!invocation.error) await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
        } finally {
          this.busy -= 1;
        }
      }
    }
  }
}
