import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Temporary credentials are fetched again, in the background, this long before they expire. */
export const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60_000;
/** Credentials this close to their expiry are not used: the caller waits for new ones. */
const EXPIRED_MARGIN_MS = 10_000;

/**
 * Caches credentials from `provider`; concurrent callers share one fetch, and a failed fetch is not cached. Within
 * `marginMs` of their expiry the cached ones are still served while new ones are fetched in the background (a failed
 * refresh keeps them); past their expiry (less 10 s), or when the SDK asks with `forceRefresh`, the caller waits for
 * new ones. Lambda's environment credentials have no expiry: fetched once.
 */
export function refreshingCredentials(
  provider: AwsCredentialIdentityProvider,
  marginMs = CREDENTIALS_REFRESH_MARGIN_MS,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const left = (c: AwsCredentialIdentity) => (c.expiration ? c.expiration.getTime() - now() : Infinity);
  const refresh = () => {
    pending ??= provider().then(
      (c) => { current = c; pending = undefined; return c; },
      (e) => { pending = undefined; throw e; },
    );
    return pending;
  };
  return async (options?: { forceRefresh?: boolean }) => {
    if (options?.forceRefresh || !current || left(current) <= EXPIRED_MARGIN_MS) return refresh();
    if (left(current) <= marginMs) refresh().catch(() => undefined);
    return current;
  };
}

/**
 * The credential sources a Lambda function has, in the order of the SDK's default chain: the environment (where Lambda
 * puts the execution role's credentials), then a container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`
 * or `_RELATIVE_URI`), cached by {@link refreshingCredentials}. The SDK's `defaultProvider` also reads profiles, SSO,
 * web identity and processes, none of which a function has; its code was a quarter of the bundle, so the bundle puts
 * this module in its place (`--alias:@aws-sdk/credential-provider-node`, .projenrc.ts) for the SDK's clients too.
 */
export function lambdaCredentials(init: Parameters<typeof fromHttp>[0] = {}): AwsCredentialIdentityProvider {
  // fromHttp throws at once when no endpoint is set: it is made only when the environment has no credentials.
  return refreshingCredentials(chain(fromEnv(init), () => fromHttp(init)()));
}

/** The name the SDK's clients import from `@aws-sdk/credential-provider-node`. */
export const defaultProvider = lambdaCredentials;
