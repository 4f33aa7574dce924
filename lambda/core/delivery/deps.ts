import type { Positions } from '../history/positions';
import type { ConnectionStore, DisconnectMarks } from '../ports/connection-store';
import type { Log } from '../ports/reporter';
import type { Sender } from '../ports/sender';
import type { ShardRead, SubscriptionStore } from '../ports/subscription-store';
import type { NotificationRequest } from '../request';
import type { Random, RetryPolicy, Sleep } from '../retry';
import type { Semaphore } from '../semaphore';

/** One valid request to deliver, under the message id it is reported with. */
export interface DeliveryJob {
  readonly messageId: string;
  readonly request: NotificationRequest;
  /** The shards of the request's channels to read, from where: every shard of each, from its start, when absent. */
  readonly reads?: readonly ShardRead[];
  /** The message's positions in the request's history channels, once stored (a follow-up carries them). */
  readonly positions?: Positions;
}

/** What delivery needs, injected: the ports, the bounds shared by the invocation's requests, the clock. */
export interface DeliveryDeps {
  readonly store: ConnectionStore;
  /** The subscriptions table, with channels (a request's `channels` needs it). */
  readonly subscriptions?: SubscriptionStore;
  readonly sender: Sender;
  /** With channel presence and disconnect requests: rows are marked before a disconnect request closes them. */
  readonly disconnectMarks?: DisconnectMarks;
  /** Bounds PostToConnection calls in flight across every request of the invocation (`MAX_IN_FLIGHT`). */
  readonly sendSlots: Semaphore;
  /** Bounds DynamoDB Queries in flight across every request of the invocation (`MAX_QUERIES_IN_FLIGHT`). */
  readonly querySlots: Semaphore;
  /** Posts per connection (`MAX_ATTEMPTS`) and their backoff. */
  readonly postRetry: RetryPolicy;
  readonly scanSegments: number;
  readonly log: Log;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}
