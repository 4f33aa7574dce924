import { ChannelReads, type Deadline } from './channel-reads';
import type { ConnectionOrder } from './connection-order';
import type { DeliveryDeps, DeliveryJob } from './deps';
import { markBeforeClose } from './disconnect-marks';
import { alsoSubscribed } from './history-membership';
import { InFlight } from './in-flight';
import { Leftovers } from './leftovers';
import { Payloads } from './payloads';
import type { BatchPruner } from './pruner';
import { describeError, FORBIDDEN_MESSAGE, type DeliveryError } from '../errors';
import type { CarriedConnection, ConnectionKey, ConnectionRow, StartKey } from '../ports/connection-store';
import type { PostResult } from '../ports/sender';
import type { ShardRead, SubscriberRow, SubscriptionKey } from '../ports/subscription-store';
import { zeroCounts, type DeliveryCounts, type DeliveryOutcome } from '../reports';
import { realSleep, withRetries } from '../retry';
import { requestKind, TargetSet, type RequestKind } from '../targets';

/** How a run ends what it cannot finish. */
export interface RunOptions {
  /**
   * With follow-ups, what the request cannot finish (connections still failing after `MAX_ATTEMPTS`, users whose
   * lookup failed, unread Scan parts) is kept in its {@link Remainder} for follow-up work items, and the rest is
   * delivered once. Without (a FIFO source, where order wins), the request fails and is retried whole.
   */
  readonly followUps?: boolean;
  /** With follow-ups: the clock of the time guard on channel reads. */
  readonly deadline?: Deadline;
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
  /** Connections this run closed (a disconnect request): their rows are deleted too, counted as closed, not pruned. */
  private readonly closedIds = new Set<string>();
  /** Gone or closed connections: their subscriptions to the request's channels are pruned when the run finishes. */
  private readonly goneConnections: string[] = [];
  private readonly payloads: Payloads;
  /** Gone connections given directly whose owner (hence row key) was not known when they answered. */
  private readonly goneUnowned = new Set<string>();
  private transient?: DeliveryError;
  private permanent?: DeliveryError;
  private readonly left = new Leftovers();
  /** How the run's channel shards hand on what they leave unread. */
  readonly channelReads: ChannelReads;

  constructor(readonly job: DeliveryJob, private readonly deps: DeliveryDeps, private readonly pruner: BatchPruner,
    private readonly order: ConnectionOrder, private readonly now: () => number, private readonly options: RunOptions = {}) {
    this.started = now();
    this.kind = requestKind(job.request);
    this.targets = new TargetSet(job.request, Math.floor(this.started / 1000));
    this.payloads = new Payloads(job.request, job.positions);
    this.channelReads = new ChannelReads(this.left, job.request.channels, options.followUps ? options.deadline : undefined);
  }

