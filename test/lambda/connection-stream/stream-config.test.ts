import { readStreamConfig } from '../../../lambda/connection-stream/adapters/stream-config';
import { handler } from '../../../lambda/connection-stream.lambda';
import { captureLogLines } from '../support/log-lines';

test('the subscriptions table is required; the connection id attribute and retry delays have defaults', () => {
  expect(() => readStreamConfig({})).toThrow('connection stream configuration error: environment variable SUBSCRIPTIONS_TABLE_NAME is required and was not set');
  expect(readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs' })).toEqual({
    subscriptionsTableName: 'subs',
    connectionIdAttribute: 'connection_id',
    unprocessedRetry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 2_000 },
  });
  expect(readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs', CONNECTION_ID_ATTRIBUTE: 'cid', RETRY_BASE_DELAY_MS: '5' })).toMatchObject({
    connectionIdAttribute: 'cid', unprocessedRetry: { baseDelayMs: 5 },
  });
  expect(() => readStreamConfig({ SUBSCRIPTIONS_TABLE_NAME: 'subs', RETRY_MAX_DELAY_MS: 'soon' })).toThrow("RETRY_MAX_DELAY_MS must be an integer from 0 to 60000, got 'soon'");
});

test('the handler fails the whole batch on a configuration error (Lambda retries it, then keeps it)', async () => {
  // GIVEN no subscriptions table (the handler reads its configuration on its first invocation)
  delete process.env.SUBSCRIPTIONS_TABLE_NAME;
  const lines = captureLogLines();
  await expect(handler({ Records: [] }, {} as never)).rejects.toThrow('SUBSCRIPTIONS_TABLE_NAME is required');
  expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('SUBSCRIPTIONS_TABLE_NAME is required') }));
  jest.restoreAllMocks();
});
