/**
 * What the bench and a subject's child process say to each other over IPC: the subject, once set up, says `ready`
 * (or `setup-error`); the bench says `go`; the subject measures its run and answers with its `result`.
 */

export type SubjectMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'setup-error'; readonly error: string }
  | SubjectResult;

/** What a subject reports back to the bench. */
export interface SubjectResult {
  readonly type: 'result';
  /** Wall-clock time of the measured run, milliseconds. */
  readonly wallMs: number;
  /** User + system CPU time of this process during the run, microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** `process.resourceUsage().maxRSS` at the end of the run (the process's lifetime peak), bytes. */
  readonly maxRssBytes: number;
  /** Highest `process.memoryUsage()` sample during the run (every 10 ms), bytes. */
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
  /** The same, just before the run started: what loading the subject cost. */
  readonly startRssBytes: number;
  readonly startHeapUsedBytes: number;
  /** Subject-specific figures (phases, counts); see each subject. */
  readonly details: Record<string, unknown>;
  readonly error?: string;
}
