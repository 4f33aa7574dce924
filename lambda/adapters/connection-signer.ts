import * as crypto from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * SigV4 for the two requests the sender makes, `POST` and `DELETE {stage}/@connections/{id}`, and nothing else: only
 * the path, the date, the payload hash and the credentials vary, so the canonical request is written directly and the
 * signing key (which changes once a day, or with the credentials) is derived once. `@smithy/signature-v4` does the same
 * work generically on every request (header normalisation, sorting, date formatting, key lookup). It is tested byte
 * for byte against `@smithy/signature-v4` (test/lambda/adapters/connection-signer.test.ts); the emulator still verifies
 * with the SDK's signer.
 */
export class ConnectionSigner {
  private keyScope = '';
  private key: Buffer = Buffer.alloc(0);
  /** The last second's `x-amz-date` (it changes once a second) and the last path prefix's canonical form. */
  private dateSecond = NaN;
  private amzDate = '';
  private pathPrefix?: string;
  private canonicalPrefix = '';
  /** The last credentials checked for characters a header cannot carry. */
  private checked?: AwsCredentialIdentity;

  constructor(private readonly credentials: AwsCredentialIdentityProvider, private readonly region: string, private readonly host: string,
    private readonly service = 'execute-api') {}

  /**
   * The headers of the signed request: host, `x-amz-date`, `x-amz-content-sha256`, the session token when there is one,
   * `authorization`, and for a POST the content type and length.
   *
   * @param path the request path as sent (already URI-encoded, e.g. `/live/@connections/abc%3D`)
   * @param payloadHash the payload's SHA-256 in hex (of the empty string for a DELETE)
   * @param contentLength for a POST, the payload's length
   */
  async sign(method: 'POST' | 'DELETE', path: string, payloadHash: string, contentLength?: number, now = new Date()): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    if (credentials !== this.checked) {
      // They go into header values as they are: a line break would end the header (Node's http.request refused it too).
      if (/[\r\n]/.test(`${credentials.accessKeyId}${credentials.sessionToken ?? ''}`)) {
        throw new Error('the credentials contain a line break: they cannot be sent in a header');
      }
      this.checked = credentials;
    }
    const amzDate = this.formatDate(now);
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const token = credentials.sessionToken;
    const post = method === 'POST';
    let canonicalHeaders = post ? `content-length:${contentLength}\ncontent-type:application/octet-stream\n` : '';
    canonicalHeaders += `host:${this.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n`;
    if (token) canonicalHeaders += `x-amz-security-token:${token}\n`;
    const signedHeaders = `${post ? 'content-length;content-type;' : ''}host;x-amz-content-sha256;x-amz-date${token ? ';x-amz-security-token' : ''}`;
    const canonical = `${method}\n${this.canonicalPath(path)}\n\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = crypto.createHmac('sha256', this.signingKey(credentials, day, scope)).update(stringToSign).digest('hex');
    return {
      ...(post ? { 'content-type': 'application/octet-stream', 'content-length': String(contentLength) } : {}),
      'host': this.host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
      ...(token ? { 'x-amz-security-token': token } : {}),
      'authorization': `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  /** `YYYYMMDD'T'HHMMSS'Z'`, formatted once a second. */
  private formatDate(now: Date): string {
    const second = Math.floor(now.getTime() / 1000);
    if (second !== this.dateSecond) {
      this.amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
      this.dateSecond = second;
    }
    return this.amzDate;
  }

  /** The canonical path: every segment URI-encoded again; the segments before the connection id's are the same each time. */
  private canonicalPath(path: string): string {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return escapePath(path);
    const prefix = path.slice(0, slash);
    if (prefix !== this.pathPrefix) {
      this.canonicalPrefix = escapePath(prefix);
      this.pathPrefix = prefix;
    }
    return `${this.canonicalPrefix}/${uriEscape(path.slice(slash + 1))}`;
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"), cached per day and key. */
  private signingKey(credentials: AwsCredentialIdentity, day: string, scope: string): Buffer {
    const id = `${scope}\n${credentials.accessKeyId}\n${credentials.secretAccessKey}`;
    if (id !== this.keyScope) {
      let key = crypto.createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(day).digest();
      for (const part of [this.region, this.service, 'aws4_request']) key = crypto.createHmac('sha256', key).update(part).digest();
      this.key = key;
      this.keyScope = id;
    }
    return this.key;
  }
}

/** Node's one-shot `crypto.hash` (Node ≥ 20.12) where there is one: no Hash object per request. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (data: string) => string = oneShot
  ? (data) => oneShot('sha256', data, 'hex')
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding, as the SDK's `extendedEncodeURIComponent`: `encodeURIComponent` plus `!'()*`. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical path of a non-S3 service: each segment of the (already encoded) path URI-encoded again. */
function escapePath(path: string): string {
  return path.split('/').map(uriEscape).join('/');
}
