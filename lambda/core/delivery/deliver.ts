import type { ConnectionKey, ConnectionStore } from './connection-store';
import type { Limiter } from './limiter';
import type { NotificationRequest, RequestError } from './request';
import { realSleep, withRetries, type Random, type RetryPolicy, type Sleep } from './retry';
import type { Sender } from './sender';
import { excludedUsersToQuery, isBroadcast, requestKind, TargetSet, usersToQuery, type ConnectionRow, type RequestKind } from './targets';

/** Why a valid request was not fully delivered. `PAYLOAD_TOO_LARGE` is permanent, the others transient. */
export type DeliveryErrorCode = 'LOOKUP_FAILED' | 'SEND_FAILED' | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE';

export interface DeliveryError {
  readonly code: DeliveryErrorCode | RequestError['code'];
  readonly message: string;
}

/** Per-request figures, logged and published as metrics. */
export interface DeliveryCounts {
  /** Distinct connections a post was attempted to (after TTL, exclusions and de-duplication). */
  targets: number;
  delivered: number;
  /** Connections that answered 410 Gone. */
  gone: number;
  /** Gone rows deleted from the table. */
  pruned: number;
  /** Post attempts after the first, summed over connections. */
  retried: number;
  /** Connections not delivered for any reason but Gone. */
  failed: number;
}

/** `invalid`: can never succeed, not retried. `failed`: transient, the message must be retried. */
export type DeliveryStatus = 'delivered' | 'invalid' | 'failed';

export interface DeliveryOutcome extends DeliveryCounts {
  readonly status: DeliveryStatus;
  readonly kind: RequestKind;
  readonly durationMs: number;
  readonly error?: DeliveryError;
}

export interface DeliveryJob {
  readonly messageId: string;
  readonly request: NotificationRequest;
}

