/**
 * Channel presence: a user joins a presence channel with their first subscribed connection and leaves it with their
 * last, at once on an `unsubscribe`, after the grace period when the connection dropped (listed until then; a
 * connection of the user subscribing again meanwhile keeps them in without a frame). Each change is a conditional write
 * of the member's row; the frame is sent before the write that depends on it, so a failed write retries and sends it
 * again: at least once, never lost. The subscribers' frames go through the pusher, which excludes the user's own
 * connections.
 */
import type { MemberCheckQueue, MemberRow, MemberStore, PresenceFrames, SubscribedConnections } from './ports';
import type { PresenceCheck } from '../../../src/shared/presence';

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

const seconds = (ms: number) => Math.floor(ms / 1000);

/** A connection of the user subscribed (`id` names the change). Not a member: `join`. Leaving: back, no frame. */
export async function join(deps: MemberDeps, channel: string, userId: string, id: string): Promise<MemberChange> {
  return retrying(channel, userId, async () => {
    const row = await deps.members.get(channel, userId);
    if (row?.state === 'joined') return 'none';
    if (row?.state === 'leaving') return await deps.members.replace(channel, userId, { state: 'joined' }, row) ? 'rejoined' : undefined;
    await deps.frames.send(channel, 'join', userId, id);
    return await deps.members.replace(channel, userId, { state: 'joined' }, undefined) ? 'joined' : undefined;
  });
}

/**
 * A connection unsubscribed (its row already deleted): unless another connection of the user is still subscribed,
 * `leave` at once (a pending check then finds no row).
 */
export async function leaveNow(deps: MemberDeps, channel: string, userId: string, connectionId: string, id: string): Promise<MemberChange> {
  return retrying(channel, userId, async () => {
    if (await deps.subscribed.anySubscribed(channel, userId, { excluding: connectionId, nowSeconds: seconds(deps.now()) })) return 'kept';
    const row = await deps.members.get(channel, userId);
    if (row === undefined) return 'none';
    await deps.frames.send(channel, 'leave', userId, id);
    return await deps.members.replace(channel, userId, undefined, row) ? 'left' : undefined;
  });
}

/**
 * A subscribed connection dropped (its subscriptions already deleted; `token` names the departure, the same on a
 * retry): unless another connection of the user is subscribed, the member is `leaving` and a check is sent for after
 * the grace period.
 */
export async function leaveLater(
  deps: MemberDeps & { readonly checks: MemberCheckQueue; readonly graceSeconds: number },
  departure: { readonly channel: string; readonly userId: string; readonly connectionId: string; readonly token: string },
): Promise<MemberChange> {
  const { channel, userId, connectionId, token } = departure;
  return retrying(channel, userId, async () => {
    const row = await deps.members.get(channel, userId);
    const retry = row?.state === 'leaving' && row.token === token;
    if (row?.state !== 'joined' && !retry) return 'none';
    if (await deps.subscribed.anySubscribed(channel, userId, { excluding: connectionId, nowSeconds: seconds(deps.now()) })) return 'kept';
    if (!retry && !await deps.members.replace(channel, userId, { state: 'leaving', token }, row)) return undefined;
    await deps.checks.send({ userId, token, channel }, deps.graceSeconds);
    return 'leaving';
  });
}

/** The check after the grace period: still `leaving` with its token and no connection subscribed again → `leave`. */
export async function checkMember(deps: MemberDeps, check: PresenceCheck & { readonly channel: string }): Promise<MemberChange> {
  const { channel, userId, token } = check;
  return retrying(channel, userId, async () => {
    const row: MemberRow | undefined = await deps.members.get(channel, userId);
    if (row?.state !== 'leaving' || row.token !== token) return 'none';
    if (await deps.subscribed.anySubscribed(channel, userId, { nowSeconds: seconds(deps.now()) })) {
      return await deps.members.replace(channel, userId, { state: 'joined' }, row) ? 'rejoined' : undefined;
    }
    await deps.frames.send(channel, 'leave', userId, `leave:${token}`);
    return await deps.members.replace(channel, userId, undefined, row) ? 'left' : undefined;
  });
}
