// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
/* eslint-disable import/no-extraneous-dependencies */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RetryErrorType, RetryStrategyV2, SdkError } from '@smithy/types';
/* eslint-enable import/no-extraneous-dependencies */
import { KeepAliveClient, requestHead } from './keep-alive-client';
import { NativeSha256 } from './native-sha256';
import { errorFromAnswer } from './post-error';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './signed-http-sender';

type Item = Record<string, AttributeValue>;

/** The part of DynamoDB's `Query` input the stores send; serialized as the SDK serializes it (the same JSON). */
export interface QueryInput {
  readonly TableName: string;
  readonly KeyConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
  readonly ProjectionExpression?: string;
  readonly ExclusiveStartKey?: Item;
  readonly ConsistentRead?: boolean;
  readonly Limit?: number;
}

/** The part of a `Query` or `Scan` page the stores read. */
export interface ReadPage {
  readonly Items?: Item[];
  readonly LastEvaluatedKey?: Item;
}

/** The part of DynamoDB's `Scan` input the connections store sends (a segment's page of items). */
export interface ScanInput {
  readonly TableName: string;
  readonly Segment?: number;
  readonly TotalSegments?: number;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ProjectionExpression?: string;
  readonly ExclusiveStartKey?: Item;
  readonly ConsistentRead?: boolean;
  readonly Limit?: number;
}

/** Sends one `Query` or `Scan` (the SDK's commands, or {@link SignedHttpReads}) and resolves with its page. */
export interface ReadRequests {
  query(input: QueryInput): Promise<ReadPage>;
  scan(input: ScanInput): Promise<ReadPage>;
}

/** `QueryCommand` and `ScanCommand` through the SDK client. */
export function sdkReads(client: DynamoDBClient): ReadRequests {
  return {
    query: (input) => client.send(new QueryCommand(input)),
    scan: (input) => client.send(new ScanCommand(input)),
  };
}

/** Names of errors the SDK marks retryable by their model's trait (`$retryable`): DynamoDB's one such error. */
const RETRYABLE_BY_TRAIT = new Set(['ReplicatedWriteConflictException']);

/**
 * The bound of an answer's body: a page holds at most 1 MB of item data, and DynamoDB's JSON of it is bigger (about
 * 1.7 times for a connection row; escaped control characters, up to 6 times).
 */
export const READ_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The most sockets the reads keep open: the SDK's own default (its Node.js handler's `maxSockets`). */
export const READ_SOCKETS = 50;

/** What a read needs from the SDK client, resolved once: where, as whom, and how it retries. */
interface Resolved {
  readonly url: URL;
  readonly http: KeepAliveClient;
  readonly signer: SignatureV4;
  readonly retry: RetryStrategyV2;
}

/**
 * DynamoDB's `Query` and `Scan`, each one signed JSON POST (`X-Amz-Target: DynamoDB_20120810.Query` or `.Scan`) over a
 * pool of keep-alive sockets of its own (`KeepAliveClient`), without the SDK's per-command middleware and
 * schema-driven deserialization (issue 28: a multicast makes a Query per user, and that machinery was most of its CPU;
 * a first broadcast's first Scan ran it cold). Items come back as DynamoDB's JSON has them, which is what the SDK
 * returns for every type but binary (`B`, `BS`: base64 text here, bytes there), which the stores never read.
 *
 * Taken from the SDK client's resolved configuration, once: the endpoint (a custom one, `AWS_ENDPOINT_URL_DYNAMODB`,
 * or its endpoint rules for the Region, FIPS and dual-stack), the credentials provider, the Region, and its retry
 * strategy object itself (the same attempts, backoff and quota, shared with the client's other calls), errors
 * classified by the SDK's own functions; each signature uses the client's clock offset as it stands (the SDK's other
 * calls correct it; these reads do not). Not carried over: the client's request handler settings (this pool has its
 * own sockets and a 10 s bound on a silent request, retried), account-based endpoints (the regional one is used), and
 * an error's request id. Lambda's X-Ray trace header is sent, as the SDK sends it. Tested equal to `QueryCommand` and
 * `ScanCommand` on random tables (signed-http-reads.test.ts) and on scripted error answers (-errors.test.ts).
 */
export class SignedHttpReads implements ReadRequests {
  private resolved?: Promise<Resolved>;

