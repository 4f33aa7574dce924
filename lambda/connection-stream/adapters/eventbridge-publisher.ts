// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { realSleep, withRetries, type Random, type RetryPolicy, type Sleep } from '../../core/retry';
import type { EventPublisher, LifecycleEvent } from '../core/ports';

/** Entries per PutEvents call, at most (EventBridge's limit). */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export interface EventBridgePublisherOptions {
  /** The bus's name (`default`: the account's default bus). */
  readonly eventBusName: string;
  /** The events' `source`: the pusher's service name. */
  readonly source: string;
  /** PutEvents calls per chunk, the first included, while some of its entries come back failed. */
  readonly retry: RetryPolicy;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

/** Some entries were still refused after the bounded retries: the record fails, and is retried whole. */
export class PutEventsError extends Error {
  constructor(readonly failed: number, readonly total: number, reasons: readonly string[]) {
    super(`${failed} of ${total} event(s) not put on the bus: ${[...new Set(reasons)].join('; ')}`);
    this.name = 'PutEventsError';
  }
}

/**
 * The bus in EventBridge: PutEvents of at most 10 entries, one chunk after the other (their order kept); the entries a
 * response marks failed (`FailedEntryCount` > 0, an `ErrorCode` per entry) are put again with full-jitter backoff,
 * bounded, and then the put throws: never ignored. Thrown calls (the SDK's own retries spent) throw as they are.
 * An entry is a few hundred bytes (ids, the context attributes), far under the 256 KB limit.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly client: EventBridgeClient, private readonly options: EventBridgePublisherOptions) {}

  async put(events: readonly LifecycleEvent[]): Promise<void> {
    const entries = events.map((event) => this.entryOf(event));
    for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX_ENTRIES) {
      await this.putChunk(entries.slice(i, i + PUT_EVENTS_MAX_ENTRIES));
    }
  }

  private entryOf(event: LifecycleEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.options.eventBusName,
      Source: this.options.source,
      DetailType: event.type,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.time),
    };
  }

  private async putChunk(chunk: PutEventsRequestEntry[]): Promise<void> {
    const reasons: string[] = [];
    let pending = chunk;
    const { result } = await withRetries(async () => {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!out.FailedEntryCount) return (pending = []);
      const answers = out.Entries ?? [];
      // An entry without an answer, or with an error code, was not put.
      const failed = pending.filter((_, i) => {
        const answer = answers[i];
        if (answer?.ErrorCode) reasons.push(`${answer.ErrorCode}: ${answer.ErrorMessage ?? ''}`.trim());
        return !answer || answer.ErrorCode !== undefined || answer.EventId === undefined;
      });
      if (failed.length === 0) reasons.push(`FailedEntryCount ${out.FailedEntryCount} without a failed entry`);
      // Which failed cannot be told: all of them again (the same event ids: a consumer drops the repeats).
      pending = failed.length > 0 ? failed : pending;
      return pending;
    }, (left) => left.length > 0, this.options.retry, this.options.sleep ?? realSleep, this.options.random ?? Math.random);
    if (result.length > 0) throw new PutEventsError(result.length, chunk.length, reasons);
  }
}
