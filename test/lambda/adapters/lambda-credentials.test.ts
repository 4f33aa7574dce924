import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaCredentials } from '../../../lambda/adapters/lambda-credentials';

const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_PROFILE'];

describe('lambdaCredentials', () => {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  let server: http.Server | undefined;
  beforeEach(() => KEYS.forEach((k) => delete process.env[k]));
  afterEach(async () => {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  /** A container credentials endpoint that answers `expiresInMs` from now and counts its calls. */
  const endpoint = async (expiresInMs: number) => {
    const seen: Array<string | undefined> = [];
    server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        AccessKeyId: `AKIDCONTAINER${seen.length}`,
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: new Date(Date.now() + expiresInMs).toISOString(),
      }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'container-auth';
    return seen;
  };

  test('reads the execution role\'s credentials from the environment, as Lambda sets them', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' });
    await endpoint(3_600_000);
    await expect(lambdaCredentials()()).resolves.toMatchObject({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
  });

  test('falls back to a container credentials endpoint, sending its authorization token, and caches what it got', async () => {
    const seen = await endpoint(3_600_000);
    const provider = lambdaCredentials();
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIDCONTAINER1', sessionToken: 'container-token' });
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIDCONTAINER1' });
    expect(seen).toEqual(['container-auth']);
  });

  test('serves credentials that expire within five minutes while it fetches new ones in the background', async () => {
    const seen = await endpoint(60_000);
    const provider = lambdaCredentials();
    const first = await provider();
    const second = await provider();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = await provider();
    expect(first.accessKeyId).toBe('AKIDCONTAINER1');
    expect(second.accessKeyId).toBe('AKIDCONTAINER1');
    expect(third.accessKeyId).toBe('AKIDCONTAINER2');
    // (the third call starts the next background fetch: those too expire within the margin)
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  test('with neither, is made all the same and fails on use with the SDK\'s CredentialsProviderError', async () => {
    const provider = lambdaCredentials();
    await expect(provider()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