/** What the core logs besides the per-request line: configuration errors and per-connection rejections. */
export interface CoreLog {
  error(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface DeliveryDeps {
  readonly store: ConnectionStore;
  readonly sender: Sender;
  /** Bounds PostToConnection calls in flight across every request of the invocation. */
  readonly sendLimiter: Limiter;
  /** Bounds DynamoDB Queries in flight across every request of the invocation. */
  readonly queryLimiter: Limiter;
  readonly retryPolicy: RetryPolicy;
  readonly scanSegments: number;
  readonly log: CoreLog;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

export const FORBIDDEN_MESSAGE =
  'configuration error: the function lacks execute-api:ManageConnections or CALLBACK_URL is wrong';

/**
 * Delivers every job of one invocation concurrently and returns their outcomes in order. Broadcast and exclusion
 * jobs share a single parallel Scan whose pages are fanned out to each job's filter; multicast jobs Query per user.
 */
export async function deliverAll(jobs: readonly DeliveryJob[], deps: DeliveryDeps): Promise<DeliveryOutcome[]> {
  const now = deps.now ?? Date.now;
  const pruner = new BatchPruner(deps);
  const runs = jobs.map((job) => new RequestRun(job, deps, pruner, now));
  const scanning = runs.filter((run) => isBroadcast(run.job.request));
  const lookups = runs.filter((run) => !isBroadcast(run.job.request)).map((run) => lookUpTargets(run, deps));
  if (scanning.length > 0) lookups.push(sharedScan(scanning, deps));
  await Promise.all(lookups);
  return Promise.all(runs.map((run) => run.finish()));
}

/** One table read for all broadcast-like runs: pages are offered to every run still accepting targets. */
async function sharedScan(runs: readonly RequestRun[], deps: DeliveryDeps): Promise<void> {
  const segments = Array.from({ length: deps.scanSegments }, async (_, segment) => {
    try {
      for await (const page of deps.store.scanSegment(segment, deps.scanSegments)) {
        await Promise.all(runs.map((run) => run.offerRows(page)));
        if (runs.every((run) => run.stopped)) return;
      }
    } catch (e) {
      for (const run of runs) run.lookupFailed(e);
    }
  });
  await Promise.all(segments);
}

async function lookUpTargets(run: RequestRun, deps: DeliveryDeps): Promise<void> {
  const readUser = (userId: string, onPage: (rows: ConnectionRow[]) => Promise<void> | void) =>
    deps.queryLimiter.run(async () => {
      try {
        for await (const page of deps.store.queryUser(userId)) {
          if (run.stopped) return;
          await onPage(page);
        }
      } catch (e) {
        run.lookupFailed(e);
      }
    });
  const request = run.job.request;

  // Directly given ids have no known owner: the excluded users' connections are read to subtract them.
  const excludedByUser = new Set<string>();
  const direct = async () => {
    await Promise.all(excludedUsersToQuery(request).map((user) =>
      readUser(user, (rows) => rows.forEach((row) => excludedByUser.add(row.connectionId)))));
    for (const connectionId of request.connections) await run.offerDirect(connectionId, excludedByUser);
  };
  await Promise.all([direct(), ...usersToQuery(request).map((user) => readUser(user, (rows) => run.offerRows(rows)))]);
}

/** Options of a run driven by a segmented-broadcast worker. */
export interface RunOptions {
  /**
   * Called for a connection still failing transiently after `MAX_ATTEMPTS`, instead of failing the request: the
   * worker carries it forward in a follow-up work item. Only connections whose row (owner) is known are carried.
   */
  readonly carry?: (key: ConnectionKey) => void;
}

/** The state of one request while it is delivered. */
export class RequestRun {
  readonly counts: DeliveryCounts = { targets: 0, delivered: 0, gone: 0, pruned: 0, retried: 0, failed: 0 };
  /** Connections handed to `RunOptions.carry`. */
  carried = 0;
  /** Set once no further post should be started for this request. */
  stopped = false;
  private readonly kind: RequestKind;
  private readonly targets: TargetSet;
  private readonly started: number;
  private readonly goneKeys: ConnectionKey[] = [];
  /** Gone connections given directly whose owner (hence row key) was not known when they answered. */
  private readonly goneUnowned = new Set<string>();
  private transient?: DeliveryError;
  private permanent?: DeliveryError;
  private pending = 0;
  private drained?: () => void;

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
    const e = error as Error;
    this.transient ??= { code: 'LOOKUP_FAILED', message: `reading the connections table failed: ${e.name}: ${e.message}` };
    // The whole message will be retried: posting to more connections now would only duplicate them.
    this.stopped = true;
  }

  /** Resolves once every post started so far has settled (retries included). */
  async settled(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => { this.drained = resolve; });
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
    await this.deps.sendLimiter.acquire();
    if (this.stopped) {
      this.deps.sendLimiter.release();
      return;
    }
    this.counts.targets += 1;
    this.pending += 1;
    void this.send(connectionId, owner).catch((e: Error) => {
      // A Sender classifies its own errors; anything escaping it is a bug, never a reason to drop the message.
      this.counts.failed += 1;
      this.transient ??= { code: 'SEND_FAILED', message: `posting to ${connectionId} threw ${e.name}: ${e.message}` };
    }).finally(() => {
      this.deps.sendLimiter.release();
      this.pending -= 1;
      if (this.pending === 0) this.drained?.();
    });
  }

  private async send(connectionId: string, owner: string | undefined): Promise<void> {
    const { result, retries } = await withRetries(
      () => this.deps.sender.post(connectionId, this.job.request.payload),
      (r) => r.status === 'retryable',
      this.deps.retryPolicy,
      this.deps.sleep ?? realSleep,
      this.deps.random,
    );
    this.counts.retried += retries;
    switch (result.status) {
      case 'delivered':
        this.counts.delivered += 1;
        return;
      case 'gone': {
        this.counts.gone += 1;
        // A direct id's owner may have been learned from a row read while the post was in flight.
        const userId = owner ?? this.targets.ownerOf(connectionId);
        if (userId !== undefined) this.goneKeys.push({ userId, connectionId });
        else this.goneUnowned.add(connectionId);
        return;
      }
      case 'retryable': {
        const key = owner ?? this.targets.ownerOf(connectionId);
        if (this.options.carry && key !== undefined) {
          this.carried += 1;
          this.options.carry({ userId: key, connectionId });
          return;
        }
        this.counts.failed += 1;
        this.transient ??= {
          code: 'SEND_FAILED',
          message: `connection ${connectionId} still failing after ${retries + 1} attempts: ${result.reason}`,
        };
        return;
      }
      case 'payload-too-large':
        this.counts.failed += 1;
        this.permanent ??= { code: 'PAYLOAD_TOO_LARGE', message: `the Management API refused the payload: ${result.reason}` };
        this.stopped = true;
        return;
      case 'forbidden':
        this.counts.failed += 1;
        if (!this.transient || this.transient.code !== 'FORBIDDEN') {
          // Transient on purpose: once the permission or URL is fixed, the retried message goes through.
          this.transient = { code: 'FORBIDDEN', message: `${FORBIDDEN_MESSAGE} (${result.reason})` };
          this.deps.log.error(FORBIDDEN_MESSAGE, { messageId: this.job.messageId, connectionId, reason: result.reason });
        }
        this.stopped = true;
        return;
      case 'rejected':
        this.counts.failed += 1;
        this.deps.log.warn('connection rejected the post', { messageId: this.job.messageId, connectionId, reason: result.reason });
        return;
    }
  }
}

/** Prunes gone rows for all requests of an invocation, deleting each key once even if several requests met it. */
export class BatchPruner {
  private readonly results = new Map<string, Promise<boolean>>();

  constructor(private readonly deps: DeliveryDeps) {}

  /** Resolves to the number of `keys` deleted. */
  async prune(keys: readonly ConnectionKey[], messageId: string): Promise<number> {
    const id = (key: ConnectionKey) => `${key.userId}\u0000${key.connectionId}`;
    const fresh = [...new Map(keys.filter((key) => !this.results.has(id(key))).map((key) => [id(key), key])).values()];
    if (fresh.length > 0) {
      const call = this.deps.store.prune(fresh).catch((e: Error) => ({ deleted: 0, failed: fresh, error: `${e.name}: ${e.message}` }));
      const failedIds = call.then((result) => {
        if (result.failed.length > 0) {
          this.deps.log.warn('stale connections not pruned', { messageId, count: result.failed.length, error: result.error });
        }
        return new Set(result.failed.map(id));
      });
      for (const key of fresh) this.results.set(id(key), failedIds.then((failed) => !failed.has(id(key))));
    }
    const deleted = await Promise.all([...new Set(keys.map(id))].map((key) => this.results.get(key)!));
    return deleted.filter(Boolean).length;
  }
}
