import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import type { LocalQueue } from './moto-server';

/** An event put on a bus of moto's EventBridge, and the rules (by name) it matched. */
export interface TappedEvent {
  readonly bus: string;
  readonly event: EventBridgeEvent<string, unknown>;
  readonly rules: readonly string[];
}

/**
 * The body moto writes to the tap queue for a rule's tap target: the bus and the rule (`null` for the bus's catch-all
 * rule) around the whole event (`<aws.events.event.json>`, which moto substitutes).
 */
export function tapTemplate(bus: string, rule: string | null): string {
  return `{"bus": ${JSON.stringify(bus)}, "rule": ${JSON.stringify(rule)}, "event": <aws.events.event.json>}`;
}

/**
 * Reads the tap queue: every rule with targets has one more target, the tap queue, and every bus a catch-all rule,
 * created after the others, that has only the tap. moto runs a bus's rules in the order they were created, for one
 * event after the other, so an event's tap messages are its matched rules' and then its catch-all's: the catch-all's
 * closes the event, which is reported with the rules before it.
 */
export class EventTap {
  private readonly matched = new Map<string, string[]>();
  private running = false;
  private busy = false;
  private loop?: Promise<void>;

  constructor(private readonly client: SQSClient, readonly queue: LocalQueue, private readonly onEvent: (event: TappedEvent) => void) {}

  /** Batches being read, and events seen whose catch-all message is still to come. */
  get inFlight(): number {
    return (this.busy ? 1 : 0) + this.matched.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) await this.pollOnce();
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async pollOnce(): Promise<void> {
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await this.client.send(new ReceiveMessageCommand({
        QueueUrl: this.queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30,
      })));
    } catch (e) {
      if (!this.running) return;
      throw e;
    }
    if (messages.length === 0) return;
    this.busy = true;
    try {
      for (const message of messages) this.read(JSON.parse(message.Body ?? '{}'));
      await this.client.send(new DeleteMessageBatchCommand({
        QueueUrl: this.queue.url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }));
    } finally {
      this.busy = false;
    }
  }

  private read(body: { bus: string; rule: string | null; event: Record<string, any> }): void {
    const id = String(body.event.id);
    if (body.rule !== null) {
      this.matched.set(id, [...this.matched.get(id) ?? [], body.rule]);
      return;
    }
    const rules = this.matched.get(id) ?? [];
    this.matched.delete(id);
    this.onEvent({ bus: body.bus, event: asDelivered(body.event), rules });
  }
}

/** moto's event as EventBridge delivers it: without moto's `ingestion-time`, its `time` (epoch seconds) in ISO 8601. */
export function asDelivered(event: Record<string, any>): EventBridgeEvent<string, unknown> {
  const { 'ingestion-time': _ingested, time, ...rest } = event;
  const seconds = typeof time === 'number' ? time : Number(time);
  const iso = Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : String(time);
  return {
    'version': rest.version,
    'id': rest.id,
    'detail-type': rest['detail-type'],
    'source': rest.source,
    'account': rest.account,
    'time': iso,
    'region': rest.region,
    'resources': rest.resources ?? [],
    'detail': rest.detail,
  };
}
