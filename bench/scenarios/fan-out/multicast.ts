import { CONNECTIONS_PER_USER, payload, type FanOut } from './fan-out';
import type { Scenario } from '../../reports/results';

/** A multicast to `users` users (their connections are the table's first rows), by every chosen subject. */
export async function multicast(bench: FanOut, users: number): Promise<void> {
  const { options, table } = bench;
  const request = { data: payload(options.payloadBytes), users: Array.from({ length: users }, (_, u) => `user-${u}`) };
  const targets = table.ids.slice(0, users * CONNECTIONS_PER_USER);
  const scenario: Scenario = {
    name: `multicast ${users.toLocaleString('en-US')}×${CONNECTIONS_PER_USER}`, kind: 'multicast', connections: targets.length, table: table.ids.length,
  };
  await bench.runner.run({ scenario, request, targets, inFlight: options.inFlight, subjects: options.subjects });
}
