import { authorizerContext, describeSource, identityOf, parseUserIdSource } from '../../../lambda/channels/core/identity';

describe('parseUserIdSource', () => {
  test.each([
    ['iam', { kind: 'iam' }],
    ['connection', { kind: 'connection' }],
    ['authorizer:principalId', { kind: 'authorizer', key: 'principalId' }],
    ['authorizer:sub', { kind: 'authorizer', key: 'sub' }],
    ['authorizer:a:b', { kind: 'authorizer', key: 'a:b' }],
  ])('%s', (value, source) => {
    expect(parseUserIdSource(value)).toEqual(source);
  });

  test.each(['', 'authorizer', 'authorizer:', 'jwt', 'IAM', 'header:x'])('%j is none', (value) => {
    expect(parseUserIdSource(value)).toBeUndefined();
  });
});

describe('authorizerContext', () => {
  test('keeps the string values, principalId included; drops the others', () => {
    expect({ ...authorizerContext({ authorizer: { principalId: 'u1', tenant: 'acme', integrationLatency: 12, flag: true, none: null } }) })
      .toEqual({ principalId: 'u1', tenant: 'acme' });
  });

  test('no authorizer, or one that is not an object: an empty context', () => {
    for (const authorizer of [undefined, null, 'u1', 7]) expect({ ...authorizerContext({ authorizer }) }).toEqual({});
  });

  test('no key resolves to what the authorizer did not set', () => {
    const context = authorizerContext({ authorizer: JSON.parse('{"principalId":"u1","__proto__":"x"}') });
    expect(context.constructor).toBeUndefined();
    expect(context.toString).toBeUndefined();
    expect(context.__proto__).toBe('x');
  });
});

describe('identityOf', () => {
  const requestContext = { connectionId: 'c1', authorizer: { principalId: 'u1', sub: 's-9', empty: '', n: 3 }, identity: { userArn: 'arn:aws:iam::123456789012:user/ann' } };

  test.each([
    [{ kind: 'authorizer', key: 'principalId' } as const, 'u1'],
    [{ kind: 'authorizer', key: 'sub' } as const, 's-9'],
    [{ kind: 'iam' } as const, 'arn:aws:iam::123456789012:user/ann'],
    [{ kind: 'connection' } as const, 'c1'],
  ])('%j', (source, userId) => {
    const identity = identityOf(requestContext, source);
    expect(identity?.userId).toBe(userId);
    expect({ ...identity?.context }).toEqual({ principalId: 'u1', sub: 's-9', empty: '' });
  });

  test.each([
    ['a missing key', { kind: 'authorizer', key: 'tenant' } as const, requestContext],
    ['an empty value', { kind: 'authorizer', key: 'empty' } as const, requestContext],
    ['a number', { kind: 'authorizer', key: 'n' } as const, requestContext],
    ['no authorizer', { kind: 'authorizer', key: 'principalId' } as const, { connectionId: 'c1' }],
    ['no IAM caller', { kind: 'iam' } as const, { connectionId: 'c1', identity: { userArn: null } }],
    ['no identity', { kind: 'iam' } as const, { connectionId: 'c1', identity: null }],
  ])('%s: no identity', (_, source, context) => {
    expect(identityOf(context, source)).toBeUndefined();
  });

  test('describeSource names where the user id was looked for', () => {
    expect(describeSource({ kind: 'authorizer', key: 'sub' })).toBe('requestContext.authorizer.sub');
    expect(describeSource({ kind: 'iam' })).toBe('requestContext.identity.userArn');
    expect(describeSource({ kind: 'connection' })).toBe('requestContext.connectionId');
  });
});
