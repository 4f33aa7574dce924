// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
/* eslint-disable import/no-extraneous-dependencies */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RetryErrorType, RetryStrategyV2, SdkError } from '@smithy/types';
/* eslint-enable import/no-extraneous-dependencies */
import { KeepAliveClient } from './keep-alive-client';
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

/** What a read needs from the SDK client, resolved once: where, as whom, and how it retries. */
interface Resolved {
  readonly url: URL;
  readonly http: KeepAliveClient;
  readonly signer: SignatureV4;
  readonly retry: RetryStrategyV2;
}

/**
 * DynamoDB's `Query` and `Scan`, each one signed JSON POST (`X-Amz-Target: DynamoDB_20120810.Query`) over the sender's
 * pool of keep-alive sockets, without the SDK's per-command middleware and schema-driven deserialization (issue 28: a
 * multicast makes a Query per user, and that machinery was most of its CPU; a first broadcast's first Scan ran it cold).
 * Items come back as DynamoDB's JSON has them, which is what the SDK returns for every type but binary (`B`, `BS`:
 * base64 text here, bytes there), which the stores never read. Everything that decides behaviour is the SDK client's own, read from its resolved
 * configuration once: the endpoint (a custom one, `AWS_ENDPOINT_URL_DYNAMODB`, or its endpoint rules for the region,
 * FIPS and dual-stack), the credentials provider, the region, and its retry strategy object itself (the same attempts,
 * backoff and retry quota, shared with the client's other calls), with errors classified by the SDK's own functions.
 * The signature is `@smithy/signature-v4`'s. Tested against the SDK's `QueryCommand` on randomized tables and on every
 * error edge (test/lambda/adapters/signed-http-reads.test.ts).
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
    const { url, http, signer, retry } = await (this.resolved ??= this.resolve());
    const body = JSON.stringify(input);
    let token = await retry.acquireInitialRetryToken('');
    for (;;) {
      try {
        const page = await this.send(operation, url, http, signer, body);
        retry.recordSuccess(token);
        return page;
      } catch (error) {
        try {
          // Waits for the backoff, or throws when the SDK would not retry (not retryable, attempts or quota spent).
          token = await retry.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error as SdkError) });
        } catch {
          throw error;
        }
      }
    }
  }

  /** Closes the pooled sockets. */
  destroy(): void {
    void this.resolved?.then((r) => r.http.destroy(), () => undefined);
  }

  private async send(operation: string, url: URL, http: KeepAliveClient, signer: SignatureV4, body: string): Promise<ReadPage> {
    const bytes = Buffer.from(body, 'utf8');
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
      },
      body,
    });
    let head = `POST ${url.pathname} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(signed.headers)) head += `${name}: ${value}\r\n`;
    const answer = await http.request(`${head}\r\n`, bytes);
    if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.body.toString('utf8')) as ReadPage;
    const { name, message, $metadata } = errorFromAnswer(answer.status, answer.headers, answer.body);
    throw Object.assign(new Error(message), {
      name, $metadata, $fault: answer.status >= 500 ? 'server' : 'client', ...(RETRYABLE_BY_TRAIT.has(name) ? { $retryable: {} } : {}),
    });
  }

  private async resolve(): Promise<Resolved> {
    const config = this.client.config;
    const region = await config.region();
    const url = new URL(await endpointOf(this.client, region));
    return {
      url,
      http: new KeepAliveClient({
        origin: url, maxSockets: this.options.maxSockets, timeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
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

/** The client's endpoint, as it resolves it: a custom `endpoint`, then one configured for the service, then its rules. */
async function endpointOf(client: DynamoDBClient, region: string): Promise<string> {
  const config = client.config;
  if (config.isCustomEndpoint && config.endpoint) {
    const e = await config.endpoint();
    return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
  }
  const configured = await config.serviceConfiguredEndpoint?.();
  if (configured) return configured;
  const rules = config.endpointProvider({
    Region: region, UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint(),
  });
  return rules.url.toString();
}
