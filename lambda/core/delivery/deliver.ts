import { ConnectionOrder } from './connection-order';
import type { DeliveryDeps, DeliveryJob } from './deps';
import { BatchPruner } from './pruner';
import { RequestRun, type RunOptions } from './request-run';
import type { ConnectionRow, StartKey } from '../ports/connection-store';
import type { ShardRead, SubscriptionStore } from '../ports/subscription-store';
import type { DeliveryOutcome } from '../reports';
import { excludedUsersToQuery, isBroadcast, usersToQuery } from '../targets';

/**
 * Delivers every job of one invocation and returns their outcomes in order. Each connection receives the jobs in
 * their order (a post waits for the earlier post to the same connection, retries included), while different
 * connections are served concurrently within `MAX_IN_FLIGHT`.
 *
 * Jobs are taken in waves of consecutive jobs of one kind. A wave of broadcast and exclusion jobs shares one
 * parallel Scan, each row offered to the jobs in their order; a wave of multicast and direct jobs looks its users up
 * concurrently and offers each job's targets once the job before it has offered all of its own. A wave starts once
 * the one before it has offered its targets (not waited for their posts).
 */
export async function deliverAll(jobs: readonly DeliveryJob[], deps: DeliveryDeps, options: RunOptions = {}): Promise<DeliveryOutcome[]> {
  const now = deps.now ?? Date.now;
  const pruner = new BatchPruner(deps);
  const order = new ConnectionOrder(deps.sendSlots);
  const runs = jobs.map((job) => new RequestRun(job, deps, pruner, order, now, options));
  for (const wave of waves(runs)) {
    if (isBroadcast(wave[0].job.request)) await sharedScan(wave, deps);
    else await lookUpInOrder(wave, deps);
  }
  return Promise.all(runs.map((run) => run.finish()));
}

/** Consecutive runs of the same kind (broadcast-like or targeted). */
function waves(runs: readonly RequestRun[]): RequestRun[][] {
  const out: RequestRun[][] = [];
  for (const run of runs) {
    const last = out[out.length - 1];
    if (last && isBroadcast(last[0].job.request) === isBroadcast(run.job.request)) last.push(run);
    else out.push([run]);
  }
  return out;
}

/**
 * One table read for all broadcast-like runs: each row is offered to every run in their order. A segment that fails
 * is handed to each run from the key after its last page read (with follow-ups), or fails them.
 */
async function sharedScan(runs: readonly RequestRun[], deps: DeliveryDeps): Promise<void> {
  const total = deps.scanSegments;
  const segments = Array.from({ length: total }, async (_, segment) => {
    let lastKey: StartKey | undefined;
    try {
      for await (const page of deps.store.scanSegment(segment, total)) {
        if (runs.length === 1) {
          await runs[0].offerRows(page.rows);
        } else {
          for (const row of page.rows) {
            for (const run of runs) await run.offerRow(row);
          }
        }
        lastKey = page.lastKey;
        if (runs.every((run) => run.stopped)) return;
      }
    } catch (e) {
      for (const run of runs) run.scanFailed(e, segment, total, lastKey);
    }
  });
  await Promise.all(segments);
}

/** Targeted runs look up concurrently; each offers its targets once the run before it has offered all of its own. */
async function lookUpInOrder(runs: readonly RequestRun[], deps: DeliveryDeps): Promise<void> {
  let previous: Promise<void> | undefined;
  const lookups = runs.map((run) => {
    const done = lookUpTargets(run, deps, previous);
    previous = done;
    return done;
  });
  await Promise.all(lookups);
}

/**
 * Multicast, direct and channel requests: a Query per channel shard and per user (bounded by `querySlots`), then the
 * direct ids. Targets are offered once `turn` (the previous run's lookup) resolves, and in this order: each channel's
 * subscribers once the channels before it are offered, then the users' connections and the direct ids, so that a
 * connection reached several ways is reached through the first of the request's channels it is subscribed to (the
 * envelope's `channel`). A page read before its turn waits: what waits is a page per shard and per user.
 */
