import type { SplitConfig, SplitPolicy, WorkDeps } from './deps';
import { byteLength, carriedId, serializeWorkItem } from './work-item';
import { LIMITS } from '../../src/shared/constants';
import type { DeliveryJob } from '../core/delivery/deps';
import type { MessageFormat } from '../core/envelope';
import { describeError } from '../core/errors';
import type { SegmentStore } from '../core/ports/connection-store';
import type { SubscriptionStore } from '../core/ports/subscription-store';
import type { WorkMessage } from '../core/ports/work-queue';
import { unsentReport, type RequestReport, type RequestSource } from '../core/reports';
import { isBroadcast, isChannelOnly, requestKind } from '../core/targets';

/** How long a "the table is at least `threshold` rows" answer is reused by a container. */
const SIZE_CACHE_MS = 60_000;

/** Channels whose answer a container keeps, at most (a publisher to many channels does not grow it without bound). */
const CHANNEL_CACHE_SIZE = 1_000;

/**
 * Whether broadcast-like requests are split: always with a threshold of 0, else when a counting Scan finds at least
 * `threshold` rows. DescribeTable's `ItemCount` is not used: DynamoDB refreshes it about every six hours (a new or
 * fast-growing table reads 0) and dynalite always reports 0. The answer is cached for a minute per container.
 *
 * A request to one channel alone is split when the table is (a channel has at most one subscriber per connection) and
 * counting Queries of the channel's shards find at least `threshold` subscribers; cached a minute per channel.
 */
export class SplitDecision implements SplitPolicy {
  private cached?: { readonly split: boolean; readonly until: number };
  private readonly channels = new Map<string, { readonly split: boolean; readonly until: number }>();

  constructor(private readonly store: SegmentStore, private readonly threshold: number, private readonly now: () => number = Date.now,
    private readonly subscriptions?: SubscriptionStore) {}

  async shouldSplitChannel(channel: string): Promise<boolean> {
    if (!this.subscriptions) return false;
    if (this.threshold === 0) return true;
    const cached = this.channels.get(channel);
    if (cached && this.now() < cached.until) return cached.split;
    const split = (await this.subscriptions.countUpTo(channel, this.threshold)) >= this.threshold;
    if (this.channels.size >= CHANNEL_CACHE_SIZE) this.channels.clear();
    this.channels.set(channel, { split, until: this.now() + SIZE_CACHE_MS });
    return split;
  }

  async shouldSplit(): Promise<boolean> {
    if (this.threshold === 0) return true;
    if (this.cached && this.now() < this.cached.until) return this.cached.split;
    const split = (await this.store.countUpTo(this.threshold)) >= this.threshold;
    this.cached = { split, until: this.now() + SIZE_CACHE_MS };
    return split;
  }
}

/** The split of one request: every segment's work item, or why the request must be delivered inline. */
export type SplitPlan =
  | { readonly ok: true; readonly messages: WorkMessage[] }
  | { readonly ok: false; readonly reason: string };

/** One work item per Scan segment, each carrying the payload and the exclusions, all within the SQS message limit. */
export function planSplit(job: DeliveryJob, config: SplitConfig, startedAt: number, messageFormat?: MessageFormat, channelShards = 1): SplitPlan {
  const dataText = job.request.dataText;
  const messages: WorkMessage[] = [];
  // A request to one channel: one item per shard of the channel (each shard's subscribers are disjoint).
  const channel = isChannelOnly(job.request) ? job.request.channels[0] : undefined;
  const totalSegments = channel === undefined ? config.totalSegments : channelShards;
  for (let segment = 0; segment < totalSegments; segment++) {
    const body = serializeWorkItem({
      requestId: job.messageId,
      ...carriedId(job.request.id, messageFormat),
      ...(job.request.action === 'disconnect' ? { action: 'disconnect' as const } : {}),
      ...(channel === undefined ? {} : { channel }),
      ...(job.positions ? { positions: job.positions } : {}),
      segment,
      totalSegments,
      attempt: 1,
      startedAt,
      excludeUsers: job.request.excludeUsers,
      excludeConnections: job.request.excludeConnections,
    }, dataText);
    if (byteLength(body) > LIMITS.MAX_SQS_MESSAGE_BYTES) {
      return {
        ok: false,
        reason: `a work item would be ${byteLength(body)} bytes (payload and exclusions), over SQS's ${LIMITS.MAX_SQS_MESSAGE_BYTES}`,
      };
    }
    messages.push({ body });
  }
  return { ok: true, messages };
}

/** A valid request of the invocation, with where it came from (for its report). */
export interface SourcedJob extends DeliveryJob {
  readonly source: RequestSource;
}

/** What {@link splitBroadcasts} did: the jobs still to deliver inline, and the reports of those it split. */
export interface SplitResult<J extends SourcedJob> {
  readonly inline: J[];
  readonly reports: ReadonlyMap<J, RequestReport>;
}

/**
 * Splits the broadcast-like jobs, and the jobs to one big channel, into work items when the table is big enough and
 * enqueues them; each split job is reported `split`, or `failed` (`ENQUEUE_FAILED`) when the work queue refused its
 * items, so that it is retried. Jobs too large to split, and every job when the table cannot be counted, stay inline.
 */
export async function splitBroadcasts<J extends SourcedJob>(jobs: readonly J[], deps: WorkDeps): Promise<SplitResult<J>> {
  const reports = new Map<J, RequestReport>();
  const candidates = jobs.filter((job) => isBroadcast(job.request) || isChannelOnly(job.request));
  const split = deps.config.split;
  if (!split || candidates.length === 0 || !(await shouldSplit(deps))) return { inline: [...jobs], reports };
  const now = deps.now ?? Date.now;
  await Promise.all(candidates.map(async (job) => {
    if (isChannelOnly(job.request) && !(await shouldSplit(deps, job.request.channels[0]))) return;
    const started = now();
    const plan = planSplit(job, split, started, deps.messageFormat, deps.workerDeps.subscriptions?.shards);
    if (!plan.ok) {
      deps.log.warn('request too large to split; broadcasting inline', { messageId: job.messageId, reason: plan.reason });
      return;
    }
    const base = unsentReport(job.messageId, job.source, requestKind(job.request));
    try {
      await deps.queue.send(plan.messages);
      reports.set(job, { ...base, outcome: 'split', segments: plan.messages.length, durationMs: now() - started });
    } catch (e) {
      reports.set(job, {
        ...base, outcome: 'failed', durationMs: now() - started, error: { code: 'ENQUEUE_FAILED', message: (e as Error).message },
      });
    }
  }));
  return { inline: jobs.filter((job) => !reports.has(job)), reports };
}

/** Whether the table (or, given, the channel) is big enough to split; a count that fails keeps the request inline. */
async function shouldSplit(deps: WorkDeps, channel?: string): Promise<boolean> {
  try {
    const decision = deps.splitDecision;
    return (await (channel === undefined ? decision?.shouldSplit() : decision?.shouldSplitChannel(channel))) ?? false;
  } catch (e) {
    deps.log.warn(channel === undefined ? 'could not count the table\'s rows; broadcasting inline' : 'could not count the channel\'s subscribers; delivering inline',
      { error: describeError(e), ...(channel === undefined ? {} : { channel }) });
    return false;
  }
}
