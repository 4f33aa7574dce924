/**
 * Benchmark subject: the ceiling. A load generator that POSTs the payload to the Management API for the given
 * connection ids with a fixed number of requests in flight, over a keep-alive agent, and nothing else (no
 * DynamoDB, no SDK middleware, no retries): what the emulator and the loopback network allow.
 *
 * Each request is SigV4-signed like the SDK signs `PostToConnection` (service `execute-api`): the emulator
 * checks every signature, as API Gateway does, and a real client always pays for the signature. The hash is
 * Node's native crypto, as the SDK's in Node.js (`@smithy/hash-node`), not the slower pure-JS one.
 *
 * `BENCH_SIGNED=false` makes it the unsigned raw-HTTP subject (the bench turns the emulator's check off for it): the
 * same requests without the `Authorization`, `x-amz-date` and `x-amz-content-sha256` headers, to price the signature.
 * An `https://` callback URL is posted to over TLS (`--tls`). `BENCH_WARM=true`: one pass over the ids in setup first.
 * `BENCH_BODY`: the text posted, when the pusher posts more than the request's `data` (a channel's envelope).
 */
import { readFileSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { SignatureV4 } from '@smithy/signature-v4';
import { NativeSha256 } from '../../lambda/adapters/native-sha256';
import { measureWhenTold, setting } from '../harness/measure';

let ids: string[];
let agent: http.Agent;

function send(url: URL, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request({ agent, method: 'POST', host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function postOnce(url: URL, signer: SignatureV4 | undefined, connectionId: string, body: Buffer): Promise<number> {
  const path = `${url.pathname.replace(/\/+$/, '')}/@connections/${encodeURIComponent(connectionId)}`;
  const headers = { 'host': url.host, 'content-type': 'application/json', 'content-length': String(body.length) };
  if (!signer) return send(url, path, headers, body);
  const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, query: {}, headers, body });
  return send(url, path, signed.headers, body);
}

async function postAll(): Promise<Record<string, unknown>> {
  const url = new URL(setting('BENCH_CALLBACK_URL'));
  const inFlight = Number(setting('BENCH_IN_FLIGHT'));
  const signer = process.env.BENCH_SIGNED === 'false' ? undefined : new SignatureV4({
    service: 'execute-api',
    region: setting('AWS_REGION'),
    credentials: { accessKeyId: setting('AWS_ACCESS_KEY_ID'), secretAccessKey: setting('AWS_SECRET_ACCESS_KEY') },
    sha256: NativeSha256,
  });
  const body = Buffer.from(process.env.BENCH_BODY ?? JSON.stringify((JSON.parse(setting('BENCH_REQUEST')) as { data: unknown }).data));
  const byStatus: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const status = await postOnce(url, signer, ids[next++], body);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, ids.length) }, worker));
  return { posted: ids.length, byStatus };
}

measureWhenTold(
  async () => {
    ids = JSON.parse(readFileSync(setting('BENCH_IDS_FILE'), 'utf8')) as string[];
    const options = { keepAlive: true, maxSockets: Number(setting('BENCH_IN_FLIGHT')) };
    agent = setting('BENCH_CALLBACK_URL').startsWith('https:') ? new https.Agent(options) : new http.Agent(options);
    if (process.env.BENCH_WARM === 'true') await postAll();
  },
  postAll,
);
