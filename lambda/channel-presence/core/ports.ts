/** Channel presence's ports: the members in the presence table, a user's subscribed connections, the frames sent. */
import type { PresenceCheck } from '../../../src/shared/presence';

/** A member's row (absent: not a member). */
export interface MemberRow {
  readonly state: 'joined' | 'leaving';
  /** `leaving`: the departure's token, which names its pending check. */
  readonly token?: string;
}

/** A channel's members in the presence table. Every method rejects on a DynamoDB failure. */
export interface MemberStore {
  /** The user's row in the channel, read strongly consistent. */
  get(channel: string, userId: string): Promise<MemberRow | undefined>;
  /**
   * Writes `next` (`undefined`: deletes the row) in place of `expected` (`undefined`: no row) if the row is still that
   * one (state, token); resolves to false when it was changed meanwhile.
   */
  replace(channel: string, userId: string, next: MemberRow | undefined, expected: MemberRow | undefined): Promise<boolean>;
  /** The first `atMost` members in user id order, and how many there are (exact). */
  list(channel: string, atMost: number): Promise<{ readonly users: readonly string[]; readonly count: number }>;
}

/** Whether a user still has a connection subscribed to a channel. */
export interface SubscribedConnections {
  /**
   * Whether a live connection of the user (its row's TTL not passed), other than `excluding`, holds a subscription to
   * the channel; read strongly consistent.
   */
  anySubscribed(channel: string, userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean>;
}

/** Sends a presence frame to the channel's subscribers except the user's own connections (through the pusher). */
export interface PresenceFrames {
  /** `id` names the change (the work item's request id, in the pusher's logs). Rejects when it could not be handed on. */
  send(channel: string, event: 'join' | 'leave', userId: string, id: string): Promise<void>;
}

/** The queue of delayed presence checks (the connection stream function's). */
export interface MemberCheckQueue {
  send(check: PresenceCheck, delaySeconds: number): Promise<void>;
}
