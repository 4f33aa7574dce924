import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { JwtAuthorizerFunction } from './jwt-authorizer-function';
import { JwtAuthorizerProps, JwtTokenSource, JwtTokenUse } from './jwt-authorizer-props';
import { CONSTRUCT_DEFAULTS } from './private/defaults';
import { jwtAuthorizerViolations } from './private/jwt-authorizer-props';
import { suppressNag } from './private/nag';
import { createServiceRole } from './private/permissions';
import { throwIfInvalid } from './private/prop-errors';
import { AUTHORIZER_ENV } from './shared/constants';

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * A ready-made Lambda authorizer for the `$connect` route that verifies JSON Web Tokens with aws-jwt-verify (signature
 * against the issuer's JWKS, expiry, issuer, audience or Cognito client and token use). A valid token connects the
 * client with `userIdClaim` as its user id and `contextClaims` in its context; no token or an invalid one is refused
 * with 401, a token without a user id with 403. No JWT code of this library's own: the function is pre-bundled.
 *
 * @example
 * const jwt = new JwtAuthorizer(this, 'Jwt', { userPool, userPoolClientIds: [client.userPoolClientId], contextClaims: ['tenant'] });
 * new WebsocketPusher(this, 'Pusher', {
 *   webSocketStage: stage,
 *   connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer: jwt, authorizerContextAttributes: ['tenant'] },
 * });
 */
/* eslint-enable tsdoc/syntax */
export class JwtAuthorizer extends Construct implements apigwv2.IWebSocketRouteAuthorizer {
  /** The authorizer function. */
  public readonly authorizerFunction: lambda.Function;

  /** Its log group. */
  public readonly logGroup: logs.ILogGroup;

  /** Where clients put their token. */
  public readonly tokenSource: JwtTokenSource;

  private readonly authorizer: WebSocketLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: JwtAuthorizerProps) {
    super(scope, id);
    throwIfInvalid(this, jwtAuthorizerViolations(props));
    this.tokenSource = props.tokenSource ?? JwtTokenSource.QUERY_STRING;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: CONSTRUCT_DEFAULTS.LOG_RETENTION });
    const role = createServiceRole(this, this.logGroup, 'JWT authorizer function: its log group only');
    this.authorizerFunction = new JwtAuthorizerFunction(this, 'Function', {
      description: 'WebsocketPusher: verifies the JWT of a $connect',
      role,
      logGroup: this.logGroup,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: environment(props, this.tokenSource),
    });
    suppressNag(this.authorizerFunction, 'AwsSolutions-L1', 'The authorizer bundle is built and tested for Node.js 22.');
    const parameter = props.queryStringParameter ?? 'token';
    this.authorizer = new WebSocketLambdaAuthorizer(id, this.authorizerFunction, {
      identitySource: [this.tokenSource === JwtTokenSource.SUBPROTOCOL ? 'route.request.header.Sec-WebSocket-Protocol' : `route.request.querystring.${parameter}`],
    });
  }

  /** Binds the Lambda authorizer to the `$connect` route (the `IWebSocketRouteAuthorizer` contract). */
  public bind(options: apigwv2.WebSocketRouteAuthorizerBindOptions): apigwv2.WebSocketRouteAuthorizerConfig {
    return this.authorizer.bind(options);
  }
}

function environment(props: JwtAuthorizerProps, tokenSource: JwtTokenSource): Record<string, string> {
  const issuer: Record<string, string> = props.userPool
    ? {
      [AUTHORIZER_ENV.USER_POOL_ID]: props.userPool.userPoolId,
      [AUTHORIZER_ENV.USER_POOL_CLIENT_IDS]: (props.userPoolClientIds ?? []).join(','),
      [AUTHORIZER_ENV.TOKEN_USE]: props.tokenUse ?? JwtTokenUse.ID,
    }
    : {
      [AUTHORIZER_ENV.ISSUER]: props.issuer!,
      [AUTHORIZER_ENV.JWKS_URI]: props.jwksUri ?? `${props.issuer!.replace(/\/+$/, '')}/.well-known/jwks.json`,
      [AUTHORIZER_ENV.AUDIENCE]: (props.audience ?? []).join(','),
    };
  return {
    ...issuer,
    [AUTHORIZER_ENV.USER_ID_CLAIM]: props.userIdClaim ?? 'sub',
    ...(props.contextClaims?.length ? { [AUTHORIZER_ENV.CONTEXT_CLAIMS]: props.contextClaims.join(',') } : {}),
    [AUTHORIZER_ENV.TOKEN_SOURCE]: tokenSource === JwtTokenSource.SUBPROTOCOL ? 'protocol' : `query:${props.queryStringParameter ?? 'token'}`,
  };
}
