import { fmt, MB, ratio, table } from './format';
import type { Results } from './results';

/** Throughput of the pusher and the ceiling for each in-flight value. */
export function sweepTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'sweep');
  const values = [...new Set(rows.map((r) => r.inFlight!))].sort((a, b) => a - b);
  let previous: number | undefined;
  return table(
    ['in flight', 'ceiling /s', 'pusher /s', 'pusher ÷ ceiling', 'pusher gain vs previous', 'pusher CPU ms / 1k', 'pusher max RSS MB', 'stack CPU s (pusher run)',
      'others CPU s (pusher run)'],
    values.map((value) => {
      const ceiling = rows.find((r) => r.inFlight === value && r.subject === 'ceiling');
      const pusher = rows.find((r) => r.inFlight === value && r.subject === 'pusher');
      const gain = previous && pusher ? `${((pusher.perSecond / previous - 1) * 100).toFixed(0)} %` : '–';
      previous = pusher?.perSecond;
      return [
        String(value),
        ceiling ? fmt(ceiling.perSecond) : '–',
        pusher ? fmt(pusher.perSecond) : '–',
        ratio(pusher?.perSecond, ceiling?.perSecond),
        gain,
        pusher ? fmt(pusher.cpuMsPer1000, 1) : '–',
        pusher ? fmt(pusher.maxRssBytes / MB) : '–',
        pusher ? fmt(pusher.stackCpuMs / 1000, 1) : '–',
        pusher?.othersCpuMs === undefined ? '–' : fmt(pusher.othersCpuMs / 1000, 1),
      ];
    }),
  );
}
