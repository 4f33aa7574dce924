import type { DeliveryDeps } from './deps';
import { describeError } from '../errors';

/**
 * With channel presence, a disconnect request marks the row of each connection it closes, just before the close, so
 * that the stream leaves its presence channels at once. Not for a direct id whose owner (the row's key) is unknown, nor
 * when the mark fails (logged): the member then leaves after the grace period, as after a drop; the close goes ahead
 * either way.
 */
export async function markBeforeClose(
  deps: Pick<DeliveryDeps, 'disconnectMarks' | 'log'>, target: { readonly connectionId: string; readonly userId?: string }, requestId: string,
): Promise<void> {
  const { connectionId, userId } = target;
  if (!deps.disconnectMarks || userId === undefined) return;
  try {
    await deps.disconnectMarks.mark({ userId, connectionId }, requestId);
  } catch (e) {
    deps.log.warn('a disconnect request could not mark the row it closes: its presence channels are left after the grace period', {
      messageId: requestId, connectionId, error: describeError(e),
    });
  }
}
