import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageEvent, testDeps } from './support';
import { HOOK_TIMEOUT_MS, hookClient, LambdaAccessHook } from '../../../lambda/channels/adapters/lambda-access-hook';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import { MESSAGES } from '../../../lambda/channels/core/reply';

// A hook that does not answer in time, through the real SDK client the channels function builds (`hookClient`), against
// a local endpoint that accepts the Invoke and never answers: the subscribe is UNAVAILABLE, after one retry.

let server: Server;
let endpoint: string;
const received: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request) => received.push(request)); // never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => hookClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }, 200);

test('the channels function waits 10 seconds for a hook', () => {
  expect(HOOK_TIMEOUT_MS).toBe(10_000);
});

test('no answer within the timeout: UNAVAILABLE, the cause logged, tried twice, nothing read or written', async () => {
  // GIVEN the channels function's hook client, with a 200 ms timeout, and a hook that never answers
  received.splice(0);
  const deps = testDeps({ hook: new LambdaAccessHook(client()) });

  // WHEN
  const started = Date.now();
  const { reply, report } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'room/42', ref: 'slow' }), deps);

  // THEN the client is told to try again, well before twice the timeout and a retry's backoff could exceed API Gateway's 29 s
  expect(reply).toEqual({ type: 'error', action: 'subscribe', channel: 'room/42', code: 'UNAVAILABLE', message: MESSAGES.UNAVAILABLE, ref: 'slow' });
  expect(report).toMatchObject({ code: 'UNAVAILABLE', hookFailed: true, rule: 'room/*', reason: expect.stringMatching(/^the hook could not be invoked: TimeoutError: /) });
  expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
    'POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aroom-access/invocations',
    'POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aroom-access/invocations',
  ]);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(deps.store.calls).toEqual([]);
}, 10_000);
