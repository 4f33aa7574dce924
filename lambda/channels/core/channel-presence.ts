/**
 * The channels function's part of channel presence: a subscribe to a presence channel joins the user, an unsubscribe
 * (or a refused repeat subscribe that revokes the row) leaves at once when it was the user's last subscribed connection,
 * and the `presence` message answers the members. The members' logic is `lambda/channel-presence`.
 */
import type { Frame } from './frame';
import type { DeletedSubscription } from './ports';
import { errorReply, membersReply, MESSAGES, type Reply } from './reply';
import type { FrameReport } from './report';
import { MAX_LISTED_MEMBERS } from '../../../src/shared/presence';
import { join, leaveNow, type MemberChange, type MemberDeps } from '../../channel-presence/core/members';

type Fields = Omit<FrameReport, 'connectionId' | 'routeKey' | 'durationMs'>;

/** The user joins the channel (after the subscription row is written). */
export async function joined(
  deps: MemberDeps | undefined, channel: string, userId: string, change: { readonly id: string; readonly expiresAt: number },
): Promise<MemberChange> {
  if (!deps) throw new Error('a presence rule without channel presence configured');
  return join(deps, channel, userId, change);
}

/** The user leaves the channel unless a connection of theirs is still (or again) subscribed (after the row is deleted). */
export async function unsubscribed(
  deps: MemberDeps | undefined, channel: string, deleted: DeletedSubscription | undefined, id: string,
): Promise<MemberChange | undefined> {
  if (!deps || !deleted?.presence || deleted.userId === undefined) return undefined;
  return leaveNow(deps, channel, deleted.userId, id);
}

/** The `presence` answer, once the frame is judged allowed on a presence rule: the connection must be subscribed. */
export async function members(
  deps: MemberDeps | undefined, frame: Frame, userId: string, subscribed: boolean,
): Promise<{ reply: Reply; fields: Fields }> {
  if (!subscribed) {
    return { reply: errorReply(frame, 'FORBIDDEN', MESSAGES.NOT_SUBSCRIBED), fields: { ...frame, userId, outcome: 'refused', code: 'FORBIDDEN', reason: 'not subscribed' } };
  }
  if (!deps) throw new Error('a presence rule without channel presence configured');
  const listed = await deps.members.list(frame.channel, MAX_LISTED_MEMBERS, Math.floor(deps.now() / 1000));
  return { reply: membersReply(frame.channel, listed, frame.ref), fields: { ...frame, userId, outcome: 'members', members: listed.count } };
}
