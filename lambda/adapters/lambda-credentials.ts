import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain, memoize } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Credentials are fetched again this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The credential sources a Lambda function has, in the order of the SDK's default chain: the environment (where Lambda
 * puts the execution role's credentials), then a container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`
 * or `_RELATIVE_URI`). The SDK's `defaultProvider` also reads profiles, SSO, web identity and processes, none of which
 * a function has; its code is a fifth of the bundle, so the bundle puts this module in its place
 * (`--alias:@aws-sdk/credential-provider-node`, .projenrc.ts) for the SDK's clients too.
 */
export function lambdaCredentials(init: Parameters<typeof fromHttp>[0] = {}): AwsCredentialIdentityProvider {
  return memoize(
    // fromHttp throws at once when no endpoint is set: it is made only when the environment has no credentials.
    chain(fromEnv(init), () => fromHttp(init)()),
    (c: AwsCredentialIdentity) => c.expiration !== undefined && c.expiration.getTime() - Date.now() < REFRESH_MARGIN_MS,
    (c: AwsCredentialIdentity) => c.expiration !== undefined,
  );
}

/** The name the SDK's clients import from `@aws-sdk/credential-provider-node`. */
export const defaultProvider = lambdaCredentials;
