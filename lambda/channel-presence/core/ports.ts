/** Channel presence's ports: the members in the presence table, a user's subscribed connections, the frames sent. */
import type { PresenceCheck } from '../../../src/shared/presence';

/**
 * A member's row. `joined` (with a `token` its `join` frame is not yet sent); `leaving` (the user's last subscribed
 * connection dropped: `token` names the pending check; still listed); `left` (a tombstone that keeps the version a day;
 * with a `token` its `leave` frame is not yet sent). Absent: never a member, or left more than a day ago.
 */
export interface MemberRow {
  readonly state: 'joined' | 'leaving' | 'left';
  /** Increases at every write of the row (the change's time in ms, or one more): frames carry it, writes are conditional on it. */
  readonly version: number;
  readonly token?: string;
  /**
   * Epoch seconds until which a member is listed: the latest expiry of a connection that joined (a member no departure
   * reaches is not listed past it), for a `leaving` one at least its grace period and a margin; a tombstone's is the
   * time it left. The store keeps the row a day longer (its TTL), so that a departure or check still finds it.
   */
  readonly expiresAt?: number;
}

/** A channel's members in the presence table. Every method rejects on a DynamoDB failure. */
export interface MemberStore {
  /** The user's row in the channel, read strongly consistent. */
  get(channel: string, userId: string): Promise<MemberRow | undefined>;
  /**
   * Writes `next` in place of `expected` (`undefined`: no row) if the row is still that one (state, version, token);
   * resolves to false when it was changed meanwhile.
   */
  replace(channel: string, userId: string, next: MemberRow, expected: MemberRow | undefined): Promise<boolean>;
  /** The first `atMost` members (`joined` or `leaving`, listed at `nowSeconds`) in user id order, and how many there are (exact). */
  list(channel: string, atMost: number, nowSeconds: number): Promise<{ readonly users: readonly string[]; readonly count: number }>;
}

/** Whether a user still has a connection subscribed to a channel. */
export interface SubscribedConnections {
  /**
   * Whether a live connection of the user (its row's TTL not passed), other than `excluding`, holds a subscription to
   * the channel; read strongly consistent.
   */
  anySubscribed(channel: string, userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean>;
}

/** A presence frame to send: the member's change and the row version it was written with. */
export interface MemberFrame {
  readonly channel: string;
  readonly event: 'join' | 'leave';
  readonly userId: string;
  readonly version: number;
  /** Names the change (the work item's request id, in the pusher's logs). */
  readonly id: string;
}

/** Sends a presence frame to the channel's subscribers except the user's own connections (through the pusher). */
export interface PresenceFrames {
  /** Rejects when it could not be handed on. */
  send(frame: MemberFrame): Promise<void>;
}

/** The queue of delayed presence checks (the connection stream function's). */
export interface MemberCheckQueue {
  send(check: PresenceCheck, delaySeconds: number): Promise<void>;
}
