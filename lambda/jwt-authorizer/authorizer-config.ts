import { AUTHORIZER_ENV, TOKEN_PROTOCOL } from '../../src/shared/constants';
import { required } from '../adapters/config';

type Env = Readonly<Record<string, string | undefined>>;

/** Who issues the tokens: an OIDC issuer with its JWKS and audiences, or a Cognito user pool with its app clients. */
export type TokenIssuer =
  | { readonly kind: 'oidc'; readonly issuer: string; readonly jwksUri: string; readonly audience: readonly string[] }
  | { readonly kind: 'cognito'; readonly userPoolId: string; readonly clientIds: readonly string[]; readonly tokenUse: 'id' | 'access' };

/** Where a client puts its token: a query string parameter, or the WebSocket subprotocol list. */
export type TokenSource = { readonly kind: 'query'; readonly parameter: string } | { readonly kind: 'protocol' };

export interface AuthorizerConfig {
  readonly issuer: TokenIssuer;
  readonly userIdClaim: string;
  readonly contextClaims: readonly string[];
  readonly tokenSource: TokenSource;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');

/** The authorizer's settings, as the construct writes them into its environment; a wrong one fails the cold start. */
export function readAuthorizerConfig(env: Env): AuthorizerConfig {
  const source = env[AUTHORIZER_ENV.TOKEN_SOURCE]?.trim() ?? 'query:token';
  const tokenSource: TokenSource = source === 'protocol' ? { kind: 'protocol' } : { kind: 'query', parameter: source.replace(/^query:/, '') };
  const issuer: TokenIssuer = env[AUTHORIZER_ENV.USER_POOL_ID]
    ? {
      kind: 'cognito',
      userPoolId: required(env, AUTHORIZER_ENV.USER_POOL_ID),
      clientIds: list(required(env, AUTHORIZER_ENV.USER_POOL_CLIENT_IDS)),
      tokenUse: env[AUTHORIZER_ENV.TOKEN_USE] === 'access' ? 'access' : 'id',
    }
    : {
      kind: 'oidc',
      issuer: required(env, AUTHORIZER_ENV.ISSUER),
      jwksUri: required(env, AUTHORIZER_ENV.JWKS_URI),
      audience: list(required(env, AUTHORIZER_ENV.AUDIENCE)),
    };
  return {
    issuer,
    userIdClaim: env[AUTHORIZER_ENV.USER_ID_CLAIM]?.trim() || 'sub',
    contextClaims: list(env[AUTHORIZER_ENV.CONTEXT_CLAIMS]),
    tokenSource,
  };
}

/** What of the authorizer's event carries a token. */
export interface TokenCarrier {
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly headers?: Record<string, string | undefined> | null;
}

/** The request's token, or `undefined`: the query parameter, or the entry after `websocket-pusher` in the protocols. */
export function tokenOf(source: TokenSource, request: TokenCarrier): string | undefined {
  if (source.kind === 'query') return request.queryStringParameters?.[source.parameter] || undefined;
  const header = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1];
  const protocols = (header ?? '').split(',').map((p) => p.trim());
  const at = protocols.indexOf(TOKEN_PROTOCOL);
  return at >= 0 ? protocols[at + 1] || undefined : undefined;
}
