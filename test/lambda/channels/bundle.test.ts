import { statSync } from 'fs';
import * as path from 'path';
import { messageEvent } from './support';
import { CHANNELS_ENV } from '../../../src/shared/channels';
import { captureLogLines } from '../support/log-lines';

/** The channels function's bundle: minified, the SDK's DynamoDB and Lambda clients and Powertools logger and metrics. */
export const CHANNELS_BUNDLE_BUDGET_BYTES = 400_000;
const bundle = path.join(__dirname, '..', '..', '..', 'assets', 'lambda', 'channels.lambda', 'index.js');

test(`the channels bundle is at most ${CHANNELS_BUNDLE_BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const { size } = statSync(bundle);
  expect(size).toBeGreaterThan(50_000); // a real bundle, not the stub
  expect(size).toBeLessThanOrEqual(CHANNELS_BUNDLE_BUDGET_BYTES);
});

test('the bundle answers a frame it can judge without AWS', async () => {
  // GIVEN the bundled handler, configured as the construct configures it
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
    [CHANNELS_ENV.CHANNEL_RULES]: '[{"pattern":"public/*","kind":"allow"}]',
    [CHANNELS_ENV.USER_ID_SOURCE]: 'authorizer:principalId',
    [CHANNELS_ENV.CONNECTION_TTL_SECONDS]: '7200',
  });
  const lines = captureLogLines();
  const { handler } = jest.requireActual(bundle) as { handler: (event: unknown) => Promise<{ statusCode: number; body: string }> };

  // WHEN a client sends frames refused before any AWS call
  const forbidden = await handler(messageEvent({ action: 'subscribe', channel: 'secret/x', ref: 'b' }));
  const invalid = await handler(messageEvent('{"action":"subscribe","channel":"public/\\u0000"}'));
  jest.restoreAllMocks();

  // THEN
  expect(forbidden).toEqual({ statusCode: 200, body: expect.any(String) });
  expect(JSON.parse(forbidden.body)).toMatchObject({ type: 'error', action: 'subscribe', channel: 'secret/x', code: 'FORBIDDEN', ref: 'b' });
  expect(JSON.parse(invalid.body)).toMatchObject({ type: 'error', action: 'subscribe', code: 'INVALID_CHANNEL' });
  expect(lines.filter((l) => l.message === 'frame handled').map((l) => l.code)).toEqual(['FORBIDDEN', 'INVALID_CHANNEL']);
  expect(lines.filter((l) => l._aws).map((l) => [l.RefusedForbidden, l.RefusedInvalidChannel])).toEqual([[1, 0], [0, 1]]);
});
