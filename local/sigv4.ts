import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials a local stack hands to the handler, and checks its signatures against. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Checks a request's SigV4 signature the way API Gateway does: recomputes it with the AWS SDK's own signer
 * (and an independent SHA-256 implementation) from the method, the path as sent, the signed headers and the
 * body, for the expected credentials, region and service, and the request's own `x-amz-date`.
 */
export async function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders },
  body: Uint8Array,
  expected: { credentials: SigningCredentials; region: string; service?: string; now?: number },
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

  const signer = new SignatureV4({ service, region, credentials: expected.credentials, sha256: Sha256, applyChecksum: false });
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
