import type { ConnectionRow } from './ports/connection-store';
import type { SubscriberRow } from './ports/subscription-store';
import type { NotificationRequest } from './request';

/** How a request selects its targets; logged and used as a metric dimension-free label. */
export type RequestKind = 'multicast' | 'broadcast' | 'exclusion' | 'direct' | 'channel';

/** A request with no `users`, no `connections` and no `channels` goes to every connection (the seed's broadcast). */
export function isBroadcast(request: NotificationRequest): boolean {
  return request.users.size === 0 && request.connections.size === 0 && request.channels.length === 0;
}

export function requestKind(request: NotificationRequest): RequestKind {
  if (isBroadcast(request)) {
    return request.excludeUsers.size > 0 || request.excludeConnections.size > 0 ? 'exclusion' : 'broadcast';
  }
  if (request.channels.length > 0) return 'channel';
  return request.users.size > 0 ? 'multicast' : 'direct';
}

/** A request to one channel's subscribers alone: what the segmented path splits by the channel's shards. */
export function isChannelOnly(request: NotificationRequest): boolean {
  return request.channels.length === 1 && request.users.size === 0 && request.connections.size === 0;
}

/** Users whose connections must be read: `users` minus `exclude_users` (querying an excluded user is wasted work). */
export function usersToQuery(request: NotificationRequest): string[] {
  return [...request.users].filter((user) => !request.excludeUsers.has(user));
}

/**
 * Users whose connections must be read only to subtract them: needed when connection ids are given directly,
 * since their owners are unknown. Rows read by Query or Scan carry their user id and are filtered in memory.
 */
export function excludedUsersToQuery(request: NotificationRequest): string[] {
  return request.connections.size > 0 ? [...request.excludeUsers] : [];
}

/** A row whose TTL has passed is skipped: DynamoDB deletes expired rows lazily and they still appear in reads. */
export function isExpired(row: ConnectionRow, nowSeconds: number): boolean {
  return row.expiresAt !== undefined && row.expiresAt <= nowSeconds;
}

/**
 * The set of connections one request has claimed, so that none receives the request twice, whichever way it was
 * reached (several users, the same user listed twice, a user and a direct id).
 *
 * A broadcast keeps no per-connection state, so that its memory does not grow with the table: a Scan returns each
 * row once across all segments, and a connection id has one row (the `$connect` route writes it under one user).
 */
export class TargetSet {
  /** connection id → owning user id, when known. */
  private readonly claimed = new Map<string, string | undefined>();
  /** connection id → the channel it was claimed through (the envelope's `channel`). */
  private readonly through = new Map<string, string>();
  /** connection id → every channel of the request it was seen subscribed to (its subscription rows, to prune on 410). */
  private readonly subscribed = new Map<string, string[]>();
  private readonly direct: string[] = [];
  private readonly dedupe: boolean;

  constructor(private readonly request: NotificationRequest, private readonly nowSeconds: number) {
    this.dedupe = !isBroadcast(request);
  }

  /** Number of connections remembered (always 0 for a broadcast). */
  get size(): number {
    return this.claimed.size;
  }

  /** Claims a row read from the table; false when it is expired, excluded, or already claimed. */
  admitRow(row: ConnectionRow): boolean {
    if (isExpired(row, this.nowSeconds) || this.request.excludeUsers.has(row.userId)) return false;
    if (this.request.excludeConnections.has(row.connectionId)) return false;
    if (!this.dedupe) return true;
    if (this.claimed.has(row.connectionId)) {
      // Reached directly before: now its owner is known, which lets a Gone answer prune its row.
      if (this.claimed.get(row.connectionId) === undefined) this.claimed.set(row.connectionId, row.userId);
      return false;
    }
    this.claimed.set(row.connectionId, row.userId);
    return true;
  }

  /**
   * Claims a subscriber of one of the request's channels, through that channel; false when expired, excluded, or
   * already claimed (through an earlier channel, or at all). Its subscription row is remembered either way.
   */
  admitSubscriber(row: SubscriberRow): boolean {
    if (isExpired(row, this.nowSeconds)) return false;
    const channels = this.subscribed.get(row.connectionId);
    if (channels) channels.push(row.channel);
    else this.subscribed.set(row.connectionId, [row.channel]);
    if (!this.admitRow(row)) return false;
    this.through.set(row.connectionId, row.channel);
    return true;
  }

  /** Every connection claimed so far (none for a broadcast). */
  claimedIds(): string[] {
    return [...this.claimed.keys()];
  }

  /** The channel a claimed connection was reached through, if any. */
  channelOf(connectionId: string): string | undefined {
    return this.through.get(connectionId);
  }

  /** The request's channels the connection was seen subscribed to. */
  channelsOf(connectionId: string): readonly string[] {
    return this.subscribed.get(connectionId) ?? [];
  }

  /** Claims a connection id given directly; `excludedByUser` holds the connections of `exclude_users`. */
  admitDirect(connectionId: string, excludedByUser: ReadonlySet<string>): boolean {
    if (this.request.excludeConnections.has(connectionId) || excludedByUser.has(connectionId)) return false;
    if (this.claimed.has(connectionId)) return false;
    this.claimed.set(connectionId, undefined);
    this.direct.push(connectionId);
    return true;
  }

  /** The connections claimed directly (by id, not by a row): at most the request's own `connections`. */
  reachedDirectly(): readonly string[] {
    return this.direct;
  }

  /** The user owning a claimed connection, if it was read from the table. */
  ownerOf(connectionId: string): string | undefined {
    return this.claimed.get(connectionId);
  }
}
