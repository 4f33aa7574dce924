import { payload, type FanOut } from './fan-out';
import type { Scenario } from '../../reports/results';

/** A broadcast to the first `size` rows of the table (the table may hold more), by every chosen subject. */
export async function broadcast(bench: FanOut, size: number): Promise<void> {
  const { options, table } = bench;
  const scenario: Scenario = {
    name: `broadcast ${size.toLocaleString('en-US')}`, kind: 'broadcast', connections: size, table: table.ids.length,
  };
  const request = { data: payload(options.payloadBytes) };
  await bench.runner.run({ scenario, request, targets: table.ids.slice(0, size), inFlight: options.inFlight, subjects: options.subjects });
}
