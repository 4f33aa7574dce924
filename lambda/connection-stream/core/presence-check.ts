import type { PresenceRow } from './ports';
import type { CheckOutcome, RecordCounts } from './reports';
import { countEvents, offlineEventId, seconds, TOMBSTONE_SECONDS, userEvent, withConflictRetry, type PresenceDeps, type StepResult } from './user-presence';
import { isChannelName } from '../../../src/shared/channels';
import { LIFECYCLE_EVENTS, type PresenceCheck } from '../../../src/shared/presence';

/** A check message that can never be handled: reported (then dead-lettered), never looped or crashed on. */
export class InvalidCheckError extends Error {
  constructor(readonly reason: string) {
    super(`invalid presence check: ${reason}`);
    this.name = 'InvalidCheckError';
  }
}

/** Longest user id or token accepted (a DynamoDB key is at most 2,048 bytes; ids and event ids are far shorter). */
const MAX_FIELD_LENGTH = 1_024;

/**
 * Parses a check message's body: `{"userId": "…", "token": "…"}`, with `"channel"` for a channel member's; throws an
 * {@link InvalidCheckError} otherwise.
 */
export function parseCheck(body: string): PresenceCheck {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidCheckError('the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidCheckError('the body is not a JSON object');
  const { userId, token, channel } = value as Record<string, unknown>;
  for (const [name, field] of [['userId', userId], ['token', token]] as const) {
    if (typeof field !== 'string' || field.length === 0 || field.length > MAX_FIELD_LENGTH) {
      throw new InvalidCheckError(`${name} must be a string of 1 to ${MAX_FIELD_LENGTH} characters`);
    }
  }
  if (channel !== undefined && !isChannelName(channel)) throw new InvalidCheckError('channel must be a channel name');
  return { userId: userId as string, token: token as string, ...(channel === undefined ? {} : { channel }) };
}

export interface CheckResult {
  readonly outcome: CheckOutcome;
  readonly counts: RecordCounts;
}

/**
 * A presence check, after the grace period. The row `offline` with this token: its `UserOffline` again (a retry).
 * The row not `leaving` with this token: nothing (the user came back, or a later departure has its own check). A live
 * connection now: `online` again, no event. Otherwise `offline` with a new version, written before `UserOffline` is
 * put (so an `INSERT` meanwhile knows to repeat it), then the row is kept a day without its token (emitted).
 */
export async function runCheck(deps: PresenceDeps, check: PresenceCheck): Promise<CheckResult> {
  return withConflictRetry(check.userId, async (): Promise<StepResult<CheckResult>> => {
    const row = await deps.store.get(check.userId);
    if (row?.state === 'offline' && row.token === check.token) {
      return { done: { outcome: 'repeated', counts: await emitOffline(deps, check, row) } };
    }
    if (row?.state !== 'leaving' || row.token !== check.token) return { done: { outcome: 'stale', counts: {} } };
    if (await deps.connections.hasLiveConnection(check.userId, { nowSeconds: seconds(deps.now()) })) {
      const back = await deps.store.replace(check.userId, { state: 'online', version: row.version }, row);
      return back ? { done: { outcome: 'reconnected', counts: { presence: { reconnected: 1 } } } } : { conflict: {} };
    }
    const offline: PresenceRow = { state: 'offline', version: Math.max(deps.now(), row.version + 1), token: check.token };
    if (!await deps.store.replace(check.userId, offline, row)) return { conflict: {} };
    const counts = await emitOffline(deps, check, offline);
    return { done: { outcome: 'offline', counts: { ...counts, presence: { offline: 1 } } } };
  });
}

/** Puts the row's `UserOffline`, then drops its token; a row changed meanwhile (an `INSERT` took over) stays as it is. */
async function emitOffline(deps: PresenceDeps, check: PresenceCheck, row: PresenceRow): Promise<RecordCounts> {
  const events = [userEvent(LIFECYCLE_EVENTS.USER_OFFLINE, check.userId, offlineEventId(check.token), row.version)];
  await deps.publisher.put(events);
  await deps.store.replace(check.userId, { state: 'offline', version: row.version, expiresAt: seconds(deps.now()) + TOMBSTONE_SECONDS }, row);
  return countEvents(events);
}
