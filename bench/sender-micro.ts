/**
 * Micro-benchmark of a `Sender` alone: CPU per 1,000 posts through one or more sender modules against a bare HTTP
 * server in another process (200, empty body, no signature check, no latency), each run in a fresh process,
 * variants interleaved, median of the runs. For A/B tests of sender changes; the bench's senders' comparison
 * (`npm run bench -- --sizes none --sweep none --multicast-users 0`) is the end-to-end figure.
 *
 *   npx ts-node --project tsconfig.dev.json bench/sender-micro.ts [--posts 20000] [--in-flight 64] [--repeat 5] MODULE.ts ...
 *
 * Each MODULE exports `SignedHttpSender` (the constructor and `post` of lambda/adapters/signed-http-sender.ts).
 */
import { fork, type ChildProcess } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { parseArgs } from 'util';
import { buildSync } from 'esbuild';

const BUILD_DIR = path.resolve(__dirname, '..', '.bench', 'build', 'micro');

interface MicroResult { cpuMs: number; wallMs: number; delivered: number; posts: number }

/** Child: the server (`MICRO_ROLE=server`) or one measured run of a sender module (`MICRO_ROLE=run`). */
async function child(): Promise<void> {
  if (process.env.MICRO_ROLE === 'server') {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'x-amzn-RequestId': 'r', 'content-length': 0 });
        res.end();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SignedHttpSender } = require(process.env.MICRO_MODULE!);
  const posts = Number(process.env.MICRO_POSTS);
  const inFlight = Number(process.env.MICRO_IN_FLIGHT);
  const sender = new SignedHttpSender({
    callbackUrl: `http://127.0.0.1:${process.env.MICRO_PORT}/live`,
    region: 'eu-west-1',
    maxSockets: inFlight,
    credentials: async () => ({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }),
  });
  const payload = Buffer.from(JSON.stringify({ type: 'announcement', id: 'bench-0001', text: 'x'.repeat(8) }));
  // Warm-up (JIT, sockets), as the bench's subjects are loaded before they are measured.
  const run = async (n: number) => {
    let next = 0;
    let delivered = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const r = await sender.post(`conn-${next++}+/=`, payload);
        if (r.status === 'delivered') delivered++;
      }
    }));
    return delivered;
  };
  await run(Math.min(2_000, posts));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const delivered = await run(posts);
  const cpu = process.cpuUsage(cpu0);
  const result: MicroResult = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: Number(process.hrtime.bigint() - t0) / 1e6, delivered, posts };
  sender.destroy?.();
  process.send!(result, () => process.exit(0));
}

function once<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    c.once('message', (m) => resolve(m as T));
    c.once('error', reject);
    c.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'posts': { type: 'string' }, 'in-flight': { type: 'string' }, 'repeat': { type: 'string' } },
  });
  const names = positionals.map((p) => path.basename(p, '.ts'));
  buildSync({
    entryPoints: Object.fromEntries([['micro', __filename], ...positionals.map((p, i) => [`m-${names[i]}`, path.resolve(p)])]),
    outdir: BUILD_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  const server = fork(path.join(BUILD_DIR, 'micro.js'), [], { env: { ...process.env, MICRO_ROLE: 'server' } });
  const { port } = await once<{ port: number }>(server);
  const results = new Map<string, MicroResult[]>(names.map((n) => [n, []]));
  try {
    for (let r = 0; r < Number(values.repeat ?? 5); r++) {
      for (const name of names) {
        const c = fork(path.join(BUILD_DIR, 'micro.js'), [], {
          env: {
            ...process.env,
            MICRO_ROLE: 'run',
            MICRO_MODULE: path.join(BUILD_DIR, `m-${name}.js`),
            MICRO_PORT: String(port),
            MICRO_POSTS: values.posts ?? '20000',
            MICRO_IN_FLIGHT: values['in-flight'] ?? '64',
          },
        });
        const result = await once<MicroResult>(c);
        if (result.delivered !== result.posts) throw new Error(`${name}: ${result.delivered} of ${result.posts} delivered`);
        results.get(name)!.push(result);
        console.log(`${name.padEnd(24)} ${(result.cpuMs / result.posts * 1000).toFixed(1)} ms CPU / 1k, ${Math.round(result.posts / result.wallMs * 1000)}/s`);
      }
    }
  } finally {
    server.kill();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log('\n| sender | CPU ms / 1k (median; runs) | posts/s (median) |\n|---|---|---|');
  for (const [name, rs] of results) {
    const cpu = rs.map((r) => r.cpuMs / r.posts * 1000);
    console.log(`| ${name} | ${median(cpu).toFixed(1)} (${cpu.map((c) => c.toFixed(0)).join(' / ')}) | ${Math.round(median(rs.map((r) => r.posts / r.wallMs * 1000)))} |`);
  }
}

if (process.env.MICRO_ROLE) void child();
else main().catch((e) => { console.error(e); process.exit(1); });
