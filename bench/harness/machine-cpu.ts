import { readFileSync } from 'fs';

/** Busy CPU time of the whole machine so far (all processes), ms; undefined where /proc/stat is missing. */
export function machineBusyMs(): number | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    // USER_HZ is 100 on Linux: a jiffy is 10 ms.
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return undefined;
  }
}
