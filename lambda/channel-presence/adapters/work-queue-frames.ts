// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PresenceFrame } from '../../../src/shared/presence';
import { serializeWorkItem } from '../../work/work-item';
import type { MemberFrame, PresenceFrames } from '../core/ports';

/** Longest work item `requestId` the pusher accepts. */
const MAX_REQUEST_ID = 512;

/**
 * Presence frames through the pusher's work queue: one `reads` work item over every shard of the channel, the frame
 * as `raw` data (posted as it is, never enveloped), the user excluded. The pusher sends it as it sends a request's
 * channel: each subscriber once, stale subscriptions pruned on 410, follow-ups for what fails.
 */
export class WorkQueueFrames implements PresenceFrames {
  constructor(
    private readonly client: SQSClient,
    private readonly options: { readonly queueUrl: string; readonly shards: number; readonly now: () => number },
  ) {}

  async send({ channel, event, userId, version, id }: MemberFrame): Promise<void> {
    const frame: PresenceFrame = { type: 'presence', channel, event, user: userId, version };
    const body = serializeWorkItem({
      requestId: `presence-${event}:${id}`.slice(0, MAX_REQUEST_ID),
      raw: true,
      segment: 0,
      totalSegments: 1,
      attempt: 1,
      startedAt: this.options.now(),
      reads: Array.from({ length: this.options.shards }, (_, shard) => ({ channel, shard })),
      excludeUsers: new Set([userId]),
    }, JSON.stringify(frame));
    await this.client.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: body }));
  }
}
