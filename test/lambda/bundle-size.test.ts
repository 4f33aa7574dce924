import { statSync } from 'fs';
import * as path from 'path';

/** Issue 16: the handler's bundle is minified and at most 500 KB (a size budget, not a timing). */
export const BUNDLE_BUDGET_BYTES = 500_000;

test(`the pusher's bundle is at most ${BUNDLE_BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const bundle = path.join(__dirname, '..', '..', 'assets', 'lambda', 'pusher.lambda', 'index.js');
  const { size } = statSync(bundle);
  expect(size).toBeGreaterThan(50_000); // a real bundle, not an empty file
  expect(size).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
});
