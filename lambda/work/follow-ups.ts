import { carryForwardBodies, serializeWorkItem, type WorkItem, type WorkItemFields } from './work-item';
import { LIMITS } from '../../src/shared/constants';
import type { ConnectionKey, StartKey } from '../core/ports/connection-store';
import type { WorkMessage } from '../core/ports/work-queue';

/** Connections the item stops trying, and why: counted failed and logged at ERROR, never looped. */
export interface GivenUp {
  readonly keys: readonly ConnectionKey[];
  readonly why: string;
}

/** What a work item leaves to later items: the messages to enqueue, how many connections they carry, what is dropped. */
export interface FollowUpPlan {
  readonly messages: WorkMessage[];
  /** Connections carried forward in the messages. */
  readonly carried: number;
  readonly givenUp: GivenUp[];
}

/**
 * Plans the follow-ups of a work item (pure): connections still failing are carried forward in items of
 * `attempt + 1` (delayed 1, 2, 4 … seconds so the throttle cools down) until `maxCarryForwardAttempts`; the unread
 * rest of a segment, from `continueFrom`, becomes a continuation of the same attempt.
 */
export function planFollowUps(
  item: WorkItem, carried: readonly ConnectionKey[], continueFrom: StartKey | undefined, maxCarryForwardAttempts: number,
): FollowUpPlan {
  const messages: WorkMessage[] = [];
  const givenUp: GivenUp[] = [];
  const payloadText = item.payload.toString('utf8');
  let carriedCount = 0;
  if (carried.length > 0 && item.attempt < maxCarryForwardAttempts) {
    const { bodies, unsendable } = carryForwardBodies(followUpFields(item, item.attempt + 1), payloadText, carried);
    const delaySeconds = Math.min(LIMITS.MAX_SQS_DELAY_SECONDS, 2 ** (item.attempt - 1));
    messages.push(...bodies.map((body) => ({ body, delaySeconds })));
    carriedCount = carried.length - unsendable.length;
    if (unsendable.length > 0) givenUp.push({ keys: unsendable, why: 'too large to carry forward' });
  } else if (carried.length > 0) {
    givenUp.push({ keys: carried, why: `still failing after ${maxCarryForwardAttempts} work-item attempts` });
  }
  if (continueFrom) {
    messages.push({
      body: serializeWorkItem({
        ...followUpFields(item, item.attempt),
        exclusiveStartKey: continueFrom,
        excludeUsers: item.excludeUsers,
        excludeConnections: item.excludeConnections,
      }, payloadText),
    });
  }
  return { messages, carried: carriedCount, givenUp };
}

function followUpFields(item: WorkItem, attempt: number): Omit<WorkItemFields, 'connections' | 'exclusiveStartKey'> {
  return { requestId: item.requestId, segment: item.segment, totalSegments: item.totalSegments, attempt, startedAt: item.startedAt };
}
