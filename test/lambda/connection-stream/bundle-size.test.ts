import { readFileSync, statSync } from 'fs';
import * as path from 'path';

/**
 * The connection stream function's bundle: the DynamoDB, EventBridge and SQS clients and Powertools' logger and metrics,
 * minified. 251 KB with DynamoDB alone; lifecycle events and presence (issue 25) need PutEvents and SendMessage: 315 KB.
 * The budget was 300,000; it is 350,000 now, still under the pusher's 500,000.
 */
const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'lambda', 'connection-stream.lambda', 'index.js');
const BUDGET_BYTES = 350_000;

test(`the connection stream function's bundle is at most ${BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const { size } = statSync(BUNDLE);
  expect(size).toBeGreaterThan(50_000); // a real bundle, not the stub
  expect(size).toBeLessThanOrEqual(BUDGET_BYTES);
});

test('it carries Lambda\'s credential sources in place of the SDK\'s whole default chain', () => {
  const code = readFileSync(BUNDLE, 'utf8');
  for (const text of ['sso_start_url', 'credential_process', 'web_identity_token_file']) expect(code).not.toContain(text);
  expect(code).toContain('AWS_SECRET_ACCESS_KEY');
});
