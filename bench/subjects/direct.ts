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

/** The connections table as the pusher reads it: its name, attributes and the projection its Query asks for. */
export interface TableReads {
  readonly tableName: string;
  readonly names: Record<string, string>;
  readonly projection: string;
}

/**
 * A user's connection ids: DynamoDB's `Query` on the hash key with the pusher's projection, as one signed JSON POST per
 * page (`X-Amz-Target: DynamoDB_20120810.Query`), pages followed by `ExclusiveStartKey`. A non-200 answer throws.
 */
export async function queryUser(agent: http.Agent, url: URL, signer: SignatureV4 | undefined, table: TableReads, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: unknown;
  do {
    const body = Buffer.from(JSON.stringify({
      TableName: table.tableName,
      KeyConditionExpression: '#u = :u',
      ExpressionAttributeNames: table.names,
      ExpressionAttributeValues: { ':u': { S: userId } },
      ProjectionExpression: table.projection,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }));
    const answer = await post(agent, url, signer, '/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' }, body, true);
    if (answer.status !== 200) throw new Error(`Query of ${userId}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    const page = JSON.parse(answer.body) as { Items?: Array<Record<string, { S?: string }>>; LastEvaluatedKey?: unknown };
    for (const item of page.Items ?? []) ids.push(item[table.names['#c']].S!);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}
