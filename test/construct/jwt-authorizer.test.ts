import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { nagFindings, stackWithStage } from './support';
import { ConnectionUserId, JwtAuthorizer, JwtTokenSource, JwtTokenUse, WebsocketPusher } from '../../src';

function withJwt(props: ConstructorParameters<typeof JwtAuthorizer>[2]) {
  const s = stackWithStage();
  const jwt = new JwtAuthorizer(s.stack, 'Jwt', props);
  new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer: jwt } });
  return { ...s, jwt, template: Template.fromStack(s.stack) };
}

describe('JwtAuthorizer', () => {
  test('an OIDC issuer: the pre-bundled function with its settings, a REQUEST authorizer on the token parameter', () => {
    const { template } = withJwt({ issuer: 'https://login.example.com/', audience: ['app'], contextClaims: ['tenant'] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 10,
      Environment: {
        Variables: {
          JWT_ISSUER: 'https://login.example.com/',
          JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
          JWT_AUDIENCE: 'app',
          JWT_USER_ID_CLAIM: 'sub',
          JWT_CONTEXT_CLAIMS: 'tenant',
          JWT_TOKEN_SOURCE: 'query:token',
        },
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM' });
    // No subprotocol selected: selecting one the client did not offer fails its handshake.
    for (const response of Object.values(template.findResources('AWS::ApiGatewayV2::IntegrationResponse'))) {
      expect((response as any).Properties.ResponseParameters).toBeUndefined();
    }
  });

  test('a Cognito user pool: its id, the app clients, the token use', () => {
    const s = stackWithStage();
    const userPool = new cognito.UserPool(s.stack, 'Pool');
    new JwtAuthorizer(s.stack, 'Jwt', { userPool, userPoolClientIds: ['c1', 'c2'], tokenUse: JwtTokenUse.ACCESS });
    Template.fromStack(s.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { JWT_USER_POOL_ID: { Ref: Match.stringLikeRegexp('^Pool') }, JWT_USER_POOL_CLIENT_IDS: 'c1,c2', JWT_TOKEN_USE: 'access' } },
    });
  });

  test('the token in the subprotocols: the identity source is the header, and $connect selects websocket-pusher', () => {
    const { template } = withJwt({ issuer: 'https://i.example', audience: ['a'], tokenSource: JwtTokenSource.SUBPROTOCOL });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { IdentitySource: ['route.request.header.Sec-WebSocket-Protocol'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::IntegrationResponse', {
      IntegrationResponseKey: '/2\\d\\d/', ResponseParameters: { 'method.response.header.Sec-WebSocket-Protocol': '\'websocket-pusher\'' },
    });
  });

  test('the function may write its own log group, nothing else', () => {
    const { template } = withJwt({ issuer: 'https://i.example', audience: ['a'] });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes('JwtServiceRole'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()));
    expect(policies.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  test.each([
    [{}, 'give exactly one of issuer (an OIDC issuer) and userPool (a Cognito user pool)'],
    [{ issuer: 'http://i', audience: ['a'] }, 'issuer must be an https:// URL, got \'http://i\''],
    [{ issuer: 'https://i' }, 'audience is required with issuer'],
    [{ issuer: 'https://i', audience: ['a'], contextClaims: ['has-dash'] }, 'contextClaims: \'has-dash\' is not a context key'],
    [{ issuer: 'https://i', audience: ['a'], userIdClaim: 'a,b' }, 'userIdClaim must be a claim name'],
    [{ issuer: 'https://i', audience: ['a'], queryStringParameter: 'a b' }, 'queryStringParameter must be a query parameter name'],
    [{ issuer: 'https://i', audience: ['a'], contextClaims: ['principalId'] }, 'contextClaims: \'principalId\' is the authorizer\'s own answer'],
    [{ issuer: 'https://i', audience: ['a'], tokenSource: JwtTokenSource.SUBPROTOCOL, queryStringParameter: 't' }, 'queryStringParameter goes with tokenSource QUERY_STRING'],
  ])('%j is refused at synth, naming the prop', (props, message) => {
    const { stack } = stackWithStage();
    expect(() => new JwtAuthorizer(stack, 'Jwt', props as any)).toThrow(message);
  });

  test('several wrong props at once are all listed', () => {
    const { stack } = stackWithStage();
    expect(() => new JwtAuthorizer(stack, 'Jwt', { issuer: 'http://i', contextClaims: ['1x'] } as any)).toThrow(/3 errors in the props/);
  });

  test('cdk-nag: no unsuppressed finding', () => {
    const s = stackWithStage();
    const jwt = new JwtAuthorizer(s.stack, 'Jwt', { issuer: 'https://i.example', audience: ['a'] });
    new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer: jwt } });
    expect(nagFindings(s.app, s.stack, '/TestStack/Jwt/')).toEqual([]);
  });
});
