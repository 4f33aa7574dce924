/** Machine-readable reasons a request can never succeed. */
export type InvalidRequestCode =
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'MISSING_DATA'
  | 'INVALID_FIELD'
  | 'INVALID_ID'
  | 'PAYLOAD_TOO_LARGE'
  | 'DISCONNECT_DISABLED'
  | 'INVALID_CHANNEL'
  | 'CHANNELS_DISABLED'
  | 'UNSUPPORTED_EVENT';

/** A structured, loggable reason for rejecting a request. */
export interface RequestError {
  readonly code: InvalidRequestCode;
  readonly message: string;
}

/** Why a valid request was not fully delivered. `PAYLOAD_TOO_LARGE` is permanent, the others transient. */
export type DeliveryErrorCode = 'LOOKUP_FAILED' | 'SEND_FAILED' | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE' | 'GROUP_BLOCKED' | 'IN_PROGRESS' | 'HISTORY_FAILED';

export interface DeliveryError {
  readonly code: DeliveryErrorCode | InvalidRequestCode;
  readonly message: string;
}

/** Why a work item, or the split of a request into work items, did not complete. */
export interface WorkError {
  readonly code: 'INVALID_WORK_ITEM' | 'ENQUEUE_FAILED';
  readonly message: string;
}

export const FORBIDDEN_MESSAGE =
  'configuration error: the function lacks execute-api:ManageConnections or CALLBACK_URL is wrong';

/** Thrown by a {@link WorkQueue} when some work items could not be enqueued after the retries. */
export class WorkQueueError extends Error {
  constructor(readonly unsent: number, readonly total: number, readonly reason: string) {
    super(`${unsent} of ${total} work item(s) could not be enqueued: ${reason}`);
    this.name = 'WorkQueueError';
  }
}

/** `Name: message` of anything thrown, for a log line or an error message. */
export function describeError(error: unknown): string {
  const e = error as Error;
  return `${e.name}: ${e.message}`;
}
