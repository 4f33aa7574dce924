// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PresenceCheck } from '../../../src/shared/presence';
import type { CheckQueue } from '../core/ports';

/**
 * The presence check queue in SQS: one SendMessage per departure, delayed by the grace period (`DelaySeconds`, at
 * most 900). A refused or failed send throws (the SDK's own retries spent): the stream record fails and is retried.
 */
export class SqsCheckQueue implements CheckQueue {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async send(check: PresenceCheck, delaySeconds: number): Promise<void> {
    await this.client.send(new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify({ userId: check.userId, token: check.token, ...(check.channel === undefined ? {} : { channel: check.channel }) }),
      DelaySeconds: delaySeconds,
    }));
  }
}
