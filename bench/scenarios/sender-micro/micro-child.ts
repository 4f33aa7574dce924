/**
 * The child processes of the sender micro-benchmark (bundled, then forked by `sender-micro.ts`): the bare HTTP server
 * (`MICRO_ROLE=server`: 200, empty body, no signature check, no latency), or one measured run of a sender module
 * (`MICRO_ROLE=run`: `MICRO_POSTS` posts, `MICRO_IN_FLIGHT` in flight, after a warm-up).
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** What one run reports. */
export interface MicroResult { cpuMs: number; wallMs: number; delivered: number; posts: number }

interface Sender {
  post(connectionId: string, payload: Buffer): Promise<{ status: string }>;
  destroy?(): void;
}

function serve(): void {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'x-amzn-RequestId': 'r', 'content-length': 0 });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/** Posts `n` times with `inFlight` posts in flight; resolves with the number delivered. */
async function postMany(sender: Sender, n: number, inFlight: number): Promise<number> {
  let next = 0;
  let delivered = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) {
      const r = await sender.post(`conn-${next++}+/=`, PAYLOAD);
      if (r.status === 'delivered') delivered++;
    }
  }));
  return delivered;
}

const PAYLOAD = Buffer.from(JSON.stringify({ type: 'announcement', id: 'bench-0001', text: 'x'.repeat(8) }));

async function measureSender(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SignedHttpSender } = require(process.env.MICRO_MODULE!);
  const posts = Number(process.env.MICRO_POSTS);
  const inFlight = Number(process.env.MICRO_IN_FLIGHT);
  const sender: Sender = new SignedHttpSender({
    callbackUrl: `http://127.0.0.1:${process.env.MICRO_PORT}/live`,
    region: 'eu-west-1',
    maxSockets: inFlight,
    credentials: async () => ({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }),
  });
  // Warm-up (JIT, sockets), as the bench's subjects are loaded before they are measured.
  await postMany(sender, Math.min(2_000, posts), inFlight);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const delivered = await postMany(sender, posts, inFlight);
  const cpu = process.cpuUsage(cpu0);
  const result: MicroResult = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: Number(process.hrtime.bigint() - t0) / 1e6, delivered, posts };
  sender.destroy?.();
  process.send!(result, () => process.exit(0));
}

if (process.env.MICRO_ROLE === 'server') serve();
else void measureSender();
