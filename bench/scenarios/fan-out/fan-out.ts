/**
 * What the fan-out scenarios of `npm run bench` share: the options, the local system (dynalite + the emulator, in
 * this process), the table of virtual connections they grow, and the runner that measures every subject on them.
 */
import type { ScenarioRunner } from './scenario-runner';
import type { VirtualConnection } from '../../../local/api-gateway/connections';
import type { LocalSystem } from '../../../local/system/local-system';
import type { BenchOptions } from '../../reports/results';

export interface FanOut {
  readonly options: BenchOptions;
  readonly system: LocalSystem;
  readonly table: VirtualTable;
  readonly runner: ScenarioRunner;
}

/** A multicast's users have this many connections each; the table's rows are grouped so. */
export const CONNECTIONS_PER_USER = 3;

/** The connections table, grown by virtual connections (a row and an in-memory receiver each). */
export class VirtualTable {
  /** Connection ids in seeding order; row i belongs to user `user-{floor(i / 3)}`. */
  readonly ids: string[] = [];
  /** The same connections' receivers (what each received), in the same order. */
  readonly connections: VirtualConnection[] = [];

  constructor(private readonly system: LocalSystem) {}

  /** Grows the table to `size` rows; resolves with the time it took, ms. */
  async growTo(size: number): Promise<number> {
    const started = Date.now();
    const users = Array.from({ length: size - this.ids.length }, (_, k) => `user-${Math.floor((this.ids.length + k) / CONNECTIONS_PER_USER)}`);
    for (let i = 0; i < users.length; i += 5_000) {
      const connections = await this.system.connectVirtual(users.slice(i, i + 5_000));
      this.ids.push(...connections.map((c) => c.connectionId));
      this.connections.push(...connections);
    }
    return Date.now() - started;
  }
}

/** A notification of roughly `bytes` bytes once serialized, the same for every subject. */
export function payload(bytes: number): Record<string, unknown> {
  const base = { type: 'announcement', id: 'bench-0001', at: '2025-01-01T00:00:00.000Z', text: '' };
  return { ...base, text: 'x'.repeat(Math.max(0, bytes - JSON.stringify(base).length)) };
}
