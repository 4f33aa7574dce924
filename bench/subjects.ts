/**
 * Starts a benchmark subject in its own process and collects its figures. The subjects (bench/pusher.ts,
 * bench/baseline.ts, bench/ceiling.ts, bench/sdk-sender.ts) are bundled with esbuild first, so that a child process loads no
 * TypeScript compiler: its memory and CPU are the subject's own.
 */
import { fork } from 'child_process';
import * as path from 'path';
import { buildSync } from 'esbuild';
import type { SubjectResult } from './measure';

export type SubjectKind = 'pusher' | 'baseline' | 'ceiling' | 'sdk-sender';

export const WORK_DIR = path.resolve(__dirname, '..', '.bench');
const BUILD_DIR = path.join(WORK_DIR, 'build');

/** Bundles the subjects into `.bench/build/` (git-ignored). */
export function buildSubjects(): void {
  buildSync({
    entryPoints: ['pusher', 'baseline', 'ceiling', 'sdk-sender'].map((name) => path.join(__dirname, `${name}.ts`)),
    outdir: BUILD_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
}

export interface SubjectRun extends SubjectResult {
  /** Lines the subject wrote to stdout and stderr (the pusher's log and metric lines). */
  readonly lines: string[];
}

export interface RunOptions {
  readonly env: Record<string, string>;
  /** Extra node options for the subject, e.g. `--max-old-space-size=64`. */
  readonly nodeArgs?: readonly string[];
  /** Called once the subject is loaded, just before it is told to go: reset counters, start profilers. */
  readonly beforeGo?: () => void;
  /** Writes a V8 CPU profile of the subject into this directory under `name`. */
  readonly profile?: { readonly dir: string; readonly name: string };
}

export async function runSubject(kind: SubjectKind, options: RunOptions): Promise<SubjectRun> {
  const execArgv = [...(options.nodeArgs ?? []), ...(options.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`, `--cpu-prof-name=${options.profile.name}.cpuprofile`]
    : [])];
  const child = fork(path.join(BUILD_DIR, `${kind}.js`), [], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts.filter((line) => line.trim() !== ''));
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const result = await new Promise<SubjectResult>((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`${kind} exited with code ${code} before reporting: ${lines.slice(-5).join(' | ')}`)));
    child.on('message', (message: { type: string; error?: string }) => {
      if (message.type === 'ready') {
        options.beforeGo?.();
        child.send({ type: 'go' });
      } else if (message.type === 'setup-error') {
        reject(new Error(`${kind} failed to start: ${message.error}`));
      } else if (message.type === 'result') {
        resolve(message as SubjectResult);
      }
    });
  });
  await exited;
  return { ...result, lines };
}
