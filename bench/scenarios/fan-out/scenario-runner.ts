/**
 * Runs one scenario: every chosen subject of the line-up against the same targets, each in a process of its own,
 * repeated and interleaved (ceiling, pusher, …, ceiling, pusher, …) so that a busy spell hits every subject; the run
 * with the median rate stands for each.
 */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import { ExactlyOnce } from './exactly-once';
import { medianOfRepeats } from './repeats';
import { toRow } from './row';
import type { VirtualConnection } from '../../../local/api-gateway/connections';
import type { LocalSystem } from '../../../local/system/local-system';
import { LOOPBACK_TLS_FILES } from '../../../local/tls/loopback-tls';
import { measuredRun } from '../../harness/measured-run';
import { StackProfiler } from '../../harness/stack-profiler';
import { PROFILE_DIR, WORK_DIR } from '../../harness/work-dir';
import { progressLine, progressPrefix } from '../../reports/progress';
import type { BenchOptions, Row, Scenario } from '../../reports/results';
import { lineUp, type Subject } from '../../subjects/line-up';

export interface ScenarioSpec {
  readonly scenario: Scenario;
  /** The request the pusher is invoked with; the direct subjects post its `data`. */
  readonly request: object;
  /** Connection ids the subjects post to (the pusher finds the same ones in the table). */
  readonly targets: string[];
  readonly inFlight: number;
  /** Names of the subjects to run (in line-up order). */
  readonly subjects: readonly string[];
  /** Settings of every subject on top of the scenario's (the pusher's channels, the direct subjects' `BENCH_BODY`). */
  readonly env?: Record<string, string>;
  /**
   * The lookups the pusher makes, made by these subjects too (`BENCH_LOOKUPS`, bench/subjects/ceiling.ts): a multicast's
   * Query per user, a channel's Query per shard.
   */
  readonly lookups?: { readonly kind: 'users' | 'channel'; readonly subjects: readonly string[] };
  /** The connections table the baselines read, when not the stack's (the one-connection multicast's). */
  readonly tableName?: string;
  /** Checked in each run: each of `receivers` (the targets' virtual connections) received one message, of `bytes` when given. */
  readonly exactlyOnce?: { readonly receivers: readonly VirtualConnection[]; readonly bytes?: number };
}

export class ScenarioRunner {
  /** A row per scenario and subject, in running order. */
  readonly rows: Row[] = [];
  private readonly profiler?: StackProfiler;

  constructor(private readonly system: LocalSystem, private readonly options: BenchOptions) {
    mkdirSync(WORK_DIR, { recursive: true });
    if (options.profile) this.profiler = new StackProfiler(PROFILE_DIR);
  }

  async run(spec: ScenarioSpec): Promise<void> {
    const idsFile = path.join(WORK_DIR, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(spec.targets));
    const subjects = lineUp({
      idsFile,
      inFlight: spec.inFlight,
      scanSegments: this.options.scanSegments,
      tableName: spec.tableName ?? this.system.table.tableName,
      sequentialSample: this.options.sequentialSample,
    }).filter((subject) => spec.subjects.includes(subject.name));
    const runs = new Map<string, Row[]>();
    for (let repeat = 1; repeat <= this.options.repeat; repeat++) {
      for (const subject of subjects) {
        runs.set(subject.name, [...(runs.get(subject.name) ?? []), await this.runOnce(spec, subject, repeat)]);
      }
    }
    for (const rows of runs.values()) this.rows.push(medianOfRepeats(rows));
  }

  private async runOnce(spec: ScenarioSpec, subject: Subject, repeat: number): Promise<Row> {
    const inFlight = subject.boundedInFlight ? spec.inFlight : undefined;
    const label = `${spec.scenario.name}/${subject.name}/${spec.inFlight}/${repeat}`.replace(/[^\w]+/g, '-');
    process.stdout.write(progressPrefix(spec.scenario.name, subject.name, inFlight));
    const heap = subject.program === 'pusher' && this.options.pusherHeapMb ? [`--max-old-space-size=${this.options.pusherHeapMb}`] : [];
    const once = spec.exactlyOnce && new ExactlyOnce(spec.exactlyOnce.receivers, spec.exactlyOnce.bytes);
    const { run, stack } = await measuredRun(this.system.emulator, subject.program, {
      env: {
        ...this.scenarioEnv(spec),
        ...spec.env,
        ...subject.env,
        ...(spec.lookups?.subjects.includes(subject.name) ? { BENCH_LOOKUPS: spec.lookups.kind } : {}),
      },
      nodeArgs: heap,
      signed: subject.signed,
      profile: this.profiler ? { profiler: this.profiler, label } : undefined,
      atGo: () => once?.start(),
    });
    const measured = toRow({
      scenario: spec.scenario, subject: subject.name, inFlight, targets: spec.targets.length, sequentialSample: this.options.sequentialSample,
    }, run, stack);
    const row = once ? once.check(measured) : measured;
    console.log(progressLine(row));
    return row;
  }

  /** What every subject of a scenario is given: the pusher's environment as the template sets it, the request. */
  private scenarioEnv(spec: ScenarioSpec): Record<string, string> {
    return {
      ...this.system.pusherEnv(),
      BENCH_REQUEST: JSON.stringify(spec.request),
      BENCH_CALLBACK_URL: this.system.emulator.callbackUrl,
      ...(this.options.warm ? { BENCH_WARM: 'true' } : {}),
      ...(this.options.tls ? { NODE_EXTRA_CA_CERTS: LOOPBACK_TLS_FILES.cert } : {}),
    };
  }
}
