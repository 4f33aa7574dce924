/**
 * Channel presence: a user is a member of a presence channel while a connection of theirs is subscribed to it. Each
 * step runs after its own change to the subscriptions (a subscribe's row written, an unsubscribe's deleted, a gone
 * connection's row removed) and reconciles the member's row with them: it reads the row, looks at the user's
 * subscribed connections, and writes the row conditionally on the version it read, always with a later version (a
 * member kept is written too). So two steps that raced each other cannot both act on what they read: the later write
 * fails, and its step reads and looks again. A step that makes the user a member looks once more after its write: a
 * step that found no member before that write had nothing to undo.
 *
 * Frames carry the row's version, which a subscriber orders a user's frames by (the pusher does not deliver in
 * order). A frame is sent only for a change that was written: the row is written with a `token` that names its frame
 * (`joined`: its `join`; `left`: its `leave`), then the frame is sent, then the token dropped. A step that finds a
 * token sends that frame first (the step's own retry, or any later step): at least once, and a `leave` only for a
 * member that did leave, a `join` only for one that did join.
 */
import type { MemberCheckQueue, MemberRow, MemberStore, PresenceFrames, SubscribedConnections } from './ports';
import type { PresenceCheck } from '../../../src/shared/presence';
import { nextVersion, seconds } from '../../core/presence-versions';

