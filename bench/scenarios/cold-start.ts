/**
 * Cold start of bundles: each sample a fresh `node` process that `require`s the bundle (what Lambda's init does with
 * the handler), timed inside the process; with `firstPost`, the bundle exports `SignedHttpSender` and the sample
 * also times constructing it and its first post to a bare local server (new socket, lazy parts of the HTTP client).
 * Bundles are interleaved; the median of the samples is reported. Run by `bench/cold-start.ts`.
 */
import { execFile } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

const PROBE = `
const t0 = process.hrtime.bigint();
const m = require(process.env.COLD_BUNDLE);
const t1 = process.hrtime.bigint();
const out = { requireMs: Number(t1 - t0) / 1e6 };
if (!process.env.COLD_PORT) { console.log(JSON.stringify(out)); } else {
  const s = new m.SignedHttpSender({ callbackUrl: 'http://127.0.0.1:' + process.env.COLD_PORT + '/live', region: 'eu-west-1', maxSockets: 64,
    credentials: async () => ({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }) });
  s.post('abc=', Buffer.from('{}')).then((r) => {
    if (r.status !== 'delivered') throw new Error(JSON.stringify(r));
    out.firstPostMs = Number(process.hrtime.bigint() - t1) / 1e6;
    console.log(JSON.stringify(out));
    s.destroy();
    process.exit(0);
  });
}`;

export interface ColdStartOptions {
  readonly bundles: readonly string[];
  readonly samples: number;
  readonly firstPost: boolean;
}

interface Sample { requireMs: number; firstPostMs?: number }

/** Samples every bundle `samples` times, interleaved; resolves with the samples per bundle. */
export async function coldStart(options: ColdStartOptions): Promise<Map<string, Sample[]>> {
  let server: http.Server | undefined;
  let port = '';
  if (options.firstPost) {
    server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-length': 0 }).end()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = String((server.address() as AddressInfo).port);
  }
  const samples = new Map<string, Sample[]>(options.bundles.map((p) => [p, []]));
  try {
    for (let i = 0; i < options.samples; i++) {
      for (const bundle of options.bundles) samples.get(bundle)!.push(await probe(bundle, port));
    }
  } finally {
    server?.close();
  }
  return samples;
}

/** One fresh process loading `bundle` (and posting once, given a port). Asynchronous, so this process's server can answer. */
async function probe(bundle: string, port: string): Promise<Sample> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['-e', PROBE], { env: { PATH: process.env.PATH, COLD_BUNDLE: path.resolve(bundle), ...(port ? { COLD_PORT: port } : {}) } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** The markdown table of the samples: median `require` time (min–max) and median first post. */
export function coldStartTable(samples: Map<string, Sample[]>): string {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const lines = ['| bundle | require ms (median; min–max) | first post ms after require (median) |', '|---|---|---|'];
  for (const [bundle, rs] of samples) {
    const req = rs.map((r) => r.requireMs);
    const post = rs.map((r) => r.firstPostMs).filter((x): x is number => x !== undefined);
    lines.push(`| ${bundle} | ${median(req).toFixed(1)} (${Math.min(...req).toFixed(1)}–${Math.max(...req).toFixed(1)}) | ${post.length ? median(post).toFixed(1) : '–'} |`);
  }
  return lines.join('\n');
}
