import { readFileSync, statSync } from 'fs';
import * as path from 'path';

/** Issue 16: the handler's bundle is minified and at most 500 KB (a size budget, not a timing). */
export const BUNDLE_BUDGET_BYTES = 500_000;

test(`the pusher's bundle is at most ${BUNDLE_BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const bundle = path.join(__dirname, '..', '..', 'assets', 'lambda', 'pusher.lambda', 'index.js');
  const { size } = statSync(bundle);
  expect(size).toBeGreaterThan(50_000); // a real bundle, not an empty file
  expect(size).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
});

test('the bundle carries Lambda\'s credential sources in place of the SDK\'s whole default chain', () => {
  const code = readFileSync(path.join(__dirname, '..', '..', 'assets', 'lambda', 'pusher.lambda', 'index.js'), 'utf8');
  // The container endpoint (lambda-credentials.ts) is there; the default chain's profile handling is not.
  expect(code).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
  expect(code).not.toContain('AWS_PROFILE is set, skipping fromEnv provider');
});
