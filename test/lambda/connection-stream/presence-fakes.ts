import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { CHECK_QUEUE_ARN, sqsRecord, streamRecord } from './stream-records';
import { processChecks } from '../../../lambda/connection-stream/core/check-batch';
import type {
  CheckQueue, ConnectionDirectory, EventPublisher, LifecycleEvent, PresenceRow, PresenceStore, SubscriptionKey, SubscriptionStore,
} from '../../../lambda/connection-stream/core/ports';
import { runCheck } from '../../../lambda/connection-stream/core/presence-check';
import { processBatch, type BatchDeps } from '../../../lambda/connection-stream/core/process-batch';
import { orderKeyOf, recordHandlers, type HandlerDeps } from '../../../lambda/connection-stream/core/record-handlers';
import type { PresenceDeps } from '../../../lambda/connection-stream/core/user-presence';
import type { PresenceCheck } from '../../../src/shared/presence';

/** The presence table in memory, with DynamoDB's conditional put; `beforeReplace` lets a test change the row first. */
export class FakePresenceStore implements PresenceStore {
  readonly rows = new Map<string, PresenceRow>();
  /** Successful writes, in order. */
  readonly writes: Array<{ userId: string; row: PresenceRow }> = [];
  beforeReplace?: (userId: string) => void;
  failReplace?: (userId: string, next: PresenceRow) => boolean;

  async get(userId: string): Promise<PresenceRow | undefined> {
    return this.rows.get(userId);
  }

  async replace(userId: string, next: PresenceRow, expected: PresenceRow | undefined): Promise<boolean> {
    this.beforeReplace?.(userId);
    if (this.failReplace?.(userId, next)) throw Object.assign(new Error('the table is throttled'), { name: 'ProvisionedThroughputExceededException' });
    const current = this.rows.get(userId);
    const same = expected === undefined ? current === undefined
      : current !== undefined && current.state === expected.state && current.version === expected.version && current.token === expected.token;
    if (!same) return false;
    this.rows.set(userId, next);
    this.writes.push({ userId, row: next });
    return true;
  }
}

/** The connections table in memory: rows with an optional TTL (epoch seconds). */
export class FakeConnections implements ConnectionDirectory {
  readonly rows = new Map<string, Map<string, number | undefined>>();
  queries = 0;

  add(userId: string, connectionId: string, expiresAt?: number): void {
    if (!this.rows.has(userId)) this.rows.set(userId, new Map());
    this.rows.get(userId)!.set(connectionId, expiresAt);
  }

  remove(userId: string, connectionId: string): void {
    this.rows.get(userId)?.delete(connectionId);
  }

  async hasLiveConnection(userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean> {
    this.queries++;
    return [...(this.rows.get(userId) ?? new Map<string, number | undefined>())]
      .some(([id, expiresAt]) => id !== options.excluding && (expiresAt === undefined || expiresAt > options.nowSeconds));
  }
}

/** The bus in memory: every accepted put; `fail` refuses the puts it matches (as a FailedEntryCount > 0 would). */
export class FakePublisher implements EventPublisher {
  readonly events: LifecycleEvent[] = [];
  readonly attempts: LifecycleEvent[][] = [];
  fail?: (events: readonly LifecycleEvent[]) => boolean;

  async put(events: readonly LifecycleEvent[]): Promise<void> {
    this.attempts.push([...events]);
    if (this.fail?.(events)) throw Object.assign(new Error('1 of 1 event(s) not put on the bus: InternalFailure'), { name: 'PutEventsError' });
    this.events.push(...events);
  }

  ofType(type: string): LifecycleEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** The check queue in memory: what was sent, and `fail` to refuse a send. */
export class FakeCheckQueue implements CheckQueue {
  readonly sent: Array<{ check: PresenceCheck; delaySeconds: number }> = [];
  fail?: (check: PresenceCheck) => boolean;

  async send(check: PresenceCheck, delaySeconds: number): Promise<void> {
    if (this.fail?.(check)) throw Object.assign(new Error('SQS is unavailable'), { name: 'ServiceUnavailable' });
    this.sent.push({ check, delaySeconds });
  }
}

/** A subscriptions table holding nothing, counting the lookups. */
export class EmptySubscriptions implements SubscriptionStore {
  lookups: string[] = [];
  async* subscriptionsOf(connectionId: string): AsyncIterable<readonly SubscriptionKey[]> {
    this.lookups.push(connectionId);
    yield [];
  }
  async delete(keys: readonly SubscriptionKey[]): Promise<number> {
    return keys.length;
  }
}

export const START_MS = 1_700_000_000_000;

/**
 * A world for presence: the tables, bus and queue in memory, a clock, and the user's actions as stream records
 * (a `$connect` writes the row then its INSERT comes; a drop deletes it then its REMOVE comes).
 */
export function presenceWorld(options: { subscriptions?: SubscriptionStore; graceSeconds?: number } = {}) {
  const clock = { now: START_MS };
  const store = new FakePresenceStore();
  const connections = new FakeConnections();
  const publisher = new FakePublisher();
  const queue = new FakeCheckQueue();
  const presence: PresenceDeps = { store, connections, publisher, checks: queue, graceSeconds: options.graceSeconds ?? 30, now: () => clock.now };
  const handlerDeps: HandlerDeps = {
    attributes: { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', contextAttributes: ['tenant'] },
    presence,
    ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
  };
  const streamDeps: BatchDeps = {
    handlers: recordHandlers(handlerDeps),
    orderKey: orderKeyOf(handlerDeps),
    concurrency: 4,
    connectionIdOf: (r) => r.dynamodb?.Keys?.connection_id?.S,
    userIdOf: (r) => r.dynamodb?.Keys?.user_id?.S,
    now: () => clock.now,
  };
  let seq = 100;
  let message = 0;
  const timeSeconds = () => Math.floor(clock.now / 1000);
  return {
    clock,
    store,
    connections,
    publisher,
    queue,
    presence,
    /** A `$connect`: the row (TTL an hour from now), and its INSERT record. */
    connect(userId: string, connectionId: string, expiresAt = timeSeconds() + 3600): DynamoDBRecord {
      connections.add(userId, connectionId, expiresAt);
      return streamRecord('INSERT', connectionId, String(++seq), { userId, timeSeconds: timeSeconds(), context: { tenant: 't1' } });
    },
    /** A `$disconnect` (or TTL, or prune): the row gone, and its REMOVE record. */
    drop(userId: string, connectionId: string): DynamoDBRecord {
      connections.remove(userId, connectionId);
      return streamRecord('REMOVE', connectionId, String(++seq), { userId, timeSeconds: timeSeconds(), context: { tenant: 't1' } });
    },
    stream: (...records: DynamoDBRecord[]) => processBatch(records, streamDeps),
    /** The checks sent so far (and not yet taken), as SQS records; `take` empties the queue. */
    takeChecks(): SQSRecord[] {
      return queue.sent.splice(0).map(({ check }) => sqsRecord(`m${++message}`, JSON.stringify(check)));
    },
    checks: (records: readonly SQSRecord[]) => processChecks(records, {
      queueArn: CHECK_QUEUE_ARN,
      run: (check) => runCheck(presence, check),
      concurrency: 4,
      now: () => clock.now,
    }),
    advance(seconds: number) {
      clock.now += seconds * 1000;
    },
  };
}
