import { medianCpu } from './figures';
import { fmt, MB, ratio, table } from './format';
import type { Results, Row } from './results';

/**
 * Issue 24: each channel fan-out, the pusher beside the bare client (unsigned raw HTTP) in the same scenario: rate and
 * CPU per 1,000 deliveries (median of the repeats; each run in brackets), and their ratios to the bare client's; and
 * (issue 28) to the ceilings', which read the channel's shards as the pusher does before they post (`ceiling-pusher` on
 * the pusher's own sockets and signers).
 */
export function channelsTable(results: Results): string {
  const rows = results.rows.filter((r) => r.kind === 'channel');
  return table(
    ['scenario', 'subject', 'in flight', 'deliveries', 'exactly once', 'wall s', 'deliveries/s', '÷ bare client', '÷ ceiling', '÷ ceiling-pusher',
      'CPU ms / 1k (median; runs)', '÷ bare client CPU', '÷ ceiling CPU', '÷ ceiling-pusher CPU', 'B / delivery', 'first post ms', 'max RSS MB', 'peak heap MB', 'stack CPU s', 'others CPU s'],
    rows.map((r) => {
      const bare = rows.find((x) => x.scenario === r.scenario && x.subject === 'unsigned');
      const ceiling = rows.find((x) => x.scenario === r.scenario && x.subject === 'ceiling');
      const ceilingPusher = rows.find((x) => x.scenario === r.scenario && x.subject === 'ceiling-pusher');
      return [
        r.scenario,
        r.subject,
        String(r.inFlight ?? '–'),
        fmt(r.deliveries),
        exactlyOnce(r),
        fmt(r.wallMs / 1000, 1),
        fmt(r.perSecond),
        r === bare ? '1' : ratio(r.perSecond, bare?.perSecond),
        r === ceiling ? '1' : ratio(r.perSecond, ceiling?.perSecond),
        r === ceilingPusher ? '1' : ratio(r.perSecond, ceilingPusher?.perSecond),
        fmt(medianCpu(r), 1) + runs(r),
        r === bare ? '1' : ratio(medianCpu(r), bare ? medianCpu(bare) : undefined),
        r === ceiling ? '1' : ratio(medianCpu(r), ceiling ? medianCpu(ceiling) : undefined),
        r === ceilingPusher ? '1' : ratio(medianCpu(r), ceilingPusher ? medianCpu(ceilingPusher) : undefined),
        r.emulator.deliveredBytes !== undefined && r.deliveries > 0 ? fmt(r.emulator.deliveredBytes / r.deliveries) : '–',
        r.firstRequestMs === undefined ? '–' : fmt(r.firstRequestMs),
        fmt(r.maxRssBytes / MB),
        fmt(r.peakHeapUsedBytes / MB, 1),
        fmt(r.stackCpuMs / 1000, 1),
        r.othersCpuMs === undefined ? '–' : fmt(r.othersCpuMs / 1000, 1),
      ].map((cell, i) => (r.error && i === 1 ? `${cell} ⚠ ${r.error}` : cell));
    }),
  );
}

/** `10,000 of 10,000`: the subscribers that received exactly one message (the median run's count). */
function exactlyOnce(r: Row): string {
  const check = r.details.exactlyOnce as { receivers: number; once: number } | undefined;
  return check ? `${fmt(check.once)} of ${fmt(check.receivers)}` : '–';
}

/** Each repeat's CPU per 1,000 deliveries, in brackets, when there were repeats. */
function runs(r: Row): string {
  const repeats = r.details.repeats as Array<{ cpuMsPer1000: number }> | undefined;
  return repeats ? ` (${repeats.map((x) => fmt(x.cpuMsPer1000, 0)).join(' / ')})` : '';
}
