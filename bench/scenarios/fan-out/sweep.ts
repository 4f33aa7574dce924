import { payload, type FanOut } from './fan-out';
import type { Scenario } from '../../reports/results';

/** The ceiling and the pusher broadcasting to `size` connections at each in-flight value. */
export async function sweep(bench: FanOut, size: number, values: readonly number[]): Promise<void> {
  const { options, table } = bench;
  for (const inFlight of values) {
    const scenario: Scenario = { name: `sweep ${size.toLocaleString('en-US')}`, kind: 'sweep', connections: size, table: table.ids.length };
    await bench.runner.run({
      scenario, request: { data: payload(options.payloadBytes) }, targets: table.ids.slice(0, size), inFlight, subjects: ['ceiling', 'pusher'],
    });
  }
}
