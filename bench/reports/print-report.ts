import { growthTable, mainTable } from './broadcast-tables';
import { channelsTable } from './channels-table';
import { fmt } from './format';
import type { Results } from './results';
import { sendersTable } from './senders-table';
import { smallMulticastTable } from './small-multicast-table';
import { sweepTable } from './sweep-table';
import { evaluateTargets } from './target-check';

/** The report `npm run bench` prints at the end of a run (markdown, as BENCHMARKS.md quotes it). */
export function printReport(results: Results): void {
  const o = results.options;
  const variant = `${o.tls ? 'HTTPS' : 'HTTP'}, ${o.warm ? 'warm' : 'first'} invocations`;
  console.log(`\n## Results (${o.latencyMs} ms latency, in-flight ${o.inFlight}, ${o.scanSegments} scan segments, ${variant})\n`);
  console.log(mainTable(results));
  console.log('\n## Growth with the broadcast size\n');
  console.log(growthTable(results));
  if (results.rows.some((r) => r.kind === 'channel')) {
    console.log(`\n## Channels (issue 24: a publish to one channel beside the bare client, envelope ${channelBytes(results)}, in-flight ${o.inFlight})\n`);
    console.log(channelsTable(results));
  }
  if (results.rows.some((r) => r.kind === 'small-multicast')) {
    console.log('\n## Small multicast (issue 28: 1 user × 3 connections, one invocation after the other; target: ≤ 2 ms added at p50)\n');
    console.log(smallMulticastTable(results));
  }
  if (results.rows.some((r) => r.kind === 'senders')) {
    console.log(`\n## Senders (issue 8: broadcast to ${fmt(o.sendersSize)}, payload ${o.sendersPayloadBytes} B, in-flight ${o.inFlight})\n`);
    console.log(sendersTable(results));
  }
  if (results.rows.some((r) => r.kind === 'sweep')) {
    console.log(`\n## In-flight sweep (broadcast to ${fmt(o.sweepSize)})\n`);
    console.log(sweepTable(results));
  }
  console.log('\n## Targets\n');
  for (const target of results.targets ?? evaluateTargets(results)) console.log(`- ${target.line}`);
}

/** The envelope's size as the pusher posted it (the bare client posts the same bytes). */
function channelBytes(results: Results): string {
  const row = results.rows.find((r) => r.kind === 'channel' && r.subject === 'pusher' && r.deliveries > 0);
  const bytes = row?.emulator.deliveredBytes;
  return row && bytes ? `${fmt(bytes / row.deliveries)} B` : `of a ${fmt(results.options.payloadBytes)} B payload`;
}