export interface MemberDeps {
  readonly members: MemberStore;
  readonly subscribed: SubscribedConnections;
  readonly frames: PresenceFrames;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/** What a step did to the channel's membership. */
export type MemberChange = 'joined' | 'rejoined' | 'left' | 'leaving' | 'kept' | 'none';

/** Reads of the row, at most, when a concurrent step changes it between the read and the write. */
export const MEMBER_ATTEMPTS = 3;

/** The member's row kept changing: the caller fails (the client retries; the stream record or check is retried). */
export class MemberConflictError extends Error {
  constructor(channel: string, userId: string) {
    super(`the member row of user '${userId}' in '${channel}' changed under every one of ${MEMBER_ATTEMPTS} attempts`);
    this.name = 'MemberConflictError';
  }
}

async function retrying(channel: string, userId: string, step: () => Promise<MemberChange | undefined>): Promise<MemberChange> {
  for (let attempt = 0; attempt < MEMBER_ATTEMPTS; attempt++) {
    const change = await step();
    if (change !== undefined) return change;
  }
  throw new MemberConflictError(channel, userId);
}

const isMember = (row: MemberRow | undefined): row is MemberRow & { state: 'joined' | 'leaving' } => row?.state === 'joined' || row?.state === 'leaving';

interface Member {
  readonly deps: MemberDeps;
  readonly channel: string;
  readonly userId: string;
}

/** A departure's `leaving` row is listed at least this long past its grace period (a check retried, or lost to the DLQ). */
export const CHECK_MARGIN_SECONDS = 3_600;

/** A member that a `presence` answer lists: not past the expiry of the last connection that joined. */
function listed(m: Member, row: MemberRow | undefined): row is MemberRow & { state: 'joined' | 'leaving' } {
  return isMember(row) && (row.expiresAt === undefined || row.expiresAt > seconds(m.deps.now()));
}

/**
 * A step that keeps a member writes the row again; when that write conflicts it reads again. A row then `joined` at a
 * later version than the one it read (and listed at least as long as `until`) was written after the subscription the
 * step saw was there, so any later leave sees it too: the step is done without another write. (So a user's devices
 * subscribing at once do not fail each other.)
 */
function keptMeanwhile(row: MemberRow | undefined, keptFrom: number | undefined, until = 0): boolean {
  return keptFrom !== undefined && row?.state === 'joined' && row.version > keptFrom && (row.expiresAt ?? Infinity) >= until;
}

/** The row written again as it is, with a later version: a concurrent step that read it before fails its write. */
function touched(m: Member, row: MemberRow, changes: Partial<MemberRow> = {}): Promise<boolean> {
  return m.deps.members.replace(m.channel, m.userId, { ...row, version: nextVersion(row, m.deps.now()), ...changes }, row);
}

/**
 * A row's pending frame (its token names it: the `join` of a `joined` row, the `leave` of a `left` one), then the row
 * without the token (a `left` one kept a day); resolves to the row as it now is (changed meanwhile: as it was, and the
 * caller's write conflicts and reads again).
 */
async function sendPending(m: Member, row: MemberRow | undefined): Promise<MemberRow | undefined> {
  if (row === undefined || row.token === undefined || row.state === 'leaving') return row;
  await m.deps.frames.send({ channel: m.channel, event: row.state === 'joined' ? 'join' : 'leave', userId: m.userId, version: row.version, id: row.token });
  const sent: MemberRow = row.state === 'left'
    ? { state: 'left', version: row.version, expiresAt: seconds(m.deps.now()) }
    : { state: 'joined', version: row.version, ...(row.expiresAt === undefined ? {} : { expiresAt: row.expiresAt }) };
  return await m.deps.members.replace(m.channel, m.userId, sent, row) ? sent : row;
}

/** The member leaves: `left` with `token` (a tombstone from now on), then its `leave`. False: the row changed. */
async function leave(m: Member, row: MemberRow, token: string): Promise<boolean> {
  const left: MemberRow = { state: 'left', version: nextVersion(row, m.deps.now()), token, expiresAt: seconds(m.deps.now()) };
  if (!await m.deps.members.replace(m.channel, m.userId, left, row)) return false;
  await sendPending(m, left);
  return true;
}

/**
 * A connection subscribed (its row written; `id` names the change, `expiresAt` is the connection's). The user has a
 * subscribed connection: a member is written again (a leaving one is back, no frame); otherwise the row `joined`,
 * then a second look: if no connection is subscribed any more (a step that ran between found no member and had
 * nothing to undo), it leaves again, its `join` never sent; else its `join`. No connection subscribed (an unsubscribe
 * or a drop came first): as they left it.
 */
export async function join(
  deps: MemberDeps, channel: string, userId: string, change: { readonly id: string; readonly expiresAt: number },
): Promise<MemberChange> {
  const m: Member = { deps, channel, userId };
  const anySubscribed = () => deps.subscribed.anySubscribed(channel, userId, { nowSeconds: seconds(deps.now()) });
  let keptFrom: number | undefined;
  return retrying(channel, userId, async () => {
    const row = await sendPending(m, await deps.members.get(channel, userId));
    if (keptMeanwhile(row, keptFrom, change.expiresAt)) return 'none';
    const subscribed = await anySubscribed();
    if (listed(m, row)) {
      if (!subscribed && row.state === 'joined') return await leave(m, row, `${change.id}:gone`) ? 'left' : undefined;
      if (!subscribed) return await touched(m, row) ? 'none' : undefined; // leaving: its check decides
      const next = { state: 'joined' as const, token: undefined, expiresAt: Math.max(row.expiresAt ?? 0, change.expiresAt) };
      if (await touched(m, row, next)) return row.state === 'leaving' ? 'rejoined' : 'none';
      keptFrom = row.version;
      return undefined;
    }
    if (!subscribed) return 'none';
    // Not a member, or one past its expiry whom no departure reached (announced again).
    const joined: MemberRow = { state: 'joined', version: nextVersion(row, deps.now()), token: change.id, expiresAt: change.expiresAt };
    if (!await deps.members.replace(channel, userId, joined, row)) return undefined;
    if (!await anySubscribed()) return await leave(m, joined, `${change.id}:gone`) ? 'left' : undefined;
    await sendPending(m, joined);
    return 'joined';
  });
}

/**
 * A connection unsubscribed (its row already deleted; `id` names the change), or a disconnect request closed it (its
 * connection row gone): a member with no connection subscribed leaves at once, one with another is written again
 * (kept). No connection is excluded: the row is gone, and the same connection subscribing again meanwhile (a
 * connection's frames run concurrently) must keep the user in.
 */
export async function leaveNow(deps: MemberDeps, channel: string, userId: string, id: string): Promise<MemberChange> {
  const m: Member = { deps, channel, userId };
  let keptFrom: number | undefined;
  return retrying(channel, userId, async () => {
    const row = await sendPending(m, await deps.members.get(channel, userId));
    if (keptMeanwhile(row, keptFrom)) return 'kept';
    if (!isMember(row)) return 'none';
    if (await deps.subscribed.anySubscribed(channel, userId, { nowSeconds: seconds(deps.now()) })) {
      if (await touched(m, row)) return 'kept';
      keptFrom = row.version;
      return undefined;
    }
    return await leave(m, row, id) ? 'left' : undefined;
  });
}

/**
 * A subscribed connection dropped (its row removed; `token` names the departure, the same on a retry): a member with
 * no other connection subscribed is `leaving` with this token, and a check is sent for after the grace period; one
 * with another is written again (kept).
 */
export async function leaveLater(
  deps: MemberDeps & { readonly checks: MemberCheckQueue; readonly graceSeconds: number },
  departure: { readonly channel: string; readonly userId: string; readonly connectionId: string; readonly token: string },
): Promise<MemberChange> {
  const { channel, userId, connectionId, token } = departure;
  const m: Member = { deps, channel, userId };
  let keptFrom: number | undefined;
  return retrying(channel, userId, async () => {
    const row = await sendPending(m, await deps.members.get(channel, userId));
    if (keptMeanwhile(row, keptFrom)) return 'kept';
    if (!isMember(row)) return 'none';
    if (await deps.subscribed.anySubscribed(channel, userId, { excluding: connectionId, nowSeconds: seconds(deps.now()) })) {
      if (await touched(m, row)) return 'kept';
      keptFrom = row.version;
      return undefined;
    }
    // Listed through the grace period, and past it while the check may still come.
    const expiresAt = Math.max(row.expiresAt ?? 0, seconds(deps.now()) + deps.graceSeconds + CHECK_MARGIN_SECONDS);
    if (!await touched(m, row, { state: 'leaving', token, expiresAt })) return undefined;
    await deps.checks.send({ userId, token, channel }, deps.graceSeconds);
    return 'leaving';
  });
}

/**
 * The check after the grace period: still `leaving` with its token → back (a connection subscribed again) or `leave`.
 * `left` with its token: the `leave` again (a retry). Anything else: a later step decided.
 */
export async function checkMember(deps: MemberDeps, check: PresenceCheck & { readonly channel: string }): Promise<MemberChange> {
  const { channel, userId, token } = check;
  const m: Member = { deps, channel, userId };
  return retrying(channel, userId, async () => {
    const read = await deps.members.get(channel, userId);
    if (read?.state === 'left' && read.token === token) {
      await sendPending(m, read);
      return 'left';
    }
    const row = await sendPending(m, read);
    if (row?.state !== 'leaving' || row.token !== token) return 'none';
    if (await deps.subscribed.anySubscribed(channel, userId, { nowSeconds: seconds(deps.now()) })) {
      return await touched(m, row, { state: 'joined', token: undefined }) ? 'rejoined' : undefined;
    }
    return await leave(m, row, token) ? 'left' : undefined;
  });
}
