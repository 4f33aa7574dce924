/**
 * Micro-benchmark of a `Sender` alone: CPU per 1,000 posts through one or more sender modules against a bare HTTP
 * server in another process, each run in a fresh process, variants interleaved, median of the runs. For A/B tests of
 * sender changes; the bench's senders' comparison is the end-to-end figure. Run by `bench/sender-micro.ts`.
 *
 * Each module exports `SignedHttpSender` (the constructor and `post` of lambda/adapters/signed-http-sender.ts).
 */
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { buildSync } from 'esbuild';
import type { MicroResult } from './micro-child';
import { BUILD_DIR } from '../../harness/work-dir';

const MICRO_DIR = path.join(BUILD_DIR, 'micro');

export interface SenderMicroOptions {
  /** The sender modules (TypeScript files), measured in turn. */
  readonly modules: readonly string[];
  readonly posts: number;
  readonly inFlight: number;
  readonly repeat: number;
}

/** Measures every module `repeat` times, interleaved, printing each run; resolves with the runs per module. */
export async function senderMicro(options: SenderMicroOptions): Promise<Map<string, MicroResult[]>> {
  const names = options.modules.map((p) => path.basename(p, '.ts'));
  buildSync({
    entryPoints: Object.fromEntries([['micro', path.join(__dirname, 'micro-child.ts')], ...options.modules.map((p, i) => [`m-${names[i]}`, path.resolve(p)])]),
    outdir: MICRO_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  const server = fork(path.join(MICRO_DIR, 'micro.js'), [], { env: { ...process.env, MICRO_ROLE: 'server' } });
  const { port } = await once<{ port: number }>(server);
  const results = new Map<string, MicroResult[]>(names.map((n) => [n, []]));
  try {
    for (let r = 0; r < options.repeat; r++) {
      for (const name of names) {
        const result = await runOnce(name, port, options);
        results.get(name)!.push(result);
        console.log(`${name.padEnd(24)} ${(result.cpuMs / result.posts * 1000).toFixed(1)} ms CPU / 1k, ${Math.round(result.posts / result.wallMs * 1000)}/s`);
      }
    }
  } finally {
    server.kill();
  }
  return results;
}

async function runOnce(name: string, port: number, options: SenderMicroOptions): Promise<MicroResult> {
  const child = fork(path.join(MICRO_DIR, 'micro.js'), [], {
    env: {
      ...process.env,
      MICRO_ROLE: 'run',
      MICRO_MODULE: path.join(MICRO_DIR, `m-${name}.js`),
      MICRO_PORT: String(port),
      MICRO_POSTS: String(options.posts),
      MICRO_IN_FLIGHT: String(options.inFlight),
    },
  });
  const result = await once<MicroResult>(child);
  if (result.delivered !== result.posts) throw new Error(`${name}: ${result.delivered} of ${result.posts} delivered`);
  return result;
}

/** The first message of a child process. */
function once<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    c.once('message', (m) => resolve(m as T));
    c.once('error', reject);
    c.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

/** The markdown table of the runs: median CPU per 1,000 posts (every run's too) and median posts per second. */
export function microTable(results: Map<string, MicroResult[]>): string {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const lines = ['| sender | CPU ms / 1k (median; runs) | posts/s (median) |', '|---|---|---|'];
  for (const [name, rs] of results) {
    const cpu = rs.map((r) => r.cpuMs / r.posts * 1000);
    lines.push(`| ${name} | ${median(cpu).toFixed(1)} (${cpu.map((c) => c.toFixed(0)).join(' / ')}) | ${Math.round(median(rs.map((r) => r.posts / r.wallMs * 1000)))} |`);
  }
  return lines.join('\n');
}
