/** The results file of `npm run bench` (`bench/results/*.json`): its options, scenarios and rows. */
import type { Machine } from './machine';

/** The options of a run, as `npm run bench` read them from its command line. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly sizes: number[];
  readonly latencyMs: number;
  readonly inFlight: number;
  readonly scanSegments: number;
  readonly sweep: number[];
  readonly sweepSize: number;
  readonly multicastUsers: number;
  /** Users of the one-connection multicast (a Query per delivery); 0: none. Absent in results of before issue 28. */
  readonly multicastOnePerUser?: number;
  /** Invocations of the small multicast (1 user × 3, one after the other); 0: none. Absent before issue 28. */
  readonly smallMulticast?: number;
  readonly sequentialSample: number;
  readonly payloadBytes: number;
  readonly subjects: string[];
  /** Latencies of the senders' comparison (issue 8); empty: skipped. */
  readonly senders: number[];
  readonly sendersSize: number;
  /** Subjects of the senders' comparison (default pusher, sdk, ceiling, unsigned). */
  readonly sendersSubjects: readonly string[];
  readonly sendersPayloadBytes: number;
  /** Subscribers of the channel fan-out scenarios (issue 24); empty: skipped. Absent in files written before it. */
  readonly channels?: number[];
  /** `CHANNEL_SHARDS` of each channel fan-out scenario. */
  readonly channelShards?: number[];
  /** The emulator behind TLS. */
  readonly tls?: boolean;
  /** Warm runs: each subject ran once in setup before the measured run. */
  readonly warm?: boolean;
  readonly profile: boolean;
  readonly repeat: number;
  readonly pusherHeapMb?: number;
  readonly out: string;
}

export interface Scenario {
  readonly name: string;
  readonly kind: 'broadcast' | 'multicast' | 'small-multicast' | 'sweep' | 'senders' | 'channel';
  /** Target connections. */
  readonly connections: number;
  /** Rows in the table when it ran. */
  readonly table: number;
  /** The emulator's added latency, when the scenario sets its own (the senders' comparison). */
  readonly latencyMs?: number;
  /** A channel fan-out's `CHANNEL_SHARDS`. */
  readonly shards?: number;
}

/** One subject in one scenario. */
export interface Row {
  readonly scenario: string;
  readonly kind: Scenario['kind'];
  readonly latencyMs?: number;
  /** A channel fan-out's `CHANNEL_SHARDS`. */
  readonly shards?: number;
  readonly connections: number;
  readonly tableRows: number;
  readonly subject: string;
  /** MAX_IN_FLIGHT (pusher) or requests in flight (ceiling); undefined for the baselines. */
  readonly inFlight?: number;
  readonly targets: number;
  /** 200 answers the emulator counted during the run. */
  readonly deliveries: number;
  /** The sequential baseline posted to a sample of the targets only. */
  readonly sampled: boolean;
  readonly wallMs: number;
  readonly perSecond: number;
  readonly cpuMsPer1000: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
  readonly startRssBytes: number;
  readonly startHeapUsedBytes: number;
  /** CPU time of the stack process (dynalite + emulator) during the run. */
  readonly stackCpuMs: number;
  /** CPU time every other process on the machine used during the run (from /proc/stat): noise. */
  readonly othersCpuMs?: number;
  /** From "go" to the first Management API request the emulator received, ms: the fixed latency before sending starts. */
  readonly firstRequestMs?: number;
  readonly emulator: {
    readonly byStatus: Record<number, number>;
    readonly maxInFlight: number;
    /** Bytes written to connections (absent in files written before issue 24). */
    readonly deliveredBytes?: number;
  };
  readonly details: Record<string, unknown>;
  readonly error?: string;
}

export interface Results {
  readonly date: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly seedingMs: Record<number, number>;
  readonly rows: Row[];
  /** Every target the rows allow, as *Targets* prints it (absent in files written before issue 24). */
  readonly targets?: TargetResult[];
}

/** One target checked on a run: `of` ÷ `over` of its metric, and whether the bound is met. */
export interface TargetResult {
  readonly issue: number;
  readonly name: string;
  /** The scenario of the `of` row (`A ÷ B` when the rows are in two). */
  readonly scenario: string;
  readonly metric: string;
  readonly of: number;
  readonly over: number;
  readonly ratio: number;
  readonly threshold?: { readonly atLeast: number } | { readonly atMost: number };
  /** Undefined without a threshold (printed for information). */
  readonly met?: boolean;
  /** As *Targets* prints it. */
  readonly line: string;
}
