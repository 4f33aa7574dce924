import * as cognito from 'aws-cdk-lib/aws-cognito';

/** The kind of Cognito token a `JwtAuthorizer` accepts. */
export enum JwtTokenUse {
  /** ID tokens: `aud` is one of the app client ids. */
  ID = 'id',
  /** Access tokens: `client_id` is one of the app client ids. */
  ACCESS = 'access',
}

/** Where a client puts its token when it connects. */
export enum JwtTokenSource {
  /** The query string: `wss://…/live?token=<jwt>` (the parameter's name is `queryStringParameter`). */
  QUERY_STRING = 'query',
  /**
   * The WebSocket subprotocols: a browser's `new WebSocket(url, ['websocket-pusher', token])`, which sends them in
   * `Sec-WebSocket-Protocol`; the `$connect` answer selects `websocket-pusher`. Keeps the token out of URLs and logs.
   */
  SUBPROTOCOL = 'protocol',
}

/** Props of a `JwtAuthorizer`: one issuer, either an OIDC provider or a Cognito user pool. */
export interface JwtAuthorizerProps {
  /**
   * An OIDC issuer: the tokens' `iss` (e.g. `https://example.auth0.com/`). Give `audience` too.
   *
   * @default - none: give `userPool`
   */
  readonly issuer?: string;

  /**
   * The issuer's JWKS URI (its `jwks_uri` in `/.well-known/openid-configuration`).
   *
   * @default - `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;

  /**
   * The accepted audiences (`aud`) of an OIDC issuer's tokens: at least one.
   *
   * @default - none: required with `issuer`
   */
  readonly audience?: string[];

  /**
   * A Cognito user pool, in place of `issuer`: its issuer and JWKS are derived. Give `userPoolClientIds` too.
   *
   * @default - none: give `issuer`
   */
  readonly userPool?: cognito.IUserPool;

  /**
   * The user pool's app client ids whose tokens are accepted: at least one.
   *
   * @default - none: required with `userPool`
   */
  readonly userPoolClientIds?: string[];

  /**
   * The kind of Cognito token accepted.
   *
   * @default JwtTokenUse.ID
   */
  readonly tokenUse?: JwtTokenUse;

  /**
   * The claim whose value is the connection's user id (the authorizer's `principalId`, which
   * `ConnectionUserId.fromAuthorizer()` stores). A token without it, or with a value that is not a non-empty string, is
   * refused with 403.
   *
   * @default 'sub'
   */
  readonly userIdClaim?: string;

  /**
   * Claims copied into the authorizer's context, for `connectionRoutes.authorizerContextAttributes` and later routes
   * (letters, digits and `_`). A string, number or boolean stays as it is; anything else becomes JSON text.
   *
   * @default - none
   */
  readonly contextClaims?: string[];

  /**
   * Where clients put their token.
   *
   * @default JwtTokenSource.QUERY_STRING
   */
  readonly tokenSource?: JwtTokenSource;

  /**
   * The query string parameter that carries the token, with `JwtTokenSource.QUERY_STRING`.
   *
   * @default 'token'
   */
  readonly queryStringParameter?: string;
}
