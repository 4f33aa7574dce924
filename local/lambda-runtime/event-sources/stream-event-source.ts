import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { stepAfter, verdictOf, type Segment, type StreamResponse, type Verdict } from './stream-batches';
import { onFailureRecord, streamEvent, type StreamOnFailureRecord } from './stream-event';
import type { LocalStream } from '../../aws/dynamodb/local-stream';
import type { LocalQueue } from '../../aws/moto/moto-server';
import { localArn } from '../../identity';
import type { FunctionRunner, Invocation } from '../function-runner';

/** Where the records given up on are described: a callback, or an SQS queue (the message body is the record's JSON). */
export type StreamFailureDestination =
  | ((record: StreamOnFailureRecord) => void | Promise<void>)
  | { readonly client: SQSClient; readonly queue: LocalQueue };

export interface StreamEventSourceOptions {
  readonly stream: LocalStream;
  /** The function's execution environment (a shard is read by one invocation at a time). */
  readonly runner: FunctionRunner;
  /** Records per invocation, at most. @default 100 */
  readonly batchSize?: number;
  /** Where reading starts on the first `start()`. @default 'LATEST' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`. @default false */
  readonly reportBatchItemFailures?: boolean;
  /** @default false */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Retries before records are given up; -1 never gives up. @default -1 */
  readonly maximumRetryAttempts?: number;
  /** Told of the records given up on. @default none: they are dropped, as without a destination */
  readonly onFailure?: StreamFailureDestination;
  /** The on-failure record's `functionArn`. @default a local ARN of `stream-function` */
  readonly functionArn?: string;
  /** The function timeout the context reports. @default 60000 */
  readonly functionTimeoutMs?: number;
  /** Between a failed invocation and its retry, so that a failing function does not spin. @default 100 */
  readonly retryDelayMs?: number;
  /** The longest wait for records before looking again (an append wakes the source at once). @default 250 */
  readonly pollIntervalMs?: number;
  /** Called after each invocation (e.g. to print its report lines). */
  readonly onInvocation?: (invocation: StreamInvocation) => void;
}

/** One invocation by the source: the records it carried, as the function got them, and what the function produced. */
export interface StreamInvocation {
  readonly records: readonly DynamoDBRecord[];
  readonly invocation: Invocation<StreamResponse>;
}

/**
 * What Lambda's DynamoDB stream event source mapping does, over a `LocalStream`: it reads batches in stream order and
 * invokes the function with the event Lambda builds, one batch at a time (one shard). A success moves on; with
 * `reportBatchItemFailures`, the lowest sequence number reported is retried from (what precedes it is done); a failed
 * invocation retries the batch, split in halves first with `bisectBatchOnFunctionError` (a split consumes no retry);
 * after `maximumRetryAttempts` retries the records are given up: described to the on-failure destination (the record
 * range, as Lambda's on-failure record), and the source moves on.
 */
export class StreamEventSource {
  readonly invocations: StreamInvocation[] = [];
  /** The on-failure records of what was given up, in order. */
  readonly givenUp: StreamOnFailureRecord[] = [];
  private running = false;
  private started = false;
  private busy = 0;
  private loop: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  /** The position of the next record to read. */
  private position = 0;
  /** Records read and not yet done or given up, in stream order. */
  private pending: Segment[] = [];
  /** What stopped the source, when something did (e.g. an `onInvocation` that threw). */
  private crashed?: Error;

  constructor(private readonly options: StreamEventSourceOptions) {}

  get stream(): LocalStream {
    return this.options.stream;
  }

  /** Invocations currently running (0 or 1). */
  get inFlight(): number {
    return this.busy;
  }

  /** Nothing running, nothing pending, every record read. */
  get idle(): boolean {
    return this.busy === 0 && this.pending.length === 0 && this.position >= this.stream.latest;
  }

