import type { LocalQueue, QueueDepth } from '../aws/moto/moto-server';
import { drained } from '../lambda-runtime/event-sources/sqs-event-source';
import type { StreamEventSource } from '../lambda-runtime/event-sources/stream-event-source';

/** The queue side of a system: its queue and topic sources, the queues they read, and how deep a queue is. */
export interface QueueSide {
  readonly sources: ReadonlyArray<{ readonly inFlight: number }>;
  readonly queues: readonly LocalQueue[];
  readonly depth: (queue: LocalQueue) => Promise<QueueDepth>;
}

/**
 * Resolves once nothing is left to do: the queue sources idle and their queues empty (twice in a row), then every
 * stream source idle (twice in a row), and then, looked at once more, both still so (a stream's function may have
 * queued something, a queue's function may have written to a stream: then it starts over). Rejects after `timeoutMs`.
 */
export async function systemDrained(queueSide: QueueSide | undefined, streams: readonly StreamEventSource[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  for (;;) {
    if (queueSide) await drained(queueSide.sources, queueSide.queues, queueSide.depth, left());
    for (const stream of streams) await stream.drained(left());
    if (await stillQuiet(queueSide, streams)) return;
    if (Date.now() > deadline) throw new Error(`the system did not drain in ${timeoutMs} ms`);
  }
}

async function stillQuiet(queueSide: QueueSide | undefined, streams: readonly StreamEventSource[]): Promise<boolean> {
  if (!streams.every((s) => s.idle)) return false;
  if (!queueSide) return true;
  if (!queueSide.sources.every((s) => s.inFlight === 0)) return false;
  const depths = await Promise.all(queueSide.queues.map(queueSide.depth));
  return depths.every((d) => d.visible + d.inFlight + d.delayed === 0);
}
