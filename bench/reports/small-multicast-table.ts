/**
 * Issue 28: the small multicast (one user of 3 connections, many invocations one after the other): each subject's
 * latency per invocation and CPU per invocation, and what each adds to the one Query and 3 posts of the ceiling on the
 * pusher's own sockets and signers (`ceiling-pusher`).
 */
import { fmt, table } from './format';
import type { Results, Row } from './results';

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const latencies = (r: Row) => (r.details.latenciesMs as number[] | undefined) ?? [];

export function smallMulticastTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'small-multicast');
  return table(
    ['scenario', 'subject', 'invocations', 'p50 ms', 'p90 ms', 'p99 ms', 'added at p50 ms (− ceiling-pusher)', 'CPU ms / invocation'],
    rows.map((r) => {
      const own = latencies(r);
      const ceiling = rows.find((x) => x.scenario === r.scenario && x.subject === 'ceiling-pusher');
      const added = ceiling && r !== ceiling && own.length > 0 ? quantile(own, 0.5) - quantile(latencies(ceiling), 0.5) : undefined;
      return [
        r.scenario,
        r.error ? `${r.subject} ⚠ ${r.error}` : r.subject,
        fmt(own.length),
        own.length > 0 ? fmt(quantile(own, 0.5), 2) : '–',
        own.length > 0 ? fmt(quantile(own, 0.9), 2) : '–',
        own.length > 0 ? fmt(quantile(own, 0.99), 2) : '–',
        added === undefined ? '–' : fmt(added, 2),
        own.length > 0 ? fmt(r.cpuMs / own.length, 2) : '–',
      ];
    }),
  );
}
