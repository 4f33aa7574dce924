import { readStreamConfig } from '../../../lambda/connection-stream/adapters/stream-config';
import { handler } from '../../../lambda/connection-stream.lambda';
import { captureLogLines } from '../support/log-lines';

const PRESENCE = {
  EVENT_BUS_NAME: 'app-bus',
  PRESENCE_TABLE_NAME: 'presence',
  PRESENCE_CHECK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/checks',
  PRESENCE_CHECK_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:checks',
  CONNECTIONS_TABLE_NAME: 'connections',
};

test('the cleanup alone: the subscriptions table; the attributes and retry delays have defaults', () => {
  expect(readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs' })).toEqual({
    connectionIdAttribute: 'connection_id',
    userIdAttribute: 'user_id',
    cleanup: { subscriptionsTableName: 'subs', unprocessedRetry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 2_000 } },
  });
  expect(readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs', CONNECTION_ID_ATTRIBUTE: 'cid', USER_ID_ATTRIBUTE: 'uid', RETRY_BASE_DELAY_MS: '5' })).toMatchObject({
    connectionIdAttribute: 'cid', userIdAttribute: 'uid', cleanup: { unprocessedRetry: { baseDelayMs: 5 } },
  });
  expect(() => readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs', RETRY_MAX_DELAY_MS: 'soon' })).toThrow("RETRY_MAX_DELAY_MS must be an integer from 0 to 60000, got 'soon'");
});

test('neither the cleanup nor presence: an error naming both variables', () => {
  expect(() => readStreamConfig({})).toThrow(
    'connection stream configuration error: set environment variable SUBSCRIPTIONS_TABLE_NAME (the subscription cleanup) or EVENT_BUS_NAME (lifecycle events and presence), or both: neither was set');
});

test('presence alone, with its defaults: 30 s grace, no context attributes, the TTL attribute expires_at', () => {
  expect(readStreamConfig(PRESENCE)).toEqual({
    connectionIdAttribute: 'connection_id',
    userIdAttribute: 'user_id',
    presence: {
      eventBusName: 'app-bus',
      presenceTableName: 'presence',
      checkQueueUrl: PRESENCE.PRESENCE_CHECK_QUEUE_URL,
      checkQueueArn: PRESENCE.PRESENCE_CHECK_QUEUE_ARN,
      graceSeconds: 30,
      contextAttributes: [],
      connectionsTableName: 'connections',
      ttlAttribute: 'expires_at',
    },
  });
  const both = readStreamConfig({ ...PRESENCE, SUBSCRIPTIONS_TABLE_NAME: 'subs', OFFLINE_GRACE_SECONDS: '0', CONTEXT_ATTRIBUTES: '["tenant","role","tenant"]', TTL_ATTRIBUTE: '' });
  expect(both.cleanup).toBeDefined();
  expect(both.presence).toMatchObject({ graceSeconds: 0, contextAttributes: ['tenant', 'role'] });
  expect(both.presence).not.toHaveProperty('ttlAttribute');
});

