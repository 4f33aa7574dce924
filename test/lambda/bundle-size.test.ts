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
  // The default chain's profile, SSO, process and web-identity sources are not (each was, before the alias).
  for (const text of ['AWS_PROFILE is set, skipping fromEnv provider', 'sso_start_url', 'credential_process', 'web_identity_token_file']) {
    expect(code).not.toContain(text);
  }
  // The environment's keys are still read
  expect(code).toContain('AWS_SECRET_ACCESS_KEY');
});
