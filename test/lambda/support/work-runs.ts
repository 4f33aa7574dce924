import type { FakeQueue, FakeSender } from './fakes';
import type { WorkDeps } from '../../../lambda/work/deps';
import { runWorkItem } from '../../../lambda/work/run-work-item';

/**
 * Runs `first` and then every work item enqueued on the fake queue until none is left, like the event source (delays
 * ignored); returns every report.
 */
export async function drainWorkItems(deps: WorkDeps, queue: FakeQueue, first: readonly string[], remaining: () => number) {
  const pending = [...first];
  const reports = [];
  for (let n = 1; pending.length > 0; n++) {
    const before = queue.sent.length;
    reports.push(await runWorkItem(`work-${n}`, pending.shift()!, deps, remaining));
    pending.push(...queue.sent.slice(before).flat().map((m) => m.body));
    if (n > 100) throw new Error('work items loop');
  }
  return reports;
}

/** Each connection posted to, with the `channel` of every envelope it received (null: none). */
export function receivedChannels(sender: FakeSender): Record<string, Array<string | null>> {
  const out: Record<string, Array<string | null>> = {};
  for (const { connectionId, payload } of sender.posts) (out[connectionId] ??= []).push(JSON.parse(Buffer.from(payload).toString()).channel ?? null);
  return out;
}