  constructor(private readonly client: DynamoDBClient, private readonly options: { maxSockets: number; requestTimeoutMs?: number }) {}

  async query(input: QueryInput): Promise<ReadPage> {
    return this.read('Query', input);
  }

  async scan(input: ScanInput): Promise<ReadPage> {
    return this.read('Scan', input);
  }

  private async read(operation: 'Query' | 'Scan', input: QueryInput | ScanInput): Promise<ReadPage> {
    const { url, http, signer, retry } = await this.setUp();
    const body = JSON.stringify(input);
    let token = await retry.acquireInitialRetryToken('');
    for (;;) {
      try {
        const page = await this.send(operation, url, http, signer, body);
        retry.recordSuccess(token);
        return page;
      } catch (error) {
        try {
          // As the SDK's retry middleware: the strategy refuses (not retryable, attempts or quota spent), or gives a token
          // whose delay is waited for (this version's strategy waits inside, and its token's delay is 0).
          token = await retry.refreshRetryTokenForRetry(token, { error: error as SdkError, errorType: retryErrorType(error as SdkError) });
        } catch {
          throw error;
        }
        const delay = token.getRetryDelay();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Closes the pooled sockets. */
  destroy(): void {
    void this.resolved?.then((r) => r.http.destroy(), () => undefined);
  }

  /** The resolved configuration; a failed resolution is tried again by the next read. */
  private setUp(): Promise<Resolved> {
    this.resolved ??= this.resolve().catch((error) => {
      this.resolved = undefined;
      throw error;
    });
    return this.resolved;
  }

  private async send(operation: string, url: URL, http: KeepAliveClient, signer: SignatureV4, body: string): Promise<ReadPage> {
    const bytes = Buffer.from(body, 'utf8');
    const trace = process.env._X_AMZN_TRACE_ID;
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: {
        'host': url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'content-length': String(bytes.byteLength),
        // The SDK's recursion detection middleware sends it in Lambda, where it is set; a line break is not a header.
        ...(trace && !/[\r\n]/.test(trace) ? { 'x-amzn-trace-id': trace } : {}),
      },
      body,
    }, { signingDate: new Date(Date.now() + (this.client.config.systemClockOffset ?? 0)) });
    const answer = await http.request(requestHead('POST', url.pathname, signed.headers), bytes);
    if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.body.toString('utf8')) as ReadPage;
    const { name, message, $metadata } = errorFromAnswer(answer.status, answer.headers, answer.body);
    throw Object.assign(new Error(message), {
      name, $metadata, $fault: answer.status >= 500 ? 'server' : 'client', ...(RETRYABLE_BY_TRAIT.has(name) ? { $retryable: {} } : {}),
    });
  }

  private async resolve(): Promise<Resolved> {
    const config = this.client.config;
    const region = await config.region();
    const url = new URL(await endpointOf(this.client));
    return {
      url,
      http: new KeepAliveClient({
        origin: url,
        maxSockets: this.options.maxSockets,
        timeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        maxBodyBytes: READ_MAX_BODY_BYTES,
      }),
      signer: new SignatureV4({ service: 'dynamodb', region, credentials: config.credentials, sha256: NativeSha256 }),
      retry: (await config.retryStrategy()) as RetryStrategyV2,
    };
  }
}

/** The SDK's classification of an error for its retry strategy (its retry middleware's `getRetryErrorType`). */
export function retryErrorType(error: SdkError): RetryErrorType {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

/**
 * The URL the client's Query goes to: its endpoint as it resolves it (a custom `endpoint`, then one configured for the
 * service, then its rules), and the operation's path `/` under the endpoint's own path, as the SDK joins them.
 */
export async function endpointOf(client: DynamoDBClient): Promise<string> {
  const url = new URL(await resolvedEndpoint(client));
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.toString();
}

async function resolvedEndpoint(client: DynamoDBClient): Promise<string> {
  const config = client.config;
  if (config.isCustomEndpoint && config.endpoint) {
    const e = await config.endpoint();
    return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
  }
  const configured = await config.serviceConfiguredEndpoint?.();
  if (configured) return configured;
  const rules = config.endpointProvider({
    Region: await config.region(), UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint(),
  });
  return rules.url.toString();
}
