/**
 * What the bare clients of the bench (the ceilings and the unsigned client) share: a transport that makes a signed or
 * unsigned `POST @connections/{id}` and a signed DynamoDB `Query` page, and the Query's pages. Nothing else: no SDK
 * middleware, no retries, no parsing beyond `JSON.parse`. Two transports:
 *
 * - `nodeTransport`: Node's `http` agent, every request SigV4-signed by the SDK's own `SignatureV4` with Node's native
 *   hash (as the SDK's in Node.js, `@smithy/hash-node`, not the slower pure-JS one): any client's cost.
 * - `pusherTransport` (`BENCH_TRANSPORT=pusher`): the pusher's own primitives, `KeepAliveClient` sockets, posts signed by
 *   `ConnectionSigner` with the payload hashed once, Queries signed by `SignatureV4`: what is left of the pusher once
 *   its orchestration is taken away, so the ratio to it prices that orchestration alone. Its signed posts are
 *   `application/octet-stream` (as `ConnectionSigner` signs them, and the pusher sends), the others' `application/json`;
 *   the emulator reads neither.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConnectionSigner, uriEscape } from '../../lambda/adapters/connection-signer';
import { KeepAliveClient, requestHead } from '../../lambda/adapters/keep-alive-client';
import { NativeSha256 } from '../../lambda/adapters/native-sha256';
import { READ_MAX_BODY_BYTES } from '../../lambda/adapters/signed-http-reads';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../lambda/adapters/signed-http-sender';
import { setting } from '../harness/measure';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A bare client's two requests: a post of the scenario's body to a connection, and one page of a DynamoDB Query. */
export interface Transport {
  /** `POST @connections/{id}` of the body; resolves with the status. */
  postToConnection(connectionId: string): Promise<number>;
  /** `DynamoDB_20120810.Query` of `body` (the page's input as JSON), always signed; the answer. */
  query(body: Buffer): Promise<Answer>;
}

export interface TransportOptions {
  readonly callbackUrl: URL;
  /** Posts in flight at most (as many sockets). */
  readonly inFlight: number;
  /** What every post sends. */
  readonly body: Buffer;
  readonly dynamodbUrl?: URL;
  /** Queries in flight at most (as many sockets). */
  readonly queriesInFlight: number;
  /** Posts are signed (the Queries always are: dynalite refuses a request without an `Authorization` header). */
  readonly signed: boolean;
}

/** The bench's credentials, one object (the pusher's provider also gives the same one each time). */
let benchCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
const credentials = () => (benchCredentials ??= { accessKeyId: setting('AWS_ACCESS_KEY_ID'), secretAccessKey: setting('AWS_SECRET_ACCESS_KEY') });
const QUERY_HEADERS = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' };

