import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from '../../aws/moto/moto-server';
import type { FunctionRunner, Invocation } from '../function-runner';
import { QueuePoller } from './queue-poller';

export interface EventBridgeTargetOptions {
  readonly client: SQSClient;
  /** The queue the rule delivers to in the function's place (each body one event, as the function gets it). */
  readonly queue: LocalQueue;
  readonly runner: FunctionRunner;
  /** The function timeout the context reports. */
  readonly functionTimeoutMs: number;
  /** Retries of an invocation that threw, as Lambda's asynchronous invocation retries it (2 unless the function says otherwise). */
  readonly maximumRetryAttempts: number;
  /** Seconds before the nth retry. @default 2^(n-1): 1 s, then 2 s (Lambda waits about 1 min, then 2 min) */
  readonly retryDelaySeconds?: (retry: number) => number;
  /** Called after each invocation, the event it was given with it. */
  readonly onInvocation?: (invocation: Invocation, event: unknown) => void;
  /** Called when an event's last retry threw too: the event is dropped. */
  readonly onGiveUp?: (event: unknown, invocation: Invocation, attempts: number) => void;
}

/**
 * What EventBridge's Lambda target does, over moto: moto cannot invoke a local function, so the rule delivers to a queue,
 * and each message is one asynchronous invocation with the event. An invocation that throws is retried after a
 * backoff (the message hidden that long), `maximumRetryAttempts` times; then the event is given up (`onGiveUp`).
 */
export class EventBridgeTarget extends QueuePoller {
  readonly invocations: Array<{ readonly event: unknown; readonly invocation: Invocation }> = [];

  constructor(private readonly options: EventBridgeTargetOptions) {
    super(options.queue, [options.runner]);
  }

  protected async pollOnce(runner: FunctionRunner): Promise<void> {
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await this.options.client.send(new ReceiveMessageCommand({
        QueueUrl: this.queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      })));
    } catch (e) {
      if (!this.isRunning) return;
      throw e;
    }
    for (const message of messages) await this.invoking(() => this.invoke(runner, message));
  }

  private async invoke(runner: FunctionRunner, message: Message): Promise<void> {
    const { client, queue } = this.options;
    const event = JSON.parse(message.Body ?? 'null');
    const invocation = await runner.invoke(event, { timeoutMs: this.options.functionTimeoutMs });
    this.invocations.push({ event, invocation });
    this.options.onInvocation?.(invocation, event);
    const attempt = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    if (invocation.error && attempt <= this.options.maximumRetryAttempts) {
      const delay = (this.options.retryDelaySeconds ?? ((n) => 2 ** (n - 1)))(attempt);
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: delay }));
      return;
    }
    if (invocation.error) this.options.onGiveUp?.(event, invocation, attempt);
    await client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }));
  }
}
