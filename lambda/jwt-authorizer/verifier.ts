import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { FetchError, JwksValidationError, JwkValidationError } from 'aws-jwt-verify/error';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { TokenIssuer } from './authorizer-config';

/** A verified token's claims. */
export type Claims = Record<string, unknown>;

/** What the authorizer needs of aws-jwt-verify's verifiers: `verify` (fetching and caching the JWKS), `cacheJwks`. */
export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
  cacheJwks(jwks: { keys: unknown[] }): void;
}

/**
 * aws-jwt-verify's verifier for the issuer: a Cognito user pool's (its JWKS, `iss`, `token_use`, and `client_id` or
 * `aud` as an app client's id), or an OIDC issuer's (its JWKS at `jwksUri`, `iss`, `aud`).
 */
export function createVerifier(issuer: TokenIssuer): TokenVerifier {
  const verifier = issuer.kind === 'cognito'
    ? CognitoJwtVerifier.create({ userPoolId: issuer.userPoolId, tokenUse: issuer.tokenUse, clientId: [...issuer.clientIds] })
    : JwtVerifier.create({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: [...issuer.audience] });
  return {
    verify: (token) => verifier.verify(token as never) as Promise<Claims>,
    cacheJwks: (jwks) => verifier.cacheJwks(jwks as never),
  };
}

/**
 * Whether a verification failed because the issuer's keys could not be had (the JWKS unreachable, answered with an
 * error status, or not a JWKS: an outage or a wrong `jwksUri`), not because of the token: no client can fix that.
 */
export function keysUnavailable(error: unknown): boolean {
  return error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError;
}
