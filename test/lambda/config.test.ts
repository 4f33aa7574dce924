import { ConfigError, readConfig } from '../../lambda/config';
import { DEFAULTS, ENV } from '../../src/shared/constants';

const minimal = { [ENV.TABLE_NAME]: 'connections', [ENV.CALLBACK_URL]: 'http://127.0.0.1:3001/local/' };

describe('readConfig', () => {
  test('GIVEN only the required variables THEN defaults apply and the URL loses its trailing slash', () => {
    expect(readConfig(minimal)).toEqual({
      tableName: 'connections',
      callbackUrl: 'http://127.0.0.1:3001/local',
      userIdAttribute: DEFAULTS.USER_ID_ATTRIBUTE,
      connectionIdAttribute: DEFAULTS.CONNECTION_ID_ATTRIBUTE,
      ttlAttribute: DEFAULTS.TTL_ATTRIBUTE,
      maxInFlight: DEFAULTS.MAX_IN_FLIGHT,
      maxAttempts: DEFAULTS.MAX_ATTEMPTS,
      scanSegments: DEFAULTS.SCAN_SEGMENTS,
      maxQueriesInFlight: DEFAULTS.MAX_QUERIES_IN_FLIGHT,
      retryBaseDelayMs: DEFAULTS.RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: DEFAULTS.RETRY_MAX_DELAY_MS,
    });
  });

  test('GIVEN an empty TTL attribute THEN rows never expire', () => {
    expect(readConfig({ ...minimal, [ENV.TTL_ATTRIBUTE]: '' }).ttlAttribute).toBeUndefined();
  });

  test.each([
    [{ [ENV.CALLBACK_URL]: 'http://x' }, /CONNECTIONS_TABLE_NAME is required/],
    [{ [ENV.TABLE_NAME]: 't' }, /CALLBACK_URL is required/],
    [{ ...minimal, [ENV.CALLBACK_URL]: 'api.example.com/prod' }, /CALLBACK_URL must be an http\(s\) URL/],
    [{ ...minimal, [ENV.MAX_IN_FLIGHT]: '0' }, /MAX_IN_FLIGHT must be an integer from 1/],
    [{ ...minimal, [ENV.MAX_ATTEMPTS]: 'five' }, /MAX_ATTEMPTS must be an integer/],
    [{ ...minimal, [ENV.SCAN_SEGMENTS]: '2.5' }, /SCAN_SEGMENTS must be an integer/],
  ])('GIVEN %j THEN a ConfigError names the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});
