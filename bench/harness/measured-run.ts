/**
 * One subject run measured from both sides: the subject measures itself (`measure.ts`), and the bench measures what
 * the stack in its own process (dynalite + the emulator) and every other process on the machine spent meanwhile, and
 * when the emulator saw the first Management API request after "go".
 */
import { machineBusyMs } from './machine-cpu';
import type { StackProfiler } from './stack-profiler';
import { runSubject, type RunOptions, type SubjectRun } from './subject-process';
import type { ApiGatewayEmulator } from '../../local/api-gateway/emulator';
import type { EmulatorStats } from '../../local/api-gateway/stats';

export interface StackFigures {
  /** CPU time of the stack (this process) during the run, microseconds. */
  readonly cpuUs: number;
  /** CPU time every other process on the machine used during the run (from /proc/stat), ms: noise. */
  readonly othersMs?: number;
  /** From "go" to the first Management API request the emulator received, ms. */
  readonly firstRequestMs?: number;
  readonly emulator: EmulatorStats;
}

export interface MeasuredRunOptions extends Omit<RunOptions, 'beforeGo' | 'profile'> {
  /** The subject signs its requests: the emulator checks signatures (turned off for an unsigned subject only). */
  readonly signed: boolean;
  /** Profiles the stack and the subject under this label. */
  readonly profile?: { readonly profiler: StackProfiler; readonly label: string };
  /** Called once the subject is set up (a warm run's first pass done), just before "go": snapshot what the run changes. */
  readonly atGo?: () => void;
}

/** Runs the bundled subject `name` against `emulator`, with the stack's and the machine's CPU over the same span. */
export async function measuredRun(
  emulator: ApiGatewayEmulator, name: string, options: MeasuredRunOptions,
): Promise<{ run: SubjectRun; stack: StackFigures }> {
  let stackCpu = process.cpuUsage();
  let busy = machineBusyMs();
  let goAt = 0;
  const profiler = options.profile?.profiler;
  emulator.setSignatureCheck(options.signed);
  let run: SubjectRun;
  try {
    run = await runSubject(name, {
      env: options.env,
      nodeArgs: options.nodeArgs,
      profile: options.profile ? { dir: options.profile.profiler.dir, name: `${options.profile.label}-subject` } : undefined,
      beforeGo: () => {
        options.atGo?.();
        emulator.resetStats();
        profiler?.start();
        stackCpu = process.cpuUsage();
        busy = machineBusyMs();
        goAt = performance.now();
      },
    });
  } finally {
    emulator.setSignatureCheck(true);
  }
  const cpu = process.cpuUsage(stackCpu);
  const busyNow = machineBusyMs();
  const machineMs = busy !== undefined && busyNow !== undefined ? busyNow - busy : undefined;
  if (options.profile) await profiler?.stop(`${options.profile.label}-stack`);
  const stackMs = (cpu.user + cpu.system) / 1000;
  // What other processes on the machine used meanwhile (the subject's CPU includes its exit, hence the floor).
  const othersMs = machineMs === undefined ? undefined : Math.max(0, machineMs - stackMs - (run.cpuUserUs + run.cpuSystemUs) / 1000);
  const stats = emulator.stats;
  const firstRequestMs = stats.firstRequestAt === undefined ? undefined : stats.firstRequestAt - goAt;
  return { run, stack: { cpuUs: cpu.user + cpu.system, othersMs, firstRequestMs, emulator: stats } };
}