  /** Subscribers of the request's channels: each connection is reached through the first channel it is offered by. */
  async offerSubscribers(rows: readonly SubscriberRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopped) return;
      if (this.goneUnowned.delete(row.connectionId)) this.goneKeys.push(row);
      if (this.targets.admitSubscriber(row)) await this.schedule(row.connectionId, row.userId);
    }
  }

  async offerRows(rows: readonly ConnectionRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopped) return;
      if (this.goneUnowned.delete(row.connectionId)) this.goneKeys.push(row);
      if (this.targets.admitRow(row)) await this.schedule(row.connectionId, row.userId);
    }
  }

  /** One row, when several runs are offered the same page row by row (to keep their order on each connection). */
  offerRow(row: ConnectionRow): Promise<void> {
    return this.offerRows([row]);
  }

  async offerDirect(connectionId: string, excludedByUser: ReadonlySet<string>): Promise<void> {
    if (!this.stopped && this.targets.admitDirect(connectionId, excludedByUser)) await this.schedule(connectionId);
  }

  /**
   * A Query failed: with follow-ups, `userId` is looked up again later, skipping the connections its earlier pages
   * reached (`reached`); without, the request stops.
   */
  lookupFailed(error: unknown, userId?: string, reached: readonly string[] = []): void {
    if (!this.options.followUps || userId === undefined) return this.fail(error);
    this.left.failedUsers.push(userId);
    this.left.reachedBeforeFailure.push(...reached);
  }

  /** A channel shard's Query failed after `unread.startKey` (`progressed`: this run read some of it). */
  channelReadFailed(error: unknown, unread: ShardRead, shards: number, progressed: boolean): void {
    if (!this.options.followUps) return this.fail(error);
    this.channelReads.handOn(unread, shards, progressed, true);
  }

  /** A Scan segment failed after the pages before `startKey`: with follow-ups, the rest is read later. */
  scanFailed(error: unknown, segment: number, totalSegments: number, startKey?: StartKey): void {
    if (!this.options.followUps) return this.fail(error);
    this.left.unread.push({ segment, totalSegments, ...(startKey ? { startKey } : {}) });
  }

  /** Connections still failing transiently, handed on (only with follow-ups). */
  get carriedConnections(): readonly CarriedConnection[] {
    return this.left.carried;
  }

  /** Resolves once every post started so far has settled (retries included). */
  settled(): Promise<void> {
    return this.inFlight.settled();
  }

  async finish(): Promise<DeliveryOutcome> {
    await this.settled();
    await this.pruneRows();
    const error = this.permanent ?? this.transient;
    const remainder = this.options.followUps ? this.left.remainder(this.targets, this.job.request.channels) : undefined;
    return {
      status: this.permanent ? 'invalid' : this.transient ? 'failed' : 'delivered',
      kind: this.kind,
      ...this.counts,
      durationMs: this.now() - this.started,
      ...(error ? { error } : {}),
      ...(remainder && !error ? { remainder } : {}),
    };
  }

  private fail(error: unknown): void {
    this.transient ??= { code: 'LOOKUP_FAILED', message: `reading the connections table failed: ${describeError(error)}` };
    // The whole message will be retried: posting to more connections now would only duplicate them.
    this.stopped = true;
  }

  /**
   * Queues the post behind any earlier one to the same connection and waits for a send slot (so reading pauses
   * while every slot is busy); the post itself runs without being waited for.
   */
  private async schedule(connectionId: string, owner?: string): Promise<void> {
    this.inFlight.begin();
    await this.order.schedule(connectionId, async () => {
      try {
        if (this.stopped) return;
        this.counts.targets += 1;
        await this.post(connectionId, owner);
      } catch (e) {
        this.postThrew(connectionId, e);
      } finally {
        this.inFlight.end();
      }
    });
  }

  /** Posts the payload; for a disconnect request, then closes the connection (only once the payload was delivered). */
  private async post(connectionId: string, owner: string | undefined): Promise<void> {
    const action = this.job.request.action;
    const channel = this.targets.channelOf(connectionId);
    const payload = this.payloads.for(channel, await alsoSubscribed(this.job, this.deps, connectionId, channel));
    if (payload) {
      const posted = await this.attempt(connectionId, owner, () => this.deps.sender.post(connectionId, payload));
      if (action === 'disconnect' && posted.result.status === 'gone') this.counts.closed += 1;
      if (action === 'send' || posted.result.status !== 'delivered') return this.handle(posted.result, posted.post);
      this.delivered(posted.post);
    }
    await markBeforeClose(this.deps, { connectionId, userId: owner ?? this.targets.ownerOf(connectionId) }, this.job.messageId);
    const closed = await this.attempt(connectionId, owner, () => this.deps.sender.disconnect(connectionId));
    this.handleClose(closed.result, closed.post, payload !== undefined);
  }

  private async attempt(connectionId: string, owner: string | undefined, call: () => Promise<PostResult>) {
    const { result, retries } = await withRetries(
      call,
      (r) => r.status === 'retryable',
      this.deps.postRetry,
      this.deps.sleep ?? realSleep,
      this.deps.random,
    );
    this.counts.retried += retries;
    return { result, post: { connectionId, owner, attempts: retries + 1 } };
  }

  /** A close's result: closed or already gone, the row is deleted; still failing, only the close is left to do. */
  private handleClose(result: PostResult, post: Post, dataSent: boolean): void {
    if (result.status === 'delivered' || result.status === 'gone') {
      this.counts.closed += 1;
      this.closedIds.add(post.connectionId);
      return this.forget(post);
    }
    if (result.status === 'retryable' && this.options.followUps && dataSent) {
      this.left.closing.push(this.carriedOf(post));
      return;
    }
    this.handle(result, post);
  }

  private handle(result: PostResult, post: Post): void {
    switch (result.status) {
      case 'delivered': return this.delivered(post);
      case 'gone': return this.gone(post);
      case 'retryable': return this.stillFailing(post, result.reason);
      case 'payload-too-large': return this.payloadTooLarge(result.reason);
      case 'forbidden': return this.forbidden(post, result.reason);
      case 'rejected': return this.rejected(post, result.reason);
    }
  }

  private delivered(post: Post): void {
    this.counts.delivered += 1;
    if (this.targets.channelOf(post.connectionId) !== undefined) this.counts.channelDelivered += 1;
  }

  private gone(post: Post): void {
    this.counts.gone += 1;
    this.forget(post);
  }

  /** Deletes the rows of gone and closed connections, and their subscriptions; only the gone ones count as pruned. */
  private async pruneRows(): Promise<void> {
    // Gathered now, not at the 410: a later channel's subscription row of the connection may have been read since.
    const subscriptions: SubscriptionKey[] = this.goneConnections.flatMap((connectionId) =>
      this.targets.channelsOf(connectionId).map((channel) => ({ channel, connectionId })));
    this.counts.pruned = await this.pruner.pruneGoneAndClosed(this.goneKeys, subscriptions, this.closedIds, this.job.messageId);
  }

  /** The row of a connection that is gone or closed is deleted when the run finishes. */
  private forget(post: Post): void {
    // A direct id's owner may have been learned from a row read while the post was in flight.
    const userId = this.ownerOf(post);
    if (userId !== undefined) this.goneKeys.push({ userId, connectionId: post.connectionId });
    else this.goneUnowned.add(post.connectionId);
    this.goneConnections.push(post.connectionId);
  }

  private stillFailing(post: Post, reason: string): void {
    if (this.options.followUps) {
      this.left.carried.push(this.carriedOf(post));
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

  /** A connection as a follow-up carries it: with its owner and its channel, when known. */
  private carriedOf(post: Post): CarriedConnection {
    const userId = this.ownerOf(post);
    const channel = this.targets.channelOf(post.connectionId);
    return { ...(userId === undefined ? {} : { userId }), connectionId: post.connectionId, ...(channel === undefined ? {} : { channel }) };
  }
}
