/**
 * Starts a benchmark subject in a child process of its own and collects its figures. The subjects are bundled with
 * esbuild first, so that a child process loads no TypeScript compiler: its memory and CPU are the subject's own.
 */
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { buildSync } from 'esbuild';
import type { SubjectMessage, SubjectResult } from './protocol';
import { BUILD_DIR } from './work-dir';

/** Bundles each subject (name → its TypeScript entry) into `.bench/build/<name>.js`. */
export function buildSubjects(entries: Record<string, string>): void {
  buildSync({
    entryPoints: entries,
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

/** Runs the bundled subject `name` once: loads it, tells it to go, and resolves with what it measured. */
export async function runSubject(name: string, options: RunOptions): Promise<SubjectRun> {
  const execArgv = [...(options.nodeArgs ?? []), ...(options.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`, `--cpu-prof-name=${options.profile.name}.cpuprofile`]
    : [])];
  const child = fork(path.join(BUILD_DIR, `${name}.js`), [], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines = collectLines(child);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const result = await new Promise<SubjectResult>((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`${name} exited with code ${code} before reporting: ${lines.slice(-5).join(' | ')}`)));
    child.on('message', (message: SubjectMessage) => {
      if (message.type === 'ready') {
        options.beforeGo?.();
        child.send({ type: 'go' });
      } else if (message.type === 'setup-error') {
        reject(new Error(`${name} failed to start: ${message.error}`));
      } else if (message.type === 'result') {
        resolve(message);
      }
    });
  });
  await exited;
  return { ...result, lines };
}

/** The child's stdout and stderr, line by line (blank lines dropped), as they arrive. */
function collectLines(child: ChildProcess): string[] {
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
  return lines;
}