test.each([
  ['PRESENCE_TABLE_NAME', undefined, 'environment variable PRESENCE_TABLE_NAME is required when EVENT_BUS_NAME is set and was not set'],
  ['PRESENCE_CHECK_QUEUE_URL', undefined, 'PRESENCE_CHECK_QUEUE_URL is required when EVENT_BUS_NAME is set'],
  ['PRESENCE_CHECK_QUEUE_URL', 'checks', "PRESENCE_CHECK_QUEUE_URL must be an http(s) URL, got 'checks'"],
  ['PRESENCE_CHECK_QUEUE_ARN', undefined, 'PRESENCE_CHECK_QUEUE_ARN is required when EVENT_BUS_NAME is set'],
  ['PRESENCE_CHECK_QUEUE_ARN', 'arn:aws:sns:us-east-1:1:topic', 'PRESENCE_CHECK_QUEUE_ARN must be an SQS queue ARN'],
  ['CONNECTIONS_TABLE_NAME', undefined, 'CONNECTIONS_TABLE_NAME is required when EVENT_BUS_NAME is set'],
  ['OFFLINE_GRACE_SECONDS', '901', "OFFLINE_GRACE_SECONDS must be an integer from 0 to 900, got '901'"],
  ['OFFLINE_GRACE_SECONDS', '1.5', 'OFFLINE_GRACE_SECONDS must be an integer from 0 to 900'],
  ['CONTEXT_ATTRIBUTES', 'tenant', "CONTEXT_ATTRIBUTES must be a JSON array of attribute names, got 'tenant'"],
  ['CONTEXT_ATTRIBUTES', '["ok","not ok"]', 'CONTEXT_ATTRIBUTES must be a JSON array of attribute names ('],
  ['CONTEXT_ATTRIBUTES', '{"a":1}', 'CONTEXT_ATTRIBUTES must be a JSON array of attribute names ('],
])('presence with %s = %s: a configuration error naming it', (name, value, message) => {
  const env: Record<string, string | undefined> = { ...PRESENCE, [name]: value };
  expect(() => readStreamConfig(env)).toThrow(message);
});

describe('CHANNEL_PRESENCE', () => {
  const WORK = 'https://sqs.us-east-1.amazonaws.com/123456789012/pusher-work';
  const on = { ...PRESENCE, SUBSCRIPTIONS_TABLE_NAME: 'subs', CHANNEL_PRESENCE: 'true', WORK_QUEUE_URL: WORK };

  test('true, with the cleanup and presence: the work queue and the shards (default 1)', () => {
    expect(readStreamConfig(on).channelPresence).toEqual({ workQueueUrl: WORK, shards: 1 });
    expect(readStreamConfig({ ...on, CHANNEL_SHARDS: '8' }).channelPresence).toEqual({ workQueueUrl: WORK, shards: 8 });
  });

  test.each([[undefined], [''], ['false']])('%j: off', (value) => {
    expect(readStreamConfig({ ...on, CHANNEL_PRESENCE: value })).not.toHaveProperty('channelPresence');
  });

  test.each([
    [{ CHANNEL_PRESENCE: 'yes' }, "environment variable CHANNEL_PRESENCE must be true or false, got 'yes'"],
    [{ SUBSCRIPTIONS_TABLE_NAME: undefined }, 'CHANNEL_PRESENCE needs SUBSCRIPTIONS_TABLE_NAME and EVENT_BUS_NAME set'],
    [{ WORK_QUEUE_URL: ' ' }, 'environment variable WORK_QUEUE_URL is required with CHANNEL_PRESENCE and was not set'],
    [{ CHANNEL_SHARDS: '101' }, "CHANNEL_SHARDS must be an integer from 1 to 100, got '101'"],
  ])('%j: a configuration error', (overrides, message) => {
    expect(() => readStreamConfig({ ...on, ...overrides })).toThrow(message);
  });

  test('without presence (no bus): a configuration error', () => {
    expect(() => readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs', CHANNEL_PRESENCE: 'true', WORK_QUEUE_URL: WORK }))
      .toThrow('CHANNEL_PRESENCE needs SUBSCRIPTIONS_TABLE_NAME and EVENT_BUS_NAME set');
  });
});

test('the handler fails the whole batch on a configuration error (Lambda retries it, then keeps it)', async () => {
  // GIVEN neither a subscriptions table nor a bus (the handler reads its configuration on its first invocation)
  delete process.env.SUBSCRIPTIONS_TABLE_NAME;
  delete process.env.EVENT_BUS_NAME;
  const lines = captureLogLines();
  await expect(handler({ Records: [] }, {} as never)).rejects.toThrow('SUBSCRIPTIONS_TABLE_NAME (the subscription cleanup) or EVENT_BUS_NAME');
  expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('neither was set') }));
  jest.restoreAllMocks();
});
