import type { ConnectionRow } from './ports/connection-store';
import type { NotificationRequest } from './request';

/** How a request selects its targets; logged and used as a metric dimension-free label. */
export type RequestKind = 'multicast' | 'broadcast' | 'exclusion' | 'direct';

/** A request with no `users` and no `connections` goes to every connection (the seed's broadcast). */
export function isBroadcast(request: NotificationRequest): boolean {
  return request.users.size === 0 && request.connections.size === 0;
}

export function requestKind(request: NotificationRequest): RequestKind {
  if (isBroadcast(request)) {
    return request.excludeUsers.size > 0 || request.excludeConnections.size > 0 ? 'exclusion' : 'broadcast';
  }
  return request.users.size > 0 ? 'multicast' : 'direct';
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
