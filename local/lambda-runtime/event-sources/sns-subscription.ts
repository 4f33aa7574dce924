import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from '../../aws/moto/moto-server';
import { snsEventOf } from '../../events';
import type { FunctionRunner, Invocation } from '../function-runner';
import { QueuePoller } from './queue-poller';

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
export class SnsSubscription extends QueuePoller {
  readonly invocations: Invocation[] = [];

  constructor(private readonly options: SnsSubscriptionOptions) {
    super(options.queue, [options.runner]);
  }

  protected async pollOnce(runner: FunctionRunner): Promise<void> {
    const { client, queue, subscriptionArn } = this.options;
    const receive = new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 });
    const { Messages = [] } = await client.send(receive).catch(() => ({ Messages: [] }));
    for (const message of Messages) {
      await this.invoking(async () => {
        const invocation = await runner.invoke(snsEventOf(JSON.parse(message.Body ?? '{}'), subscriptionArn));
        this.invocations.push(invocation);
        this.options.onInvocation?.(invocation);
        if (!invocation.error) await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
      });
    }
  }
}
