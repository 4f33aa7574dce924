/**
 * What the bare clients of the bench (the ceiling and the unsigned client) share: a keep-alive request, a signed or
 * unsigned `POST @connections/{id}`, and a signed DynamoDB `Query` of one user's connections. Nothing else: no SDK
 * middleware, no retries, no parsing beyond `JSON.parse`.
 *
 * Signatures are SigV4 by the SDK's own `SignatureV4`, with Node's native hash (as the SDK's in Node.js,
 * `@smithy/hash-node`, not the slower pure-JS one).
 */
import * as http from 'http';
import * as https from 'https';
import { SignatureV4 } from '@smithy/signature-v4';
import { NativeSha256 } from '../../lambda/adapters/native-sha256';
import { setting } from '../harness/measure';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive agent of `maxSockets` sockets for `url`'s protocol. */
export function keepAliveAgent(url: string, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets };
  return url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options);
}

/**
 * A signer of the bench's credentials for `service`; none when `BENCH_SIGNED=false` (the unsigned client) unless
 * `always` (dynalite refuses a request without an `Authorization` header, though it checks no signature).
 */
export function benchSigner(service: string, always = false): SignatureV4 | undefined {
  if (process.env.BENCH_SIGNED === 'false' && !always) return undefined;
  return new SignatureV4({
    service,
    region: setting('AWS_REGION'),
    credentials: { accessKeyId: setting('AWS_ACCESS_KEY_ID'), secretAccessKey: setting('AWS_SECRET_ACCESS_KEY') },
    sha256: NativeSha256,
  });
}

/** One POST of `body` to `url`'s host at `path`, signed when there is a signer; resolves with the answer. */
export async function post(agent: http.Agent, url: URL, signer: SignatureV4 | undefined, path: string,
  headers: Record<string, string>, body: Buffer, keepBody = false): Promise<Answer> {
  const all = { ...headers, 'host': url.host, 'content-length': String(body.length) };
  const sent = signer
    ? (await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, query: {}, headers: all, body })).headers
    : all;
  return new Promise<Answer>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request({ agent, method: 'POST', host: url.hostname, port: url.port, path, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      if (keepBody) res.on('data', (chunk: Buffer) => chunks.push(chunk));
      else res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: keepBody ? Buffer.concat(chunks).toString('utf8') : '' }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** `POST @connections/{id}` of `body`; resolves with the status. */
export async function postToConnection(
  agent: http.Agent, url: URL, signer: SignatureV4 | undefined, connectionId: string, body: Buffer,
): Promise<number> {
  const path = `${url.pathname.replace(/\/+$/, '')}/@connections/${encodeURIComponent(connectionId)}`;
  return (await post(agent, url, signer, path, { 'content-type': 'application/json' }, body)).status;
}

/** One `Query` input, as DynamoDB's JSON protocol takes it. */
export type QueryJson = Record<string, unknown>;

/**
 * Every page of a DynamoDB `Query`, as one signed JSON POST per page (`X-Amz-Target: DynamoDB_20120810.Query`), pages
 * followed by `ExclusiveStartKey`; `limits` gives each page's `Limit` (none: DynamoDB's own 1 MB pages). Each page's
 * items go to `onPage` as it comes. A non-200 answer throws.
 */
export async function queryPages(agent: http.Agent, url: URL, signer: SignatureV4 | undefined, input: QueryJson,
  onPage: (items: Array<Record<string, { S?: string }>>) => void, limits: readonly number[] = []): Promise<void> {
  let startKey: unknown;
  let page = 0;
  do {
    const limit = limits[page++];
    const body = Buffer.from(JSON.stringify({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}), ...(limit ? { Limit: limit } : {}) }));
    const answer = await post(agent, url, signer, '/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' }, body, true);
    if (answer.status !== 200) throw new Error(`Query: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    const parsed = JSON.parse(answer.body) as { Items?: Array<Record<string, { S?: string }>>; LastEvaluatedKey?: unknown };
    onPage(parsed.Items ?? []);
    startKey = parsed.LastEvaluatedKey;
  } while (startKey);
}
