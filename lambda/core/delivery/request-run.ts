import type { DeliveryDeps, DeliveryJob } from './deps';
import { InFlight } from './in-flight';
import type { BatchPruner } from './pruner';
import { describeError, FORBIDDEN_MESSAGE, type DeliveryError } from '../errors';
import type { ConnectionKey, ConnectionRow } from '../ports/connection-store';
import type { PostResult } from '../ports/sender';
import { zeroCounts, type DeliveryCounts, type DeliveryOutcome } from '../reports';
import { realSleep, withRetries } from '../retry';
import { requestKind, TargetSet, type RequestKind } from '../targets';

/** Options of a run driven by a segmented-broadcast worker. */
export interface RunOptions {
  /**
   * Called for a connection still failing transiently after `MAX_ATTEMPTS`, instead of failing the request: the
   * worker carries it forward in a follow-up work item. Only connections whose row (owner) is known are carried.
   */
  readonly carry?: (key: ConnectionKey) => void;
}

/** One connection's post: its id, its owner when known, and how many attempts it took. */
interface Post {
  readonly connectionId: string;
  readonly owner?: string;
  readonly attempts: number;
}

/**
 * The state of one request while it is delivered: the connections it claimed, its counts, its errors. Rows and
 * direct ids are offered to it; each admitted connection waits for a send slot and is posted, with retries; each
 * post's final result is handled by the method named after it.
 */
export class RequestRun {
  readonly counts: DeliveryCounts = zeroCounts();
  /** Set once no further post should be started for this request. */
  stopped = false;
  private readonly kind: RequestKind;
  private readonly targets: TargetSet;
  private readonly started: number;
  private readonly inFlight = new InFlight();
  private readonly goneKeys: ConnectionKey[] = [];
  /** Gone connections given directly whose owner (hence row key) was not known when they answered. */
  private readonly goneUnowned = new Set<string>();
  private transient?: DeliveryError;
  private permanent?: DeliveryError;

  constructor(readonly job: DeliveryJob, private readonly deps: DeliveryDeps, private readonly pruner: BatchPruner,
    private readonly now: () => number, private readonly options: RunOptions = {}) {
    this.started = now();
    this.kind = requestKind(job.request);
    this.targets = new TargetSet(job.request, Math.floor(this.started / 1000));
  }

  async offerRows(rows: readonly ConnectionRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopped) return;
      if (this.goneUnowned.delete(row.connectionId)) this.goneKeys.push(row);
      if (this.targets.admitRow(row)) await this.schedule(row.connectionId, row.userId);
    }
  }

  async offerDirect(connectionId: string, excludedByUser: ReadonlySet<string>): Promise<void> {
    if (!this.stopped && this.targets.admitDirect(connectionId, excludedByUser)) await this.schedule(connectionId);
  }

  lookupFailed(error: unknown): void {
    this.transient ??= { code: 'LOOKUP_FAILED', message: `reading the connections table failed: ${describeError(error)}` };
    // The whole message will be retried: posting to more connections now would only duplicate them.
    this.stopped = true;
  }

  /** Resolves once every post started so far has settled (retries included). */
  settled(): Promise<void> {
    return this.inFlight.settled();
  }

  async finish(): Promise<DeliveryOutcome> {
    await this.settled();
    if (this.goneKeys.length > 0) this.counts.pruned = await this.pruner.prune(this.goneKeys, this.job.messageId);
    const error = this.permanent ?? this.transient;
    return {
      status: this.permanent ? 'invalid' : this.transient ? 'failed' : 'delivered',
      kind: this.kind,
      ...this.counts,
      durationMs: this.now() - this.started,
      ...(error ? { error } : {}),
    };
  }

  /** Waits for a send slot (so reading pauses while every slot is busy), then posts without waiting. */
  private async schedule(connectionId: string, owner?: string): Promise<void> {
    await this.deps.sendSlots.acquire();
    if (this.stopped) {
      this.deps.sendSlots.release();
      return;
    }
    this.counts.targets += 1;
    this.inFlight.track(this.post(connectionId, owner)
      .catch((e: unknown) => this.postThrew(connectionId, e))
      .finally(() => this.deps.sendSlots.release()));
  }

  private async post(connectionId: string, owner: string | undefined): Promise<void> {
    const { result, retries } = await withRetries(
      () => this.deps.sender.post(connectionId, this.job.request.payload),
      (r) => r.status === 'retryable',
      this.deps.postRetry,
      this.deps.sleep ?? realSleep,
      this.deps.random,
    );
    this.counts.retried += retries;
    this.handle(result, { connectionId, owner, attempts: retries + 1 });
  }

  private handle(result: PostResult, post: Post): void {
    switch (result.status) {
      case 'delivered': return this.delivered();
      case 'gone': return this.gone(post);
      case 'retryable': return this.stillFailing(post, result.reason);
      case 'payload-too-large': return this.payloadTooLarge(result.reason);
      case 'forbidden': return this.forbidden(post, result.reason);
      case 'rejected': return this.rejected(post, result.reason);
    }
  }

  private delivered(): void {
    this.counts.delivered += 1;
  }

  private gone(post: Post): void {
    this.counts.gone += 1;
    // A direct id's owner may have been learned from a row read while the post was in flight.
    const userId = this.ownerOf(post);
    if (userId !== undefined) this.goneKeys.push({ userId, connectionId: post.connectionId });
    else this.goneUnowned.add(post.connectionId);
  }

  private stillFailing(post: Post, reason: string): void {
    const userId = this.ownerOf(post);
    if (this.options.carry && userId !== undefined) {
      this.options.carry({ userId, connectionId: post.connectionId });
      return;
    }
    this.counts.failed += 1;
    this.transient ??= {
      code: 'SEND_FAILED',
      message: `connection ${post.connectionId} still failing after ${post.attempts} attempts: ${reason}`,
    };
  }

  private payloadTooLarge(reason: string): void {
    this.counts.failed += 1;
    this.permanent ??= { code: 'PAYLOAD_TOO_LARGE', message: `the Management API refused the payload: ${reason}` };
    this.stopped = true;
  }

  private forbidden(post: Post, reason: string): void {
    this.counts.failed += 1;
    if (!this.transient || this.transient.code !== 'FORBIDDEN') {
      // Transient on purpose: once the permission or URL is fixed, the retried message goes through.
      this.transient = { code: 'FORBIDDEN', message: `${FORBIDDEN_MESSAGE} (${reason})` };
      this.deps.log.error(FORBIDDEN_MESSAGE, { messageId: this.job.messageId, connectionId: post.connectionId, reason });
    }
    this.stopped = true;
  }

  private rejected(post: Post, reason: string): void {
    this.counts.failed += 1;
    this.deps.log.warn('connection rejected the post', { messageId: this.job.messageId, connectionId: post.connectionId, reason });
  }

  /** A Sender classifies its own errors; anything escaping it is a bug, never a reason to drop the message. */
  private postThrew(connectionId: string, error: unknown): void {
    this.counts.failed += 1;
    this.transient ??= { code: 'SEND_FAILED', message: `posting to ${connectionId} threw ${describeError(error)}` };
  }

  private ownerOf(post: Post): string | undefined {
    return post.owner ?? this.targets.ownerOf(post.connectionId);
  }
}
