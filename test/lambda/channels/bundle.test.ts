import { statSync } from 'fs';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import * as path from 'path';
import { messageEvent } from './support';
import { CHANNELS_ENV } from '../../../src/shared/channels';

/**
 * The channels function's bundle: minified, the SDK's DynamoDB, Lambda, SQS (channel presence's frames) and EventBridge
 * (`Subscribed` / `Unsubscribed`) clients and Powertools logger and metrics (407 KB when they were added; 373 KB before).
 */
export const CHANNELS_BUNDLE_BUDGET_BYTES = 450_000;
const bundle = path.join(__dirname, '..', '..', '..', 'assets', 'lambda', 'channels.lambda', 'index.js');

test(`the channels bundle is at most ${CHANNELS_BUNDLE_BUDGET_BYTES.toLocaleString('en-US')} bytes`, () => {
  const { size } = statSync(bundle);
  expect(size).toBeGreaterThan(50_000); // a real bundle, not the stub
  expect(size).toBeLessThanOrEqual(CHANNELS_BUNDLE_BUDGET_BYTES);
});

/**
 * Runs the bundle in a Node process of its own (the SDK's credential chain imports modules dynamically, which jest's VM
 * does not allow): answers `events` in order and prints each answer as a JSON line, after the handler's own lines.
 */
interface BundleRun {
  readonly answers: Array<{ statusCode: number; body: string }>;
  readonly lines: Array<Record<string, any>>;
}

async function runBundle(env: Record<string, string>, events: unknown[]): Promise<BundleRun> {
  const script = `const { handler } = require(${JSON.stringify(bundle)});
    (async () => { for (const e of ${JSON.stringify(events)}) console.log(JSON.stringify({ answer: await handler(e) })); })();`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, ...env } });
  const lines = `${stdout}\n${stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { answers: lines.filter((l) => l.answer).map((l) => l.answer), lines: lines.filter((l) => !l.answer) };
}

test('the bundle answers frames: a forbidden subscribe after reading the table, an invalid one without AWS', async () => {
  // GIVEN DynamoDB as an endpoint that finds no row (a forbidden subscribe checks for a subscription to revoke)
  const targets: string[] = [];
  const dynamodb = createServer((request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume().on('end', () => response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  await new Promise<void>((resolve) => dynamodb.listen(0, '127.0.0.1', resolve));

  // WHEN the bundled handler, configured as the construct configures it, gets a frame no rule allows, and one refused
  // before any AWS call
  let run: BundleRun;
  try {
    run = await runBundle({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(dynamodb.address() as AddressInfo).port}`,
      [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: 'subscriptions',
      [CHANNELS_ENV.CHANNEL_RULES]: '[{"pattern":"public/*","kind":"allow"}]',
      [CHANNELS_ENV.USER_ID_SOURCE]: 'authorizer:principalId',
      [CHANNELS_ENV.CONNECTION_TTL_SECONDS]: '7200',
    }, [
      messageEvent({ action: 'subscribe', channel: 'secret/x', ref: 'b' }),
      messageEvent('{"action":"subscribe","channel":"public/\\u0000"}'),
    ]);
  } finally {
    dynamodb.closeAllConnections();
    dynamodb.close();
  }

  // THEN
  const [forbidden, invalid] = run.answers;
  expect(forbidden).toEqual({ statusCode: 200, body: expect.any(String) });
  expect(JSON.parse(forbidden.body)).toMatchObject({ type: 'error', action: 'subscribe', channel: 'secret/x', code: 'FORBIDDEN', ref: 'b' });
  expect(JSON.parse(invalid.body)).toMatchObject({ type: 'error', action: 'subscribe', code: 'INVALID_CHANNEL' });
  expect(targets).toEqual(['DynamoDB_20120810.GetItem']);
  expect(run.lines.filter((l) => l.message === 'frame handled').map((l) => l.code)).toEqual(['FORBIDDEN', 'INVALID_CHANNEL']);
  expect(run.lines.filter((l) => l._aws).map((l) => [l.RefusedForbidden, l.RefusedInvalidChannel])).toEqual([[1, 0], [0, 1]]);
});
