import { request as httpRequest } from 'node:http';
import type { SignatureV4 } from '@smithy/signature-v4';

/** A backend's answer to an integration's request. */
export interface BackendAnswer {
  readonly status: number;
  readonly answer: string;
}

/** POSTs `body` to `path` on `endpoint`, SigV4-signed as API Gateway signs an `AWS` integration's request. */
export async function postSigned(
  signer: SignatureV4, endpoint: string, path: string, headers: Record<string, string>, body: string,
): Promise<BackendAnswer> {
  const url = new URL(endpoint);
  const [pathname, query] = path.split('?', 2);
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    ...(query ? { query: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: { host: url.host, ...headers },
    body,
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: url.hostname, port: url.port, method: 'POST', path, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
