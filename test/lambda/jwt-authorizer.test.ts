import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { answerFor } from '../../lambda/jwt-authorizer/authorizer-answer';
import { readAuthorizerConfig, tokenOf } from '../../lambda/jwt-authorizer/authorizer-config';
import { createVerifier, keysUnavailable } from '../../lambda/jwt-authorizer/verifier';

const ARN = 'arn:aws:execute-api:eu-west-1:111111111111:abc/live/$connect';

describe('the JWT authorizer\'s answer', () => {
  test('Allow: the user id claim as principalId, the chosen claims as context (objects as JSON text)', () => {
    expect(answerFor({ sub: 'alice', tenant: 'acme', level: 3, admin: false, groups: ['a', 'b'], other: 'x' }, 'sub', ['tenant', 'level', 'admin', 'groups', 'missing'], ARN)).toEqual({
      principalId: 'alice',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ARN }] },
      context: { tenant: 'acme', level: 3, admin: false, groups: '["a","b"]' },
    });
  });

  test.each([[{}], [{ sub: '' }], [{ sub: 42 }], [{ sub: 'é'.repeat(513) }]])('a verified token whose user id claim is absent, not a string or over 1,024 bytes (%j) is denied', (claims) => {
    const answer = answerFor(claims, 'sub', ['tenant'], ARN);
    expect(answer.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ARN }]);
    expect(answer.context).toBeUndefined();
  });
});

test('a user id of exactly 1,024 bytes is allowed (DynamoDB\'s sort key limit, which the presence table has)', () => {
  expect(answerFor({ sub: 'é'.repeat(512) }, 'sub', [], ARN).policyDocument.Statement[0].Effect).toBe('Allow');
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

describe('the verifier for a Cognito user pool (aws-jwt-verify, the pool\'s JWKS cached as Cognito serves it)', () => {
  const POOL = 'eu-west-1_Abc123';
  const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;
  let key: KeyLike;
  let jwk: JWK;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'cognito-1', alg: 'RS256', use: 'sig' };
  });

  /** A Cognito-shaped token: an access token names its app client in client_id, an id token in aud. */
  const cognitoToken = (tokenUse: 'access' | 'id', client: string, issuer = ISSUER) =>
    new SignJWT({ sub: 'u-1', token_use: tokenUse, ...(tokenUse === 'access' ? { client_id: client } : { aud: client }), username: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: 'cognito-1' }).setIssuer(issuer).setIssuedAt().setExpirationTime('5m').sign(key);

  const verifier = (tokenUse: 'access' | 'id') => {
    const v = createVerifier({ kind: 'cognito', userPoolId: POOL, clientIds: ['c1', 'c2'], tokenUse });
    v.cacheJwks({ keys: [jwk] });
    return v;
  };

  test('an access token of an accepted app client is verified, with its claims', async () => {
    await expect(verifier('access').verify(await cognitoToken('access', 'c2'))).resolves.toMatchObject({ sub: 'u-1', username: 'alice', client_id: 'c2' });
  });

  test('an id token, when id tokens are accepted', async () => {
    await expect(verifier('id').verify(await cognitoToken('id', 'c1'))).resolves.toMatchObject({ sub: 'u-1', aud: 'c1' });
  });

  test.each([
    ['an id token where access tokens are accepted', 'access', () => cognitoToken('id', 'c1'), 'CognitoJwtInvalidTokenUseError'],
    ['an access token where id tokens are accepted', 'id', () => cognitoToken('access', 'c1'), 'CognitoJwtInvalidTokenUseError'],
    ['another app client\'s token', 'access', () => cognitoToken('access', 'c3'), 'CognitoJwtInvalidClientIdError'],
    ['another pool\'s token (no verifier for its issuer)', 'access', () => cognitoToken('access', 'c1', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other'), 'ParameterValidationError'],
  ] as const)('%s is refused, and not as unavailable keys', async (_, tokenUse, make, refusal) => {
    const error = await verifier(tokenUse).verify(await make()).then(() => undefined, (e: unknown) => e);
    expect((error as Error).constructor.name).toBe(refusal);
    expect(keysUnavailable(error)).toBe(false);
  });
});
