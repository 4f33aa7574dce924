import { shardOf } from '../../../src/shared/channels';
import type { CarriedConnection } from '../ports/connection-store';
import { isEmptyRemainder, type Remainder, type UnreadSegment } from '../reports';
import type { TargetSet } from '../targets';

/**
 * What a run could not finish, gathered as it goes (only with follow-ups): connections still failing, a disconnect's
 * connections still to close, users whose lookup failed, unread parts of a Scan or of a channel's shard.
 */
export class Leftovers {
  readonly carried: CarriedConnection[] = [];
  readonly closing: CarriedConnection[] = [];
  readonly failedUsers: string[] = [];
  /** Connections of users whose Query failed after some pages: reached already, so skipped by their follow-up. */
  readonly reachedBeforeFailure: string[] = [];
  readonly unread: UnreadSegment[] = [];

  /** The remainder, or undefined when nothing is left; unread channel shards in the order of `channels`, then by shard. */
  remainder(targets: TargetSet, channels: readonly string[] = []): Remainder | undefined {
    const order = (unread: UnreadSegment) => (unread.channel === undefined ? -1 : channels.indexOf(unread.channel));
    const inOrder = [...this.unread].sort((a, b) => order(a) - order(b) || a.segment - b.segment);
    const remainder: Remainder = {
      connections: this.carried,
      ...(this.closing.length > 0 ? { closing: this.closing } : {}),
      users: this.failedUsers,
      segments: inOrder.map((unread) => (unread.channel === undefined
        ? unread
        : { ...unread, excludeConnections: reachedOtherwise(targets, unread.channel, unread.segment, unread.totalSegments) })),
      alreadyReached: [...targets.reachedDirectly(), ...this.reachedBeforeFailure, ...reachedThroughChannels(targets, this.failedUsers)],
    };
    return isEmptyRemainder(remainder) ? undefined : remainder;
  }
}

/**
 * The connections a run reached, not through `channel`, that shard `shard` of the channel could hold: what the
 * shard's continuation must skip. (Those it reached through `channel` were on the shard's pages before the failure.)
 */
function reachedOtherwise(targets: TargetSet, channel: string, shard: number, shards: number): string[] {
  return targets.claimedIds().filter((id) => targets.channelOf(id) !== channel && shardOf(id, shards) === shard);
}

/**
 * The connections of `users` (whose Query failed) that a run reached through a channel: a subscription row names its
 * owner, so these are known, and the users' follow-up must skip them or they would receive the request twice.
 */
function reachedThroughChannels(targets: TargetSet, users: readonly string[]): string[] {
  if (users.length === 0) return [];
  const failed = new Set(users);
  return targets.claimedIds().filter((id) => {
    const owner = targets.ownerOf(id);
    return owner !== undefined && failed.has(owner) && targets.channelOf(id) !== undefined;
  });
}
