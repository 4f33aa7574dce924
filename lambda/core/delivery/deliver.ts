import type { DeliveryDeps, DeliveryJob } from './deps';
import { BatchPruner } from './pruner';
import { RequestRun } from './request-run';
import type { ConnectionRow } from '../ports/connection-store';
import type { DeliveryOutcome } from '../reports';
import { excludedUsersToQuery, isBroadcast, usersToQuery } from '../targets';

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

/** Multicast and direct requests: a Query per user (bounded by `querySlots`), then the direct ids. */
async function lookUpTargets(run: RequestRun, deps: DeliveryDeps): Promise<void> {
  const readUser = (userId: string, onPage: (rows: ConnectionRow[]) => Promise<void> | void) =>
    deps.querySlots.run(async () => {
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
