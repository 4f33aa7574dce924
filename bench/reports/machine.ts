import { execSync } from 'child_process';
import { cpus, totalmem } from 'os';

/** The facts about the machine a results file records: what its figures depend on. */
export function machine() {
  const shell = (command: string) => {
    try {
      return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    cpus: cpus().length,
    nproc: shell('nproc'),
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    kernel: shell('uname -r'),
  };
}

export type Machine = ReturnType<typeof machine>;
