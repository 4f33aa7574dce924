import { ConfigError, readConfig, readRegion } from '../../../lambda/adapters/config';
import { MessageFormat } from '../../../src/message-format';
import { CHANNEL_SHARDS, CHANNELS_ENV } from '../../../src/shared/channels';
import { DEFAULTS, ENV } from '../../../src/shared/constants';

const minimal = { [ENV.TABLE_NAME]: 'connections', [ENV.CALLBACK_URL]: 'http://127.0.0.1:3001/local/' };

describe('readConfig', () => {
  test('only the required variables: defaults apply, the URL loses its trailing slash', () => {
    // WHEN / THEN only the required variables are set
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
      disconnectEnabled: false,
      channelPresence: false,
      messageFormat: 'data',
      retryBaseDelayMs: DEFAULTS.RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: DEFAULTS.RETRY_MAX_DELAY_MS,
    });
  });

  test('CHANNEL_PRESENCE=true: a disconnect request marks the rows it closes (with DISCONNECT_ENABLED)', () => {
    expect(readConfig({ ...minimal, CHANNEL_PRESENCE: 'true', [ENV.DISCONNECT_ENABLED]: 'true' })).toMatchObject({ channelPresence: true, disconnectEnabled: true });
    expect(readConfig({ ...minimal, CHANNEL_PRESENCE: 'yes' }).channelPresence).toBe(false);
  });

  test('MESSAGE_FORMAT=envelope: connections receive the envelope', () => {
    expect(readConfig({ ...minimal, [ENV.MESSAGE_FORMAT]: 'envelope' }).messageFormat).toBe('envelope');
  });

  test.each(Object.values(MessageFormat))('the construct\'s MessageFormat.%s is a MESSAGE_FORMAT the handler reads as itself', (format) => {
    expect(readConfig({ ...minimal, [ENV.MESSAGE_FORMAT]: format }).messageFormat).toBe(format);
  });

  test('an empty TTL attribute: rows never expire', () => {
    // WHEN / THEN
    expect(readConfig({ ...minimal, [ENV.TTL_ATTRIBUTE]: '' }).ttlAttribute).toBeUndefined();
  });

  test.each([
    [{ [ENV.CALLBACK_URL]: 'http://x' }, /CONNECTIONS_TABLE_NAME is required/],
    [{ [ENV.TABLE_NAME]: 't' }, /CALLBACK_URL is required/],
    [{ ...minimal, [ENV.CALLBACK_URL]: 'api.example.com/prod' }, /CALLBACK_URL must be an http\(s\) URL/],
    [{ ...minimal, [ENV.MAX_IN_FLIGHT]: '0' }, /MAX_IN_FLIGHT must be an integer from 1/],
    [{ ...minimal, [ENV.MAX_ATTEMPTS]: 'five' }, /MAX_ATTEMPTS must be an integer/],
    [{ ...minimal, [ENV.SCAN_SEGMENTS]: '2.5' }, /SCAN_SEGMENTS must be an integer/],
    [{ ...minimal, [ENV.MESSAGE_FORMAT]: 'json' }, /MESSAGE_FORMAT must be data or envelope, got 'json'/],
  ])('%j is refused with a ConfigError naming the variable', (env, message) => {
    // WHEN / THEN
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});