/** A keep-alive agent of `maxSockets` sockets for `url`'s protocol. */
function keepAliveAgent(url: URL, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

function sdkSigner(service: string): SignatureV4 {
  return new SignatureV4({ service, region: setting('AWS_REGION'), credentials: credentials(), sha256: NativeSha256 });
}

/** A Query's path: the endpoint's own, ending in `/` (as the pusher's `endpointOf`). */
const queryPath = (url: URL) => url.pathname.replace(/\/?$/, '/');

function connectionPath(url: URL, connectionId: string): string {
  return `${url.pathname.replace(/\/+$/, '')}/@connections/${uriEscape(connectionId)}`;
}

/** Node's `http` agent and the SDK's `SignatureV4` (see the file's comment). */
export function nodeTransport(options: TransportOptions): Transport {
  const posts = keepAliveAgent(options.callbackUrl, options.inFlight);
  const postSigner = options.signed ? sdkSigner('execute-api') : undefined;
  const dynamodb = options.dynamodbUrl;
  const queries = dynamodb && keepAliveAgent(dynamodb, options.queriesInFlight);
  const querySigner = sdkSigner('dynamodb');
  return {
    postToConnection: async (connectionId) => (await post(posts, options.callbackUrl, postSigner, connectionPath(options.callbackUrl, connectionId),
      { 'content-type': 'application/json' }, options.body)).status,
    query: async (body) => post(queries!, dynamodb!, querySigner, queryPath(dynamodb!), QUERY_HEADERS, body, true),
  };
}

/** The pusher's `KeepAliveClient`, `ConnectionSigner` and, for the Queries, `SignatureV4` (see the file's comment). */
export function pusherTransport(options: TransportOptions): Transport {
  const url = options.callbackUrl;
  const posts = new KeepAliveClient({ origin: url, maxSockets: options.inFlight, timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS });
  const postSigner = new ConnectionSigner(async () => credentials(), setting('AWS_REGION'), url.host);
  const bodyHash = createHash('sha256').update(options.body).digest('hex');
  const dynamodb = options.dynamodbUrl;
  const queries = dynamodb && new KeepAliveClient({
    origin: dynamodb, maxSockets: options.queriesInFlight, timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, maxBodyBytes: READ_MAX_BODY_BYTES,
  });
  const querySigner = sdkSigner('dynamodb');
  return {
    postToConnection: async (connectionId) => {
      const path = connectionPath(url, connectionId);
      const headers = options.signed
        ? await postSigner.sign('POST', path, bodyHash, options.body.length)
        : { 'host': url.host, 'content-type': 'application/json', 'content-length': String(options.body.length) };
      return (await posts.request(requestHead('POST', path, headers), options.body)).status;
    },
    query: async (body) => {
      const path = queryPath(dynamodb!);
      const headers = await signedHeaders(querySigner, dynamodb!, path, QUERY_HEADERS, body);
      const answer = await queries!.request(requestHead('POST', path, headers), body);
      return { status: answer.status, body: answer.body.toString('utf8') };
    },
  };
}

/** The transport `BENCH_TRANSPORT` names: `pusher`, or Node's (the default). */
export function benchTransport(options: TransportOptions): Transport {
  return process.env.BENCH_TRANSPORT === 'pusher' ? pusherTransport(options) : nodeTransport(options);
}

async function signedHeaders(signer: SignatureV4 | undefined, url: URL, path: string, headers: Record<string, string>, body: Buffer) {
  const all = { ...headers, 'host': url.host, 'content-length': String(body.length) };
  if (!signer) return all;
  const port = url.port ? Number(url.port) : undefined;
  return (await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port, path, query: {}, headers: all, body })).headers;
}

/** One POST of `body` to `url`'s host at `path` over Node's `http`, signed when there is a signer; resolves with the answer. */
async function post(agent: http.Agent, url: URL, signer: SignatureV4 | undefined, path: string,
  headers: Record<string, string>, body: Buffer, keepBody = false): Promise<Answer> {
  const sent = await signedHeaders(signer, url, path, headers, body);
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

/** One `Query` input, as DynamoDB's JSON protocol takes it. */
export type QueryJson = Record<string, unknown>;

/**
 * Every page of a DynamoDB `Query` through `transport`, pages followed by `ExclusiveStartKey`; `limits` gives each
 * page's `Limit` (none: DynamoDB's own 1 MB pages). Each page's items go to `onPage` as it comes. A non-200 answer throws.
 */
export async function queryPages(transport: Transport, input: QueryJson,
  onPage: (items: Array<Record<string, { S?: string }>>) => void, limits: readonly number[] = []): Promise<void> {
  let startKey: unknown;
  let page = 0;
  do {
    const limit = limits[page++];
    const pageInput = { ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}), ...(limit ? { Limit: limit } : {}) };
    const answer = await transport.query(Buffer.from(JSON.stringify(pageInput)));
    if (answer.status !== 200) throw new Error(`Query: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    const parsed = JSON.parse(answer.body) as { Items?: Array<Record<string, { S?: string }>>; LastEvaluatedKey?: unknown };
    onPage(parsed.Items ?? []);
    startKey = parsed.LastEvaluatedKey;
  } while (startKey);
}
