import { createHash } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConnectionSigner, uriEscape } from './connection-signer';
import { KeepAliveClient, requestHead } from './keep-alive-client';
import { lambdaCredentials } from './lambda-credentials';
import { classifyPostError, errorFromAnswer } from './post-error';
import type { PostResult, Sender } from '../core/ports/sender';

/**
 * A request not answered within this long (no byte received, connecting included) is a network error, retried. API
 * Gateway answers `PostToConnection` in milliseconds; the bound only frees an in-flight slot held by a dead socket.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** SHA-256 of the empty body of a DELETE. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedHttpSenderOptions {
  /** The Management API endpoint, e.g. `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly callbackUrl: string;
  /** Region the signature is scoped to. */
  readonly region: string;
  /** Keep-alive sockets: as many as requests in flight. */
  readonly maxSockets: number;
  /** Credentials; default: Lambda's (the environment, then a container endpoint: `lambdaCredentials`). */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Abort a request that has not been answered after this long (a network error, retried). @default 10 s */
  readonly requestTimeoutMs?: number;
  /** Certificates to trust over the system's (a local TLS endpoint); API Gateway's are trusted already. */
  readonly ca?: string | Buffer;
}

/**
 * `POST @connections/{id}` over a pool of keep-alive sockets (`KeepAliveClient`), signed by `ConnectionSigner` (SigV4
 * for exactly this request, tested byte for byte against the AWS SDK's `@smithy/signature-v4`): the same request the
 * SDK's `PostToConnectionCommand` makes, without its middleware stack. The payload's SHA-256 is computed once per
 * payload, not once per connection.
 */
export class SignedHttpSender implements Sender {
  private readonly signer: ConnectionSigner;
  private readonly client: KeepAliveClient;
  private readonly basePath: string;
  private readonly payloadHashes = new WeakMap<Uint8Array, string>();

  constructor(options: SignedHttpSenderOptions) {
    const url = new URL(options.callbackUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`callbackUrl must be http(s)://, got ${options.callbackUrl}`);
    this.basePath = url.pathname.replace(/\/+$/, '');
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.client = new KeepAliveClient({ origin: url, maxSockets: options.maxSockets, timeoutMs, ca: options.ca });
    this.signer = new ConnectionSigner(options.credentials ?? lambdaCredentials(), options.region, url.host);
  }

  async post(connectionId: string, payload: Uint8Array): Promise<PostResult> {
    // The payload hash is signed and sent, as the SDK does (computed once per payload).
    return this.call('POST', connectionId, this.payloadHash(payload), payload);
  }

  /** `DELETE @connections/{id}` (the SDK's `DeleteConnectionCommand`): API Gateway closes it and runs `$disconnect`. */
  async disconnect(connectionId: string): Promise<PostResult> {
    return this.call('DELETE', connectionId, EMPTY_SHA256);
  }

  private async call(method: 'POST' | 'DELETE', connectionId: string, payloadHash: string, body?: Uint8Array): Promise<PostResult> {
    try {
      const path = `${this.basePath}/@connections/${uriEscape(connectionId)}`;
      const headers = await this.signer.sign(method, path, payloadHash, body?.byteLength);
      return await this.send(method, path, headers, body);
    } catch (error) {
      return classifyPostError(error);
    }
  }

  /** Closes the pooled sockets. */
  destroy(): void {
    this.client.destroy();
  }

  private payloadHash(payload: Uint8Array): string {
    let hash = this.payloadHashes.get(payload);
    if (hash === undefined) {
      hash = createHash('sha256').update(payload).digest('hex');
      this.payloadHashes.set(payload, hash);
    }
    return hash;
  }

  private async send(method: 'POST' | 'DELETE', path: string, headers: Record<string, string>, payload?: Uint8Array): Promise<PostResult> {
    const answer = await this.client.request(requestHead(method, path, headers), payload);
    // The body of a 2xx is empty; an error's names the exception.
    if (answer.status >= 200 && answer.status < 300) return DELIVERED;
    return classifyPostError(errorFromAnswer(answer.status, answer.headers, answer.body));
  }
}

const DELIVERED: PostResult = Object.freeze({ status: 'delivered' });
