import type { ConnectionChange } from './lifecycle';
import type { CheckQueue, ConnectionDirectory, EventPublisher, LifecycleEvent, PresenceStore } from './ports';
import { mergeCounts, type RecordCounts } from './reports';
import { LIFECYCLE_EVENTS, type LifecycleEventType } from '../../../src/shared/presence';
import { nextVersion, seconds } from '../../core/presence-versions';

export { nextVersion, seconds, TOMBSTONE_SECONDS } from '../../core/presence-versions';

export interface PresenceDeps {
  readonly store: PresenceStore;
  readonly connections: ConnectionDirectory;
  readonly publisher: EventPublisher;
  readonly checks: CheckQueue;
  readonly graceSeconds: number;
  readonly now: () => number;
}

/** Reads of the row, at most, when a concurrent presence check changes it between the read and the write. */
export const CONFLICT_ATTEMPTS = 3;


/** The row kept changing under a presence step: the record (or check) fails and is retried. */
export class PresenceConflictError extends Error {
  constructor(userId: string) {
    super(`the presence row of user '${userId}' changed under every one of ${CONFLICT_ATTEMPTS} attempts`);
    this.name = 'PresenceConflictError';
  }
}

/** One attempt of a presence step: done with its counts, or a conflict (re-read and try again) after some counts. */
export type StepResult<R> = { readonly done: R } | { readonly conflict: RecordCounts };

/** Runs a step until it is done, at most {@link CONFLICT_ATTEMPTS} times; events put by failed attempts still count. */
export async function withConflictRetry<R extends { readonly counts: RecordCounts }>(userId: string, step: () => Promise<StepResult<R>>): Promise<R> {
  let before: RecordCounts = {};
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const result = await step();
    if ('done' in result) return { ...result.done, counts: mergeCounts(before, result.done.counts) };
    before = mergeCounts(before, result.conflict);
  }
  throw new PresenceConflictError(userId);
}

/** A user's presence event: its `time` is its version as a date, so a repeat is identical. */
export function userEvent(type: LifecycleEventType, userId: string, eventId: string, version: number): LifecycleEvent {
  return { type, detail: { eventId, userId, version, time: new Date(version).toISOString() } };
}

/**
 * A `UserOffline`'s eventId: its departure's token (the REMOVE record's `eventID`, which is also its `Disconnected`'s
 * eventId) with `:offline`, as a `UserOnline`'s is its INSERT's with `:online`: every event id names one event.
 */
export function offlineEventId(token: string): string {
  return `${token}:offline`;
}

/**
 * A connection appeared (`INSERT`). Online: nothing. Leaving: back within the grace period, online again without an
 * event. Offline with a token (a check is emitting its `UserOffline`): that event again, then as absent. Absent:
 * `UserOnline`, put before the row is written `online`, so that a failed write retries the record and puts the same
 * event again (at least once, never lost).
 */
export async function arrive(deps: PresenceDeps, change: ConnectionChange): Promise<RecordCounts> {
  const { counts } = await withConflictRetry(change.userId, async (): Promise<StepResult<{ counts: RecordCounts }>> => {
    const row = await deps.store.get(change.userId);
    if (row?.state === 'online') return { done: { counts: {} } };
    if (row?.state === 'leaving') {
      const back = await deps.store.replace(change.userId, { state: 'online', version: row.version }, row);
      return back ? { done: { counts: { presence: { reconnected: 1 } } } } : { conflict: {} };
    }
    const events: LifecycleEvent[] = [];
    if (row?.state === 'offline' && row.token !== undefined) events.push(userEvent(LIFECYCLE_EVENTS.USER_OFFLINE, change.userId, offlineEventId(row.token), row.version));
    const version = nextVersion(row, change.timeMs);
    events.push(userEvent(LIFECYCLE_EVENTS.USER_ONLINE, change.userId, `${change.eventId}:online`, version));
    await deps.publisher.put(events);
    const put = countEvents(events);
    const written = await deps.store.replace(change.userId, { state: 'online', version }, row);
    return written ? { done: { counts: { ...put, presence: { online: 1 } } } } : { conflict: put };
  });
  return counts;
}

/**
 * A connection went (`REMOVE`). If the user is online (or leaving with this record's token: a retry) and has no other
 * live connection, the row becomes `leaving` with the record's `eventID` as token and a check is sent for after the
 * grace period. A retry that finds a connection live now sets the row back `online` (any check sent finds it so).
 */
export async function leave(deps: PresenceDeps, change: ConnectionChange): Promise<RecordCounts> {
  const { counts } = await withConflictRetry(change.userId, async (): Promise<StepResult<{ counts: RecordCounts }>> => {
    const row = await deps.store.get(change.userId);
    const retry = row?.state === 'leaving' && row.token === change.eventId;
    if (row?.state !== 'online' && !retry) return { done: { counts: {} } };
    const live = await deps.connections.hasLiveConnection(change.userId, { excluding: change.connectionId, nowSeconds: seconds(deps.now()) });
    if (live) {
      if (!retry) return { done: { counts: {} } };
      return await deps.store.replace(change.userId, { state: 'online', version: row.version }, row) ? { done: { counts: {} } } : { conflict: {} };
    }
    if (!retry && !await deps.store.replace(change.userId, { state: 'leaving', version: row.version, token: change.eventId }, row)) {
      return { conflict: {} };
    }
    await deps.checks.send({ userId: change.userId, token: change.eventId }, deps.graceSeconds);
    return { done: { counts: { presence: { leaving: 1 } } } };
  });
  return counts;
}

/** Events put, by type. */
export function countEvents(events: readonly LifecycleEvent[]): RecordCounts {
  const counts: Partial<Record<LifecycleEventType, number>> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return { events: counts };
}
