import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChecksumConstructor } from '@smithy/types';

/** The credentials a local stack hands to the handler, and checks its signatures against. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Node-native SHA-256 for the emulator's check, which verifies thousands of requests a second (the pure-JS hash costs ~3× the CPU). */
export { NativeSha256 } from '../../lambda/adapters/native-sha256';

/** What a request must be signed with. */
export interface SigV4Expectation {
  readonly credentials: SigningCredentials;
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** The verifier's clock, for the 5-minute skew check. @default Date.now() */
  readonly now?: number;
  /** The hash the signature is recomputed with. @default the pure-JS `@aws-crypto/sha256-js` (independent of Node's) */
  readonly sha256?: ChecksumConstructor;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const signers = new Map<string, SignatureV4>();

/** One signer per service, Region, credentials and hash: creating one per request costs as much as the check itself. */
function signerFor(service: string, region: string, credentials: SigningCredentials, sha256: ChecksumConstructor): SignatureV4 {
  const key = JSON.stringify([service, region, credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? '', sha256.name]);
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({ service, region, credentials, sha256, applyChecksum: false });
    signers.set(key, signer);
  }
  return signer;
}

/**
 * Checks a request's SigV4 signature the way API Gateway does: recomputes it with the AWS SDK's own signer
 * (and an independent SHA-256 implementation) from the method, the path as sent, the signed headers and the
 * body, for the expected credentials, region and service, and the request's own `x-amz-date`.
 */
export async function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders },
  body: Uint8Array,
  expected: SigV4Expectation,
): Promise<Verdict> {
  const service = expected.service ?? 'execute-api';
  const auth = AUTH.exec(header(request.headers, 'authorization') ?? '');
  if (!auth) return { ok: false, reason: 'Missing Authentication Token' };
  const [, accessKeyId, shortDate, region, signedService, signedHeaderList, signature] = auth;
  if (accessKeyId !== expected.credentials.accessKeyId) return { ok: false, reason: 'The security token included in the request is invalid.' };
  if (region !== expected.region || signedService !== service) return { ok: false, reason: `Credential should be scoped to a valid region (${expected.region}) and service (${service}).` };

  const amzDate = header(request.headers, 'x-amz-date') ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m || !amzDate.startsWith(shortDate)) return { ok: false, reason: 'Invalid or missing X-Amz-Date' };
  const signingDate = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  if (Math.abs((expected.now ?? Date.now()) - signingDate.getTime()) > MAX_SKEW_MS) return { ok: false, reason: 'Signature expired' };
  if (expected.credentials.sessionToken !== undefined && header(request.headers, 'x-amz-security-token') !== expected.credentials.sessionToken) {
    return { ok: false, reason: 'The security token included in the request is invalid.' };
  }

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return { ok: false, reason: 'host and x-amz-date must be signed' };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    headers[name] = value;
  }
  const url = new URL(request.url, 'http://local');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => { query[k] = v; });

  const signer = signerFor(service, region, expected.credentials, expected.sha256 ?? Sha256);
  const resigned = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: headers.host ?? 'local',
    path: url.pathname,
    query,
    headers: { ...headers, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
    body,
  }, { signingDate, signableHeaders: new Set(signedHeaders), unsignableHeaders: new Set(['x-amz-content-sha256']) });
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(resigned.headers.authorization)?.[1];
  return expectedSignature === signature
    ? { ok: true }
    : { ok: false, reason: 'The request signature we calculated does not match the signature you provided.' };
}
