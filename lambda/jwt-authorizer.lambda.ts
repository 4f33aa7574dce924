/**
 * The `$connect` JWT authorizer (`JwtAuthorizer`): a Lambda REQUEST authorizer that verifies the client's token with
 * aws-jwt-verify (signature against the issuer's JWKS, `exp`, `nbf`, `iss`, `aud` / Cognito's `client_id` and
 * `token_use`), then answers `Allow` with the user id claim as `principalId` and the chosen claims as `context`.
 * - No token, or one that fails verification: `throw new Error('Unauthorized')`, which API Gateway answers 401
 *   (logged at INFO: a client's problem).
 * - The issuer's keys cannot be had (the JWKS unreachable or not one): any other error, which API Gateway answers 500
 *   (logged at ERROR: the service's problem, which a client's fresh token cannot fix).
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { answerFor, type AuthorizerAnswer } from './jwt-authorizer/authorizer-answer';
import { readAuthorizerConfig, tokenOf, type AuthorizerConfig } from './jwt-authorizer/authorizer-config';
import { createVerifier, keysUnavailable, type Claims, type TokenVerifier } from './jwt-authorizer/verifier';

let resolved: { config: AuthorizerConfig; verifier: TokenVerifier } | undefined;

/** The settings and a verifier, built once per execution environment (the JWKS is cached between invocations). */
function setup(): { config: AuthorizerConfig; verifier: TokenVerifier } {
  if (resolved) return resolved;
  const config = readAuthorizerConfig(process.env);
  resolved = { config, verifier: createVerifier(config.issuer) };
  return resolved;
}

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerAnswer> => {
  const { config, verifier } = setup();
  const token = tokenOf(config.tokenSource, event);
  if (!token) throw new Error('Unauthorized');
  let claims: Claims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    const reason = (error as Error).message;
    if (keysUnavailable(error)) {
      console.log(JSON.stringify({ level: 'ERROR', message: 'the issuer\'s keys are unavailable: the connection is refused with 500', reason }));
      throw new Error('the issuer\'s keys are unavailable');
    }
    console.log(JSON.stringify({ level: 'INFO', message: 'token refused', reason }));
    throw new Error('Unauthorized');
  }
  return answerFor(claims, config.userIdClaim, config.contextClaims, event.methodArn);
};
