/**
 * Cold start of bundles: each sample a fresh `node` process that `require`s the bundle (what Lambda's init does with
 * the handler), timed inside the process; with `--first-post`, the bundle exports `SignedHttpSender` and the sample
 * also times constructing it and its first post to a bare local server (new socket, lazy parts of the HTTP client).
 * Bundles are interleaved; the median of the samples is reported.
 *
 *   npx ts-node --project tsconfig.dev.json bench/cold-start.ts [--samples 15] [--first-post] BUNDLE.js ...
 */
import { execFile } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { parseArgs } from 'util';

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

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'samples': { type: 'string' }, 'first-post': { type: 'boolean' } } });
  let server: http.Server | undefined;
  let port = '';
  if (values['first-post']) {
    server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-length': 0 }).end()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = String((server.address() as AddressInfo).port);
  }
  const samples = new Map<string, Array<{ requireMs: number; firstPostMs?: number }>>(positionals.map((p) => [p, []]));
  for (let i = 0; i < Number(values.samples ?? 15); i++) {
    for (const bundle of positionals) {
      // Asynchronous, so that this process's server can answer the probe's post.
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['-e', PROBE], { env: { PATH: process.env.PATH, COLD_BUNDLE: path.resolve(bundle), ...(port ? { COLD_PORT: port } : {}) } },
          (error, stdout) => (error ? reject(error) : resolve(stdout)));
      });
      samples.get(bundle)!.push(JSON.parse(out.trim().split('\n').pop()!));
    }
  }
  server?.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log('| bundle | require ms (median; min–max) | first post ms after require (median) |\n|---|---|---|');
  for (const [bundle, rs] of samples) {
    const req = rs.map((r) => r.requireMs);
    const post = rs.map((r) => r.firstPostMs).filter((x): x is number => x !== undefined);
    console.log(`| ${bundle} | ${median(req).toFixed(1)} (${Math.min(...req).toFixed(1)}–${Math.max(...req).toFixed(1)}) | ${post.length ? median(post).toFixed(1) : '–'} |`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