describe('readConfig: segmented broadcast', () => {
  const fanoutEnv = {
    ...minimal,
    [ENV.FANOUT_THRESHOLD]: '5000',
    [ENV.WORK_QUEUE_URL]: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
    [ENV.WORK_QUEUE_ARN]: 'arn:aws:sqs:us-east-1:123456789012:work',
  };

  test('no work queue URL and no FANOUT_THRESHOLD: no work queue, whatever else is set', () => {
    // WHEN / THEN
    expect(readConfig({ ...minimal, [ENV.WORK_QUEUE_ARN]: 'x' }).work).toBeUndefined();
  });

  test('the work queue without FANOUT_THRESHOLD: follow-ups on, no split', () => {
    // WHEN
    const { work } = readConfig({ ...fanoutEnv, [ENV.FANOUT_THRESHOLD]: undefined, [ENV.WORK_DEAD_LETTER_QUEUE_URL]: 'https://sqs/dlq' });

    // THEN
    expect(work).toMatchObject({ workQueueUrl: fanoutEnv[ENV.WORK_QUEUE_URL], deadLetterQueueUrl: 'https://sqs/dlq' });
    expect(work?.split).toBeUndefined();
  });

  test('the threshold and the work queue: defaults apply, the page fits half the margin', () => {
    // WHEN / THEN the rest defaults; the page is what a worker's share of the rate sends in half the margin
    expect(readConfig(fanoutEnv).work).toEqual({
      split: { threshold: 5000, totalSegments: DEFAULTS.FANOUT_SEGMENTS },
      workQueueUrl: fanoutEnv[ENV.WORK_QUEUE_URL],
      workQueueArn: fanoutEnv[ENV.WORK_QUEUE_ARN],
      workerConcurrency: DEFAULTS.WORKER_CONCURRENCY,
      sendRatePerSecond: DEFAULTS.RATE_LIMIT_PER_SECOND,
      timeMarginMs: DEFAULTS.TIME_MARGIN_MS,
      pageSize: DEFAULTS.FANOUT_MAX_PAGE_SIZE,
      maxCarryForwardAttempts: DEFAULTS.FANOUT_MAX_ATTEMPTS,
    });
    // 100/s over 10 workers = 10/s; half of a 4 s margin = 2 s: 20 rows
    expect(readConfig({ ...fanoutEnv, [ENV.RATE_LIMIT_PER_SECOND]: '100', [ENV.WORKER_CONCURRENCY]: '10', [ENV.TIME_MARGIN_MS]: '4000' })
      .work?.pageSize).toBe(20);
    expect(readConfig({ ...fanoutEnv, [ENV.FANOUT_THRESHOLD]: '0', [ENV.FANOUT_PAGE_SIZE]: '7' }).work).toMatchObject({ split: { threshold: 0 }, pageSize: 7 });
  });

  test.each([
    [{ ...fanoutEnv, [ENV.WORK_QUEUE_URL]: '' }, /WORK_QUEUE_URL is required/],
    [{ ...fanoutEnv, [ENV.WORK_QUEUE_ARN]: undefined }, /WORK_QUEUE_ARN is required/],
    [{ ...fanoutEnv, [ENV.WORK_QUEUE_ARN]: 'work' }, /WORK_QUEUE_ARN must be an SQS queue ARN/],
    [{ ...fanoutEnv, [ENV.FANOUT_THRESHOLD]: '-1' }, /FANOUT_THRESHOLD must be an integer from 0/],
    [{ ...fanoutEnv, [ENV.RATE_LIMIT_PER_SECOND]: '0' }, /RATE_LIMIT_PER_SECOND must be an integer from 1/],
    [{ ...fanoutEnv, [ENV.FANOUT_MAX_ATTEMPTS]: '21' }, /FANOUT_MAX_ATTEMPTS must be an integer from 1 to 20/],
  ])('%j is refused with a ConfigError naming the variable', (env, message) => {
    // WHEN / THEN
    expect(() => readConfig(env)).toThrow(message);
  });
});

describe('readConfig: channels', () => {
  const channelsEnv = { ...minimal, [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions' };

  test('SUBSCRIPTIONS_TABLE_NAME turns channels on, with the default shards; CHANNEL_SHARDS as the channels function has it', () => {
    // WHEN / THEN
    expect(readConfig(channelsEnv).channels).toEqual({ tableName: 'subscriptions', shards: CHANNEL_SHARDS.DEFAULT });
    expect(readConfig({ ...channelsEnv, [CHANNELS_ENV.CHANNEL_SHARDS]: '16' }).channels).toEqual({ tableName: 'subscriptions', shards: 16 });
    expect(readConfig({ ...channelsEnv, [CHANNELS_ENV.CHANNEL_SHARDS]: ` ${CHANNEL_SHARDS.MAX} ` }).channels?.shards).toBe(100);
  });

  test.each([[undefined], [''], ['   ']])('no table name (%j): no channels, whatever CHANNEL_SHARDS says', (tableName) => {
    expect(readConfig({ ...minimal, [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: tableName, [CHANNELS_ENV.CHANNEL_SHARDS]: '0' }).channels).toBeUndefined();
  });

  test.each(['0', '101', '-1', '2.5', 'four', '1e9'])('CHANNEL_SHARDS=%s is refused with a ConfigError naming it', (shards) => {
    // WHEN / THEN
    const env = { ...channelsEnv, [CHANNELS_ENV.CHANNEL_SHARDS]: shards };
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(`environment variable CHANNEL_SHARDS must be an integer from 1 to 100, got '${shards}'`);
  });
});

describe('readRegion', () => {
  test('AWS_REGION is the Region requests are signed for; AWS_DEFAULT_REGION the fallback', () => {
    // WHEN / THEN AWS_REGION is set, as Lambda sets it
    expect(readRegion({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(readRegion({ AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1');
  });

  test('no Region: a ConfigError names AWS_REGION', () => {
    // WHEN / THEN
    expect(() => readRegion({})).toThrow(/AWS_REGION is required/);
  });
});
