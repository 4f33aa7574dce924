import type { VirtualConnection } from '../../../local/api-gateway/connections';
import type { EmulatorStats } from '../../../local/api-gateway/stats';

/**
 * Throws unless every connection received the broadcast exactly once, with what tells where extra or missing posts
 * come from: rows read twice (Σtargets over the table size) or posts retried (Σretried), connections by times
 * received, work items by outcome, the emulator's counters, the first failed items.
 */
export function checkExactlyOnce(live: readonly VirtualConnection[], items: ReadonlyArray<Record<string, any>>, emulator: EmulatorStats): void {
  const wrong = live.filter((c) => c.received !== 1).length;
  if (wrong === 0) return;
  const byCount: Record<number, number> = {};
  for (const c of live) byCount[c.received] = (byCount[c.received] ?? 0) + 1;
  const outcomes: Record<string, number> = {};
  for (const l of items) outcomes[String(l.outcome)] = (outcomes[String(l.outcome)] ?? 0) + 1;
  const sum = (field: string) => items.reduce((n, l) => n + (Number(l[field]) || 0), 0);
  const handlerSums = { targets: sum('targets'), delivered: sum('delivered'), retried: sum('retried'), pages: sum('pages') };
  throw new Error(`${wrong} connections did not receive the broadcast exactly once: handler totals ${JSON.stringify(handlerSums)}, ` +
    `connections by times received ${JSON.stringify(byCount)}, work items by outcome ${JSON.stringify(outcomes)}, emulator ${JSON.stringify(emulator)}, ` +
    `errors: ${JSON.stringify(items.filter((l) => l.outcome !== 'completed' && l.outcome !== 'continued').slice(0, 3))}`);
}
