import type { RecordingClient } from '../../local/client';
import type { ConnectionRow } from '../../local/connections-table';
import type { Invocation } from '../../local/handler-runner';

/** What a connection receives for a request's `data`: the JSON text, serialized once. */
export const wire = (data: unknown): string => JSON.stringify(data);

/** Every client's messages by `user/connection`, sorted (requests of one batch are delivered concurrently). */
export function inboxes(clients: readonly RecordingClient[]): Record<string, string[]> {
  return Object.fromEntries(clients.map((c) => [`${c.userId}/${c.connectionId}`, [...c.messages].sort()]));
}

/** The inbox every client should have: `expected(client)` lists what that client must have received, once each. */
export function expectedInboxes(
  clients: readonly RecordingClient[], expected: (client: RecordingClient) => readonly string[],
): Record<string, string[]> {
  return Object.fromEntries(clients.map((c) => [`${c.userId}/${c.connectionId}`, [...expected(c)].sort()]));
}

/** The table rows the given clients' connections should have left. */
export function rowsOf(clients: readonly RecordingClient[]): ConnectionRow[] {
  return clients
    .map((c) => ({ userId: c.userId, connectionId: c.connectionId }))
    .sort((a, b) => (a.userId === b.userId ? cmp(a.connectionId, b.connectionId) : cmp(a.userId, b.userId)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The handler's per-request log lines ("request processed"), by message id. */
export function reports(invocation: Invocation): Record<string, Record<string, any>> {
  return Object.fromEntries(
    invocation.json.filter((line) => line.message === 'request processed').map((line) => [line.messageId, line]),
  );
}

/** The handler's embedded-metric-format lines. */
export function metricLines(invocation: Invocation): Record<string, any>[] {
  return invocation.json.filter((line) => line._aws?.CloudWatchMetrics);
}

/** Handler settings that keep retries fast on loopback (the backoff still applies, in milliseconds). */
export const FAST_RETRIES = { RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '50' };