export async function lookUpTargets(run: RequestRun, deps: DeliveryDeps, turn?: Promise<void>): Promise<void> {
  const readUser = (userId: string, onPage: (rows: ConnectionRow[]) => Promise<void> | void, target: boolean) =>
    deps.querySlots.run(async () => {
      const reached: string[] = [];
      try {
        for await (const page of deps.store.queryUser(userId)) {
          if (run.stopped) return;
          await onPage(page);
          if (target) reached.push(...page.map((row) => row.connectionId));
        }
      } catch (e) {
        run.lookupFailed(e, target ? userId : undefined, reached);
      }
    });
  const request = run.job.request;

  // Directly given ids have no known owner: the excluded users' connections are read to subtract them, before any
  // target is offered (a failed exclusion stops the request, and nothing must have been sent by then).
  const excludedByUser = new Set<string>();
  const excluded = excludedUsersToQuery(request);
  const exclusions = excluded.length > 0
    ? Promise.all(excluded.map((user) => readUser(user, (rows) => rows.forEach((row) => excludedByUser.add(row.connectionId)), false)))
    : undefined;
  const before = exclusions ? Promise.all([turn, exclusions]) : turn;
  const channels = request.channels.length > 0 ? offerChannels(run, deps, before) : undefined;
  const gate = channels ? Promise.all([before, channels]) : before;
  const offer = gate ? async (rows: ConnectionRow[]) => {
    await gate;
    await run.offerRows(rows);
  } : (rows: ConnectionRow[]) => run.offerRows(rows);
  const direct = async () => {
    if (gate) await gate;
    for (const connectionId of request.connections) await run.offerDirect(connectionId, excludedByUser);
  };
  await Promise.all([direct(), channels, ...usersToQuery(request).map((user) => readUser(user, offer, true))]);
}

/**
 * Reads every shard of the run's channels (or the job's `reads`, each from where it stopped); each channel's subscribers
 * are offered once the channels before it are.
 */
function offerChannels(run: RequestRun, deps: DeliveryDeps, turn: Promise<unknown> | undefined): Promise<void> {
  const store = deps.subscriptions;
  if (!store) {
    // A request is refused with CHANNELS_DISABLED without the table: reaching here is a wiring bug, never a silent drop.
    run.lookupFailed(new Error('a request with channels reached a pusher without the subscriptions table'));
    return Promise.resolve();
  }
  const reads = run.job.reads;
  let previous = turn;
  const channels = run.job.request.channels.map((channel) => {
    const shards = reads
      ? reads.filter((read) => read.channel === channel)
      : Array.from({ length: store.shards }, (_, shard) => ({ channel, shard }));
    const offered = Promise.all(shards.map((read) => readShard(run, deps, store, read, previous)));
    previous = offered;
    return offered;
  });
  return Promise.all(channels).then(() => undefined);
}

/**
 * One channel shard, page by page (a query slot held throughout). What it cannot finish is handed on (`ChannelReads`):
 * after a failure, after a page when time is short (then the page's posts settle before the clock is read, and pages
 * are bounded), or at its turn when an earlier channel's same shard was handed on or time is up.
 */
function readShard(run: RequestRun, deps: DeliveryDeps, store: SubscriptionStore, read: ShardRead, turn: Promise<unknown> | undefined) {
  const reads = run.channelReads;
  return deps.querySlots.run(async () => {
    let startKey = read.startKey;
    let pages = 0;
    const from = (): ShardRead => ({ ...read, ...(startKey ? { startKey } : {}) });
    try {
      for await (const page of reads.pages(store, read)) {
        if (run.stopped) return;
        await turn;
        if (reads.mustHandOn(read)) return reads.handOn(from(), store.shards, pages > 0);
        await run.offerSubscribers(page.rows);
        reads.pageRead();
        startKey = page.lastKey;
        pages += 1;
        if (startKey && await reads.outOfTime(() => run.settled())) return reads.handOn(from(), store.shards, true);
      }
    } catch (e) {
      run.channelReadFailed(e, from(), store.shards, pages > 0);
    }
  });
}
