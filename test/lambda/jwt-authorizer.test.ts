import { answerFor } from '../../lambda/jwt-authorizer/authorizer-answer';
import { readAuthorizerConfig, tokenOf } from '../../lambda/jwt-authorizer/authorizer-config';

const ARN = 'arn:aws:execute-api:eu-west-1:111111111111:abc/live/$connect';

describe('the JWT authorizer\'s answer', () => {
  test('Allow: the user id claim as principalId, the chosen claims as context (objects as JSON text)', () => {
    expect(answerFor({ sub: 'alice', tenant: 'acme', level: 3, admin: false, groups: ['a', 'b'], other: 'x' }, 'sub', ['tenant', 'level', 'admin', 'groups', 'missing'], ARN)).toEqual({
      principalId: 'alice',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ARN }] },
      context: { tenant: 'acme', level: 3, admin: false, groups: '["a","b"]' },
    });
  });

  test.each([[{}], [{ sub: '' }], [{ sub: 42 }]])('a verified token whose user id claim is absent or not a string (%j) is denied', (claims) => {
    const answer = answerFor(claims, 'sub', ['tenant'], ARN);
    expect(answer.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ARN }]);
    expect(answer.context).toBeUndefined();
  });
});

describe('where the token is', () => {
  test('a query string parameter', () => {
    expect(tokenOf({ kind: 'query', parameter: 'token' }, { queryStringParameters: { token: 'abc' } })).toBe('abc');
    expect(tokenOf({ kind: 'query', parameter: 'token' }, { queryStringParameters: { other: 'abc' } })).toBeUndefined();
    expect(tokenOf({ kind: 'query', parameter: 'token' }, { queryStringParameters: null })).toBeUndefined();
  });

  test('the entry after websocket-pusher in Sec-WebSocket-Protocol, whatever the header name\'s case', () => {
    expect(tokenOf({ kind: 'protocol' }, { headers: { 'Sec-WebSocket-Protocol': 'websocket-pusher, eyJ.x.y' } })).toBe('eyJ.x.y');
    expect(tokenOf({ kind: 'protocol' }, { headers: { 'sec-websocket-protocol': 'chat,websocket-pusher,tok' } })).toBe('tok');
    expect(tokenOf({ kind: 'protocol' }, { headers: { 'sec-websocket-protocol': 'tok' } })).toBeUndefined();
    expect(tokenOf({ kind: 'protocol' }, { headers: { 'sec-websocket-protocol': 'websocket-pusher' } })).toBeUndefined();
  });
});

describe('its settings', () => {
  test('an OIDC issuer, and the defaults', () => {
    expect(readAuthorizerConfig({ JWT_ISSUER: 'https://i', JWT_JWKS_URI: 'https://i/jwks', JWT_AUDIENCE: 'a, b' })).toEqual({
      issuer: { kind: 'oidc', issuer: 'https://i', jwksUri: 'https://i/jwks', audience: ['a', 'b'] },
      userIdClaim: 'sub',
      contextClaims: [],
      tokenSource: { kind: 'query', parameter: 'token' },
    });
  });

  test('a Cognito user pool, access tokens, the token in the subprotocols', () => {
    expect(readAuthorizerConfig({
      JWT_USER_POOL_ID: 'eu-west-1_x', JWT_USER_POOL_CLIENT_IDS: 'c1', JWT_TOKEN_USE: 'access', JWT_TOKEN_SOURCE: 'protocol', JWT_USER_ID_CLAIM: 'username', JWT_CONTEXT_CLAIMS: 'tenant',
    })).toEqual({
      issuer: { kind: 'cognito', userPoolId: 'eu-west-1_x', clientIds: ['c1'], tokenUse: 'access' },
      userIdClaim: 'username',
      contextClaims: ['tenant'],
      tokenSource: { kind: 'protocol' },
    });
  });

  test('a missing setting fails the cold start, naming it', () => {
    expect(() => readAuthorizerConfig({ JWT_ISSUER: 'https://i', JWT_JWKS_URI: 'https://i/jwks' })).toThrow('environment variable JWT_AUDIENCE is required and was not set');
  });
});
