/**
 * The subjects of the fan-out bench, in the order each scenario runs them (repeats interleave in this order): which
 * bundled program each is (`SUBJECT_PROGRAMS`, run in a child process of its own) and the settings it is given.
 */
import * as path from 'path';
import { BUNDLED_HANDLER } from '../../local/paths';
import { ENV } from '../../src/shared/constants';

/** The subjects' programs: name → TypeScript entry, bundled by `buildSubjects`. */
export const SUBJECT_PROGRAMS: Record<string, string> = Object.fromEntries(
  ['pusher', 'baseline', 'ceiling', 'sdk-sender'].map((name) => [name, path.join(__dirname, `${name}.ts`)]),
);

export interface Subject {
  /** As the results and `--subjects` name it. */
  readonly name: string;
  /** Its program in `SUBJECT_PROGRAMS`. */
  readonly program: string;
  /** Settings on top of the scenario's (see `LineUpSettings`). */
  readonly env: Record<string, string>;
  /** It signs its requests, so the emulator checks them; off for the unsigned client alone. */
  readonly signed: boolean;
  /** It keeps `inFlight` requests in flight (the baselines do as the AWS samples do). */
  readonly boundedInFlight: boolean;
}

export interface LineUpSettings {
  /** A JSON file with the target connection ids, for the subjects that post to them directly. */
  readonly idsFile: string;
  readonly inFlight: number;
  readonly scanSegments: number;
  /** The connections table the baselines read. */
  readonly tableName: string;
  /** Posts the sequential baseline makes (a sample of the targets). */
  readonly sequentialSample: number;
}

/** Every subject, in running order. `pusher-before` only with `PUSHER_BEFORE_BUNDLE` (another build, to price a change). */
export function lineUp(settings: LineUpSettings): Subject[] {
  const direct = { BENCH_IDS_FILE: settings.idsFile, BENCH_IN_FLIGHT: String(settings.inFlight) };
  const pusher = (bundle: string) => ({
    BENCH_HANDLER: bundle,
    [ENV.MAX_IN_FLIGHT]: String(settings.inFlight),
    [ENV.SCAN_SEGMENTS]: String(settings.scanSegments),
  });
  const subject = (name: string, program: string, env: Record<string, string>, signed = true): Subject =>
    ({ name, program, env, signed, boundedInFlight: program !== 'baseline' });
  const before = process.env.PUSHER_BEFORE_BUNDLE;
  return [
    subject('ceiling', 'ceiling', direct),
    subject('ceiling-pusher', 'ceiling', { ...direct, BENCH_TRANSPORT: 'pusher' }),
    subject('unsigned', 'ceiling', { ...direct, BENCH_SIGNED: 'false' }, false),
    subject('sdk', 'sdk-sender', direct),
    subject('pusher', 'pusher', pusher(process.env.PUSHER_BUNDLE || BUNDLED_HANDLER)),
    ...(before ? [subject('pusher-before', 'pusher', pusher(before))] : []),
    subject('baseline-all', 'baseline', { BENCH_MODE: 'promise-all', BENCH_TABLE: settings.tableName }),
    subject('baseline-seq', 'baseline', {
      BENCH_MODE: 'sequential', BENCH_TABLE: settings.tableName, BENCH_SAMPLE: String(settings.sequentialSample),
    }),
  ];
}
