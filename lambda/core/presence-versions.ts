/**
 * The presence table's clock, shared by user presence (lambda/connection-stream) and channel presence
 * (lambda/channel-presence): versions that increase at every change, and how long a row that says "gone" is kept.
 */

/** How long a row that says "gone" is kept (an emitted `offline`, a member's `left`): its version, against clock skew between containers. */
export const TOMBSTONE_SECONDS = 86_400;

/** The next version after `row`'s: the change's time in milliseconds, or one more than the last if that is later. */
export function nextVersion(row: { readonly version: number } | undefined, timeMs: number): number {
  return Math.max(Math.floor(timeMs), (row?.version ?? 0) + 1);
}

/** Epoch milliseconds as whole epoch seconds. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
