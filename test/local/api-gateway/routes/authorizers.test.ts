import { hasIdentitySources, lambdaAuthorizerVerdict, tokenIsUserId } from '../../../../local/api-gateway/routes/authorizers';
import { FunctionError } from '../../../../local/function-error';

const policy = (...effects: string[]) => ({ Version: '2012-10-17', Statement: effects.map((Effect) => ({ Action: 'execute-api:Invoke', Effect, Resource: '*' })) });

describe('lambdaAuthorizerVerdict: what API Gateway makes of a Lambda REQUEST authorizer', () => {
  test('Allow: the principal and the context', async () => {
    await expect(lambdaAuthorizerVerdict(async () => ({ principalId: 'alice', context: { tenant: 'acme' }, policyDocument: policy('Allow') })))
      .resolves.toEqual({ principalId: 'alice', context: { tenant: 'acme' } });
  });

  test.each([
    ['an explicit Deny', policy('Deny')],
    ['a Deny beside an Allow', policy('Allow', 'Deny')],
    ['no Allow (an implicit deny)', policy()],
  ])('%s: 403', async (_, policyDocument) => {
    await expect(lambdaAuthorizerVerdict(async () => ({ principalId: 'x', policyDocument }))).resolves.toEqual({ deny: true });
  });

  test('a single statement object is read like a list of one', async () => {
    await expect(lambdaAuthorizerVerdict(async () => ({ principalId: 'a', policyDocument: { Statement: { Effect: 'Allow' } } })))
      .resolves.toMatchObject({ principalId: 'a' });
  });

  test('a thrown "Unauthorized": 401 (undefined)', async () => {
    await expect(lambdaAuthorizerVerdict(async () => { throw new FunctionError('Fn', 'Error', 'Unauthorized'); })).resolves.toBeUndefined();
  });

  test('any other throw, or an answer without a policy, is the authorizer\'s failure (500)', async () => {
    await expect(lambdaAuthorizerVerdict(async () => { throw new FunctionError('Fn', 'TypeError', 'x is undefined'); })).rejects.toThrow('Fn threw TypeError: x is undefined');
    await expect(lambdaAuthorizerVerdict(async () => ({ principalId: 'a' }))).rejects.toThrow('without a policyDocument');
  });
});

describe('identity sources and the token stand-in', () => {
  test('every query string and header source must be present and not empty; header names are case-insensitive', () => {
    const sources = ['route.request.querystring.token', 'route.request.header.X-Tenant'];
    expect(hasIdentitySources(sources, { query: { token: 't' }, headers: { 'x-tenant': 'acme' } })).toBe(true);
    expect(hasIdentitySources(sources, { query: { token: '' }, headers: { 'x-tenant': 'acme' } })).toBe(false);
    expect(hasIdentitySources(sources, { query: { token: 't' }, headers: {} })).toBe(false);
    expect(hasIdentitySources([], { query: {}, headers: {} })).toBe(true);
  });

  test('?token= is believed as the user id; none is refused', () => {
    expect(tokenIsUserId({ query: { token: 'alice' }, headers: {} })).toEqual({ principalId: 'alice' });
    expect(tokenIsUserId({ query: {}, headers: {} })).toBeUndefined();
  });
});
