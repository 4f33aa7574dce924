/**
 * The `$connect` JWT authorizer (`JwtAuthorizer`): a Lambda REQUEST authorizer that verifies the client's token with
 * aws-jwt-verify (signature against the issuer's JWKS, `exp`, `nbf`, `iss`, `aud` / Cognito's `client_id` and
 * `token_use`), then answers `Allow` with the user id claim as `principalId` and the chosen claims as `context`. No
 * token, or one that fails verification: `throw new Error('Unauthorized')`, which API Gateway answers 401.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { answerFor, type AuthorizerAnswer } from './jwt-authorizer/authorizer-answer';
import { readAuthorizerConfig, tokenOf, type AuthorizerConfig } from './jwt-authorizer/authorizer-config';

type Verify = (token: string) => Promise<Record<string, unknown>>;

let resolved: { config: AuthorizerConfig; verify: Verify } | undefined;

/** The settings and a verifier, built once per execution environment (the JWKS is cached between invocations). */
function setup(): { config: AuthorizerConfig; verify: Verify } {
  if (resolved) return resolved;
  const config = readAuthorizerConfig(process.env);
  const issuer = config.issuer;
  const verifier = issuer.kind === 'cognito'
    ? CognitoJwtVerifier.create({ userPoolId: issuer.userPoolId, tokenUse: issuer.tokenUse, clientId: [...issuer.clientIds] })
    : JwtVerifier.create({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: [...issuer.audience] });
  resolved = { config, verify: (token) => verifier.verify(token as never) as Promise<Record<string, unknown>> };
  return resolved;
}

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerAnswer> => {
  const { config, verify } = setup();
  const token = tokenOf(config.tokenSource, event);
  if (!token) throw new Error('Unauthorized');
  let claims: Record<string, unknown>;
  try {
    claims = await verify(token);
  } catch (error) {
    console.log(JSON.stringify({ level: 'INFO', message: 'token refused', reason: (error as Error).message }));
    throw new Error('Unauthorized');
  }
  return answerFor(claims, config.userIdClaim, config.contextClaims, event.methodArn);
};