  start(): void {
    if (this.running) return;
    if (!this.started) this.position = this.options.startingPosition === 'TRIM_HORIZON' ? this.stream.trimHorizon : this.stream.latest;
    this.started = true;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run().catch((e: Error) => {
      this.running = false;
      this.crashed = e;
    });
  }

  /** Stops reading; resolves once the invocation in flight is over. Started again, it goes on where it stopped. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    if (this.crashed) throw this.crashed;
  }

  /** Resolves once the source is idle twice in a row, `intervalMs` apart; rejects after `timeoutMs`. */
  async drained(timeoutMs = 30_000, intervalMs = 25): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let quiet = 0; quiet < 2;) {
      if (this.crashed) throw this.crashed;
      if (Date.now() > deadline) {
        throw new Error(`the stream source of ${this.stream.tableName} did not drain in ${timeoutMs} ms: `
          + `${this.stream.latest - this.position} unread, ${this.pending.length} segment(s) pending, ${this.busy} in flight`);
      }
      await sleep(intervalMs);
      quiet = this.idle ? quiet + 1 : 0;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const segment = this.pending[0] ?? this.read();
      if (!segment) {
        await this.stream.waitForRecords(this.position, this.options.pollIntervalMs ?? 250, this.abort.signal);
        continue;
      }
      this.busy += 1;
      try {
        await this.attempt(segment);
      } finally {
        this.busy -= 1;
      }
    }
  }

  private read(): Segment | undefined {
    const { records, next } = this.stream.read(this.position, this.options.batchSize ?? 100);
    this.position = next;
    if (records.length === 0) return undefined;
    const segment = { records, retries: 0, invocations: 0 };
    this.pending.push(segment);
    return segment;
  }

  /** Invokes the function with the segment's records and takes the step its answer calls for. */
  private async attempt(segment: Segment): Promise<void> {
    const event = streamEvent(segment.records, this.stream.streamArn);
    let invocation: Invocation<StreamResponse>;
    try {
      invocation = await this.options.runner.invoke<StreamResponse>(event, { timeoutMs: this.options.functionTimeoutMs ?? 60_000 });
    } catch (e) {
      invocation = { error: { name: 'InvocationError', message: (e as Error).message }, lines: [], json: [] };
    }
    const entry = { records: event.Records, invocation };
    this.invocations.push(entry);
    this.options.onInvocation?.(entry);
    const verdict = verdictOf(invocation, segment.records, this.options.reportBatchItemFailures ?? false);
    const step = stepAfter({ ...segment, invocations: segment.invocations + 1 }, verdict, {
      bisectBatchOnFunctionError: this.options.bisectBatchOnFunctionError ?? false,
      maximumRetryAttempts: this.options.maximumRetryAttempts ?? -1,
    });
    this.pending.splice(0, 1, ...step.next);
    if (step.discarded) await this.giveUp(step.discarded, verdict);
    else if (verdict.kind !== 'success') await sleep(this.options.retryDelayMs ?? 100, this.abort.signal);
  }

  /** Describes given-up records to the destination; a destination that fails is tried again until it takes them. */
  private async giveUp(segment: Segment, verdict: Verdict): Promise<void> {
    const record = onFailureRecord(this.stream, segment.records, {
      functionArn: this.options.functionArn ?? localArn('lambda', 'function:stream-function'),
      invocations: segment.invocations,
      functionError: verdict.kind === 'failure' && verdict.functionError,
    });
    this.givenUp.push(record);
    const destination = this.options.onFailure;
    for (;;) {
      try {
        if (typeof destination === 'function') {await destination(record);} else if (destination) {
          await destination.client.send(new SendMessageCommand({ QueueUrl: destination.queue.url, MessageBody: JSON.stringify(record) }));
        }
        return;
      } catch {
        // Stopping: the record stays in `givenUp`.
        if (!this.running) return;
        await sleep(this.options.retryDelayMs ?? 100, this.abort.signal);
      }
    }
  }
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
