import { payload, type FanOut } from './fan-out';
import type { Scenario } from '../../reports/results';

/**
 * Issue 8: what one delivery costs through each sender, at each latency, on the same emulator and connections.
 * The pusher broadcasts to the whole table (DynamoDB reads included); the others post to the same ids.
 */
export async function senders(bench: FanOut, size: number, latencies: readonly number[]): Promise<void> {
  const { options, system, table } = bench;
  const request = { data: payload(options.sendersPayloadBytes) };
  try {
    for (const latencyMs of latencies) {
      system.setFaults({ latencyMs });
      const scenario: Scenario = { name: `senders ${latencyMs} ms`, kind: 'senders', connections: size, table: table.ids.length, latencyMs };
      await bench.runner.run({ scenario, request, targets: table.ids.slice(0, size), inFlight: options.inFlight, subjects: options.sendersSubjects });
    }
  } finally {
    system.setFaults({ latencyMs: options.latencyMs });
  }
}
