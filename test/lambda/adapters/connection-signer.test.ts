import { createHash, randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConnectionSigner } from '../../../lambda/adapters/connection-signer';

// The specialised signer against the SDK's own, byte for byte, on random connection ids, payloads, dates, stages and
// credentials (with and without a session token), for both requests it signs.

function encodeSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A deterministic generator, so that a failure is reproducible. */
function generator(seed: number) {
  let state = seed;
  const next = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state / 2 ** 31; };
  const pick = (alphabet: string, min: number, max: number) =>
    Array.from({ length: min + Math.floor(next() * (max - min + 1)) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  return { next, pick };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

/** The request as the SDK's `@smithy/signature-v4` signs it: the reference. */
async function sdkSign(method: 'POST' | 'DELETE', region: string, host: string, path: string, payload: Buffer,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, date: Date) {
  return new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 }).sign({
    method,
    protocol: 'https:',
    hostname: host,
    path,
    query: {},
    headers: {
      host,
      ...(method === 'POST' ? { 'content-type': 'application/octet-stream', 'content-length': String(payload.length) } : {}),
      'x-amz-content-sha256': createHash('sha256').update(payload).digest('hex'),
    },
    ...(method === 'POST' ? { body: payload } : {}),
  }, { signingDate: date });
}

describe('ConnectionSigner equals @smithy/signature-v4', () => {
  test.each([['POST'], ['DELETE']] as const)('%s: 3,000 random requests sign to the same headers', async (method) => {
    const g = generator(method === 'POST' ? 7 : 11);
    for (let i = 0; i < 3_000; i++) {
      // GIVEN a random request
      const credentials = {
        accessKeyId: `AKIA${g.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16)}`,
        secretAccessKey: g.pick(B64, 40, 40),
        ...(g.next() < 0.5 ? { sessionToken: g.pick(`${B64}_-`, 20, 400) } : {}),
      };
      const region = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1'][i % 4];
      const host = `${g.pick('abcdefghijklmnopqrstuvwxyz0123456789', 10, 10)}.execute-api.${region}.amazonaws.com`;
      const path = `/${g.pick('abcdefghijklmnopqrstuvwxyz0123456789-_', 1, 20)}/@connections/${encodeSegment(g.pick(B64, 1, 24))}`;
      const payload = method === 'POST' ? randomBytes(Math.floor(g.next() * 2048)) : Buffer.alloc(0);
      const hash = createHash('sha256').update(payload).digest('hex');
      const date = new Date(1_600_000_000_000 + Math.floor(g.next() * 400_000_000_000));

      // WHEN both sign it
      const sdk = await sdkSign(method, region, host, path, payload, credentials, date);
      const lean = await new ConnectionSigner(async () => credentials, region, host)
        .sign(method, path, hash, method === 'POST' ? payload.length : undefined, date);

      // THEN every header is the same, the signature included
      const sorted = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]).sort());
      expect(sorted(lean)).toEqual(sorted(sdk.headers));
    }
  });

  test('one signer for 2,000 requests in a row (its caches: the second, the path prefix, the key) signs as the SDK does', async () => {
    // GIVEN one long-lived signer whose credentials, stage and clock move between requests, as a container's do
    const g = generator(23);
    const region = 'eu-west-1';
    const host = 'abc123defg.execute-api.eu-west-1.amazonaws.com';
    let credentials = { accessKeyId: 'AKIAFIRST', secretAccessKey: g.pick(B64, 40, 40) } as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    const signer = new ConnectionSigner(async () => credentials, region, host);
    let time = 1_700_000_000_000;
    let stage = 'live';
    for (let i = 0; i < 2_000; i++) {
      const r = g.next();
      // the same second (other milliseconds), the next seconds, or another day
      time += r < 0.5 ? Math.floor(g.next() * 300) : r < 0.95 ? 1_000 + Math.floor(g.next() * 5_000) : 86_400_000;
      if (g.next() < 0.05) stage = g.pick('abcdefghijklmnopqrstuvwxyz0123456789-_', 1, 12);
      if (g.next() < 0.02) {
        credentials = { accessKeyId: `AKIA${g.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 8, 8)}`, secretAccessKey: g.pick(B64, 40, 40), sessionToken: g.pick(B64, 20, 200) };
      }
      const method = g.next() < 0.5 ? 'POST' : 'DELETE';
      const path = `/${stage}/@connections/${encodeSegment(g.pick(B64, 1, 24))}`;
      const payload = method === 'POST' ? randomBytes(Math.floor(g.next() * 256)) : Buffer.alloc(0);
      const hash = createHash('sha256').update(payload).digest('hex');
      const date = new Date(time);

      // WHEN both sign it
      const sdk = await sdkSign(method, region, host, path, payload, credentials, date);
      const lean = await signer.sign(method, path, hash, method === 'POST' ? payload.length : undefined, date);

      // THEN the same headers
      const sorted = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]).sort());
      expect(sorted(lean)).toEqual(sorted(sdk.headers));
    }
  });

  test('credentials with a line break are refused: they would end a header', async () => {
    const signer = new ConnectionSigner(async () => ({ accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 'tok\r\nx-evil: 1' }), 'us-east-1', 'h');
    await expect(signer.sign('DELETE', '/s/@connections/a', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).rejects.toThrow('line break');
  });

  test('the signing key is derived once per day and credentials, and a new day or key changes it', async () => {
    // GIVEN
    let calls = 0;
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const signer = new ConnectionSigner(async () => { calls++; return credentials; }, 'us-east-1', 'example.amazonaws.com');

    // WHEN
    const a = await signer.sign('DELETE', '/s/@connections/a', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', undefined, new Date('2015-08-30T12:36:00Z'));
    const b = await signer.sign('DELETE', '/s/@connections/a', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', undefined, new Date('2015-08-31T12:36:00Z'));

    // THEN each call asks the provider (which caches), and the signatures differ by day
    expect(calls).toBe(2);
    expect(a.authorization).not.toBe(b.authorization);
    expect(a.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });
});
