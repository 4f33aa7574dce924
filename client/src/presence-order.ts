import type { PresenceEvent } from './protocol.js';

/**
 * Presence frames are not delivered in order (the API sends each through a queue): each carries its member's version,
 * which increases with every change of that user's membership in the channel. This keeps the highest version seen per
 * channel and user, so that a frame older than one already emitted (a leave overtaken by the join after it, a repeat)
 * is dropped rather than undoing it. Kept for the client's life, across an unsubscribe and a new subscribe (a frame
 * delayed past them is still older): one number per user seen per channel.
 */
export class PresenceOrder {
  private readonly seen = new Map<string, Map<string, number>>();

  /** True when `event` is newer than every frame seen for its user in its channel (then it is the one seen). */
  newer(event: PresenceEvent): boolean {
    let users = this.seen.get(event.channel);
    if (users === undefined) this.seen.set(event.channel, users = new Map());
    if ((users.get(event.user) ?? -1) >= event.version) return false;
    users.set(event.user, event.version);
    return true;
  }
}
