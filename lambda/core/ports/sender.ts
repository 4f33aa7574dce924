/** The sender port: `POST @connections/{id}` and `DELETE @connections/{id}`. `SignedHttpSender` (adapters/) implements it. */

/** What one `POST` (or `DELETE`) `@connections/{id}` attempt came to, by the Management API's error names; `delivered` is done. */
export type PostResult =
  | { readonly status: 'delivered' }
  /** 410 GoneException: the connection is closed; its row is stale. */
  | { readonly status: 'gone' }
  /** Throttling (LimitExceededException, 429), 5xx, or a network error: worth retrying. */
  | { readonly status: 'retryable'; readonly reason: string }
  /** 413 PayloadTooLargeException: no connection will ever accept this payload. */
  | { readonly status: 'payload-too-large'; readonly reason: string }
  /** 403 ForbiddenException: missing execute-api:ManageConnections, or a wrong CALLBACK_URL. */
  | { readonly status: 'forbidden'; readonly reason: string }
  /** Any other 4xx (e.g. a malformed connection id): permanent for this connection only. */
  | { readonly status: 'rejected'; readonly reason: string };

/** Talks to one connection and never throws: every answer and network error becomes a {@link PostResult}. */
export interface Sender {
  post(connectionId: string, payload: Uint8Array): Promise<PostResult>;
  /** Closes the connection (API Gateway then runs `$disconnect`); `gone` if it was closed already. */
  disconnect(connectionId: string): Promise<PostResult>;
}
