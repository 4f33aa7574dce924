import { ChannelsConfigError, parseRules, readChannelsConfig } from '../../../lambda/channels/core/config';
import { CHANNELS_ENV } from '../../../src/shared/channels';

const HOOK = 'arn:aws:lambda:us-east-1:123456789012:function:access';
const env = (overrides: Record<string, string | undefined> = {}) => ({
  [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
  [CHANNELS_ENV.CHANNEL_SHARDS]: '8',
  [CHANNELS_ENV.CHANNEL_RULES]: JSON.stringify([{ pattern: 'room/*', kind: 'hook', hook: HOOK }, { pattern: 'public', kind: 'allow' }]),
  [CHANNELS_ENV.MAX_SUBSCRIPTIONS]: '20',
  [CHANNELS_ENV.USER_ID_SOURCE]: 'authorizer:principalId',
  [CHANNELS_ENV.CONNECTION_TTL_SECONDS]: '7200',
  ...overrides,
});

test('reads every setting', () => {
  expect(readChannelsConfig(env())).toEqual({
    tableName: 'subscriptions',
    shards: 8,
    rules: [{ pattern: 'room/*', kind: 'hook', hook: HOOK }, { pattern: 'public', kind: 'allow' }],
    maxSubscriptions: 20,
    userIdSource: { kind: 'authorizer', key: 'principalId' },
    connectionTtlSeconds: 7200,
  });
});

test('shards and the subscription limit have defaults', () => {
  const config = readChannelsConfig(env({ [CHANNELS_ENV.CHANNEL_SHARDS]: undefined, [CHANNELS_ENV.MAX_SUBSCRIPTIONS]: ' ' }));
  expect(config).toMatchObject({ shards: 1, maxSubscriptions: 50 });
});

test.each([
  [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME, undefined, 'environment variable SUBSCRIPTIONS_TABLE_NAME is required and was not set'],
  [CHANNELS_ENV.CHANNEL_RULES, '', 'environment variable CHANNEL_RULES is required and was not set'],
  [CHANNELS_ENV.USER_ID_SOURCE, undefined, 'environment variable USER_ID_SOURCE is required and was not set'],
  [CHANNELS_ENV.USER_ID_SOURCE, 'jwt', "environment variable USER_ID_SOURCE must be authorizer:<key>, iam or connection, got 'jwt'"],
  [CHANNELS_ENV.CONNECTION_TTL_SECONDS, undefined, "environment variable CONNECTION_TTL_SECONDS must be an integer from 1 to 315360000, got ''"],
  [CHANNELS_ENV.CONNECTION_TTL_SECONDS, '1.5', "environment variable CONNECTION_TTL_SECONDS must be an integer from 1 to 315360000, got '1.5'"],
  [CHANNELS_ENV.CHANNEL_SHARDS, '0', "environment variable CHANNEL_SHARDS must be an integer from 1 to 100, got '0'"],
  [CHANNELS_ENV.CHANNEL_SHARDS, '101', "environment variable CHANNEL_SHARDS must be an integer from 1 to 100, got '101'"],
  [CHANNELS_ENV.MAX_SUBSCRIPTIONS, 'many', "environment variable MAX_SUBSCRIPTIONS must be an integer from 1 to 1000, got 'many'"],
])('%s=%j fails with a clear error', (name, value, message) => {
  expect(() => readChannelsConfig(env({ [name]: value }))).toThrow(new ChannelsConfigError(message));
  expect(() => readChannelsConfig(env({ [name]: value }))).toThrow(`channels configuration error: ${message}`);
});

describe('parseRules', () => {
  test.each([
    ['{', /^channels configuration error: environment variable CHANNEL_RULES is not JSON \(/],
    ['{"pattern":"a","kind":"allow"}', /CHANNEL_RULES must be a JSON array of rules$/],
    ['["a"]', /CHANNEL_RULES: rule 1: not an object$/],
    ['[null]', /CHANNEL_RULES: rule 1: not an object$/],
    ['[{"kind":"allow"}]', /rule 1: pattern must be a string$/],
    ['[{"pattern":"a","kind":"allow"},{"pattern":"a//b","kind":"allow"}]', /rule 2: pattern 'a\/\/b': '' is neither a segment/],
    ['[{"pattern":"a/{user}","kind":"allow"}]', /rule 1: pattern 'a\/{user}': '{user}' is neither/],
    ['[{"pattern":"1/2/3/4/5/6/7/8/9","kind":"allow"}]', /rule 1: pattern '1\/2\/3\/4\/5\/6\/7\/8\/9': more than 8 segments$/],
    ['[{"pattern":"a","kind":"deny"}]', /rule 1: kind must be allow or hook, got "deny"$/],
    ['[{"pattern":"a"}]', /rule 1: kind must be allow or hook, got undefined$/],
    ['[{"pattern":"a","kind":"hook"}]', /rule 1: hook must be a Lambda function ARN, got undefined$/],
    ['[{"pattern":"a","kind":"hook","hook":"my-function"}]', /rule 1: hook must be a Lambda function ARN, got "my-function"$/],
    [`[{"pattern":"a","kind":"allow","hook":"${HOOK}"}]`, /rule 1: an allow rule has no hook$/],
  ])('%s', (text, message) => {
    expect(() => parseRules(text)).toThrow(message);
  });

  test('placeholders, wildcards, qualified ARNs; fields for later features are kept', () => {
    const rules = [
      { pattern: 'inbox/{userId}', kind: 'allow' },
      { pattern: 't/{context.tenant}/*', kind: 'allow', presence: true },
      { pattern: 'room/*', kind: 'hook', hook: `${HOOK}:live` },
      { pattern: 'cn/*', kind: 'hook', hook: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:x:$LATEST' },
    ];
    expect(parseRules(JSON.stringify(rules))).toEqual(rules);
    expect(parseRules('[]')).toEqual([]);
  });
});

describe('channel presence settings', () => {
  const WORK = 'https://sqs.us-east-1.amazonaws.com/123456789012/pusher-work';
  const presenceRules = JSON.stringify([{ pattern: 'lobby/*', kind: 'allow', presence: true }, { pattern: 'public', kind: 'allow' }]);
  const withPresence = (overrides: Record<string, string | undefined> = {}) => env({
    [CHANNELS_ENV.CHANNEL_RULES]: presenceRules,
    PRESENCE_TABLE_NAME: 'presence',
    WORK_QUEUE_URL: WORK,
    CONNECTIONS_TABLE_NAME: 'connections',
    ...overrides,
  });

  test('no rule turns presence on: none of its variables is needed, and none is read', () => {
    expect(readChannelsConfig(env({ PRESENCE_TABLE_NAME: 'presence' }))).not.toHaveProperty('presence');
    const off = JSON.stringify([{ pattern: 'lobby/*', kind: 'allow', presence: false }]);
    expect(readChannelsConfig(env({ [CHANNELS_ENV.CHANNEL_RULES]: off }))).not.toHaveProperty('presence');
  });

  test('a presence rule: the presence table, the work queue, the connections table, the attributes with their defaults', () => {
    expect(readChannelsConfig(withPresence()).presence).toEqual({
      presenceTableName: 'presence',
      workQueueUrl: WORK,
      connectionsTableName: 'connections',
      userIdAttribute: 'user_id',
      connectionIdAttribute: 'connection_id',
      ttlAttribute: 'expires_at',
    });
    expect(readChannelsConfig(withPresence({ USER_ID_ATTRIBUTE: 'uid', CONNECTION_ID_ATTRIBUTE: 'cid', TTL_ATTRIBUTE: 'ttl' })).presence)
      .toMatchObject({ userIdAttribute: 'uid', connectionIdAttribute: 'cid', ttlAttribute: 'ttl' });
    expect(readChannelsConfig(withPresence({ TTL_ATTRIBUTE: '' })).presence).not.toHaveProperty('ttlAttribute');
  });

  test.each(['PRESENCE_TABLE_NAME', 'WORK_QUEUE_URL', 'CONNECTIONS_TABLE_NAME'])('a presence rule without %s: an error naming it', (name) => {
    expect(() => readChannelsConfig(withPresence({ [name]: undefined }))).toThrow(`environment variable ${name} is required and was not set`);
  });

  test.each([['"yes"'], ['1'], ['null']])('a rule whose presence is %s: not a boolean', (value) => {
    expect(() => parseRules(`[{"pattern":"a","kind":"allow","presence":${value}}]`)).toThrow(/rule 1: presence must be a boolean$/);
  });
});
