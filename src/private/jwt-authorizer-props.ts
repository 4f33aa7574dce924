import { Token } from 'aws-cdk-lib';
import { JwtTokenSource, type JwtAuthorizerProps } from '../jwt-authorizer-props';
import { AUTHORIZER_CONTEXT_KEY } from '../shared/constants';

/** A claim name the function reads from its environment's comma-separated lists. */
const CLAIM = /^[^,\s]{1,256}$/;
const QUERY_PARAMETER = /^[A-Za-z0-9_.~-]{1,128}$/;

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Every violation of a `JwtAuthorizer`'s props, each naming the prop (checked in plain JavaScript too). */
export function jwtAuthorizerViolations(props: JwtAuthorizerProps | undefined): string[] {
  if (typeof props !== 'object' || props === null) return ['JwtAuthorizer: props are required: an issuer (issuer, audience) or a userPool (userPoolClientIds)'];
  const violations: string[] = [];
  const v = (message: string) => violations.push(`JwtAuthorizer: ${message}`);
  if ((props.issuer === undefined) === (props.userPool === undefined)) v('give exactly one of issuer (an OIDC issuer) and userPool (a Cognito user pool)');
  if (props.issuer !== undefined) {
    if (typeof props.issuer !== 'string') v('issuer must be a string (the tokens\' iss)');
    else if (!Token.isUnresolved(props.issuer) && !/^https:\/\/\S+$/.test(props.issuer)) v(`issuer must be an https:// URL, got '${props.issuer}'`);
    if (!isStringArray(props.audience) || props.audience.length === 0) v('audience is required with issuer: at least one accepted aud');
    if (props.userPoolClientIds !== undefined || props.tokenUse !== undefined) v('userPoolClientIds and tokenUse go with userPool, not with issuer');
  }
  if (props.jwksUri !== undefined && (typeof props.jwksUri !== 'string' || (!Token.isUnresolved(props.jwksUri) && !/^https:\/\/\S+$/.test(props.jwksUri)))) {
    v(`jwksUri must be an https:// URL, got ${JSON.stringify(props.jwksUri)}`);
  }
  if (props.userPool !== undefined) {
    if (typeof (props.userPool as { userPoolId?: unknown }).userPoolId !== 'string') v('userPool must be an IUserPool');
    if (!isStringArray(props.userPoolClientIds) || props.userPoolClientIds.length === 0) v('userPoolClientIds is required with userPool: at least one app client id');
    if (props.audience !== undefined || props.jwksUri !== undefined) v('audience and jwksUri go with issuer, not with userPool');
  }
  if (props.userIdClaim !== undefined && (typeof props.userIdClaim !== 'string' || !CLAIM.test(props.userIdClaim))) {
    v(`userIdClaim must be a claim name (no comma or space), got ${JSON.stringify(props.userIdClaim)}`);
  }
  if (props.contextClaims !== undefined) {
    if (!isStringArray(props.contextClaims)) v('contextClaims must be an array of claim names');
    else for (const claim of props.contextClaims.filter((c) => !AUTHORIZER_CONTEXT_KEY.test(c))) v(`contextClaims: '${claim}' is not a context key (letters, digits and _, not starting with a digit)`);
    if (isStringArray(props.contextClaims) && props.contextClaims.includes('principalId')) {
      v('contextClaims: \'principalId\' is the authorizer\'s own answer (the userIdClaim\'s value): a claim cannot take its place');
    }
  }
  if (props.queryStringParameter !== undefined && (typeof props.queryStringParameter !== 'string' || !QUERY_PARAMETER.test(props.queryStringParameter))) {
    v(`queryStringParameter must be a query parameter name, got ${JSON.stringify(props.queryStringParameter)}`);
  }
  if (props.queryStringParameter !== undefined && props.tokenSource === JwtTokenSource.SUBPROTOCOL) {
    v('queryStringParameter goes with tokenSource QUERY_STRING; with SUBPROTOCOL the token is in Sec-WebSocket-Protocol');
  }
  return violations;
}
