import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { HOOK_ARN } from './support';
import { LambdaAccessHook } from '../../../lambda/channels/adapters/lambda-access-hook';

const lambda = mockClient(LambdaClient);
const hook = () => new LambdaAccessHook(new LambdaClient({ region: 'us-east-1' }));
const event = { type: 'subscribe', channel: 'room/42', userId: 'u1', connectionId: 'c1', context: { principalId: 'u1', tenant: 'acme' } } as const;
const answer = (payload: string, functionError?: string) =>
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(payload) as InvokeCommandOutput['Payload'], ...(functionError ? { FunctionError: functionError } : {}) });

beforeEach(() => lambda.reset());

test('invokes the function synchronously with the event as JSON', async () => {
  answer('{"allow":true}');
  expect(await hook().ask(HOOK_ARN, event)).toEqual({ allowed: true });
  const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(input).toMatchObject({ FunctionName: HOOK_ARN, InvocationType: 'RequestResponse' });
  expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual(event);
});

test.each([
  ['{"allow":true,"reason":"member"}', { allowed: true }],
  ['{"allow":false}', { allowed: false, reason: 'the hook answered allow: false' }],
  ['{"allow":"true"}', { allowed: false, reason: 'the hook\'s answer has no allow: true: {"allow":"true"}' }],
  ['{"allow":1}', { allowed: false, reason: 'the hook\'s answer has no allow: true: {"allow":1}' }],
  ['{}', { allowed: false, reason: 'the hook\'s answer has no allow: true: {}' }],
  ['null', { allowed: false, reason: 'the hook\'s answer has no allow: true: null' }],
  ['true', { allowed: false, reason: 'the hook\'s answer has no allow: true: true' }],
  ['[{"allow":true}]', { allowed: false, reason: 'the hook\'s answer has no allow: true: [{"allow":true}]' }],
  ['{"__proto__":{"allow":true}}', { allowed: false, reason: 'the hook\'s answer has no allow: true: {"__proto__":{"allow":true}}' }],
  ['allow', { allowed: false, reason: 'the hook\'s answer is not JSON: allow' }],
  ['', { allowed: false, reason: 'the hook\'s answer is not JSON: ' }],
])('answer %s', async (payload, verdict) => {
  answer(payload);
  expect(await hook().ask(HOOK_ARN, event)).toEqual(verdict);
});

test('a function that failed is a refusal, marked failed, its error quoted (at most 300 characters)', async () => {
  const error = JSON.stringify({ errorType: 'Error', errorMessage: 'boom', trace: ['x'.repeat(400)] });
  answer(error, 'Unhandled');
  const verdict = await hook().ask(HOOK_ARN, event);
  expect(verdict).toEqual({ allowed: false, failed: true, reason: `the hook failed (Unhandled): ${error.slice(0, 300)}…` });
});

test('a function that failed with {"allow":true} in its error is still refused', async () => {
  answer('{"allow":true}', 'Handled');
  expect(await hook().ask(HOOK_ARN, event)).toMatchObject({ allowed: false, failed: true });
});

test('no payload: refused', async () => {
  lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
  expect(await hook().ask(HOOK_ARN, event)).toEqual({ allowed: false, reason: 'the hook\'s answer is not JSON: ' });
});

test('the invocation failing rejects', async () => {
  lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
  await expect(hook().ask(HOOK_ARN, event)).rejects.toThrow('Rate exceeded');
});
