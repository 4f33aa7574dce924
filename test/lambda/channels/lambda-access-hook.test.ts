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
  expect(await hook().ask(HOOK_ARN, event)).toEqual({ verdict: 'allow' });
  const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(input).toMatchObject({ FunctionName: HOOK_ARN, InvocationType: 'RequestResponse' });
  expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual(event);
});

const failed = (reason: string) => ({ verdict: 'failed', reason });
const noBoolean = (payload: string) => failed(`the hook's answer has no boolean allow: ${payload}`);

test.each([
  ['{"allow":true,"reason":"member"}', { verdict: 'allow' }],
  ['{"allow":false}', { verdict: 'deny', reason: 'the hook answered allow: false' }],
  ['{"allow":false,"reason":"not a member"}', { verdict: 'deny', reason: 'the hook answered allow: false' }],
  // no decision: the application's bug, never a "no" (FORBIDDEN would tell the client to give up)
  ['{"allow":"true"}', noBoolean('{"allow":"true"}')],
  ['{"allow":"false"}', noBoolean('{"allow":"false"}')],
  ['{"allow":1}', noBoolean('{"allow":1}')],
  ['{"allow":null}', noBoolean('{"allow":null}')],
  ['{}', noBoolean('{}')],
  ['{"allowed":true}', noBoolean('{"allowed":true}')],
  ['null', noBoolean('null')],
  ['true', noBoolean('true')],
  ['false', noBoolean('false')],
  ['[{"allow":true}]', noBoolean('[{"allow":true}]')],
  ['{"__proto__":{"allow":true}}', noBoolean('{"__proto__":{"allow":true}}')],
  ['allow', failed('the hook\'s answer is not JSON: allow')],
  ['', failed('the hook\'s answer is not JSON: ')],
])('answer %s', async (payload, verdict) => {
  answer(payload);
  expect(await hook().ask(HOOK_ARN, event)).toEqual(verdict);
});

test('a malformed answer is quoted at most 300 characters', async () => {
  const payload = JSON.stringify({ pad: 'x'.repeat(400) });
  answer(payload);
  expect(await hook().ask(HOOK_ARN, event)).toEqual(failed(`the hook's answer has no boolean allow: ${payload.slice(0, 300)}…`));
});

test('a function that threw: failed, its error quoted (at most 300 characters)', async () => {
  const error = JSON.stringify({ errorType: 'Error', errorMessage: 'boom', trace: ['x'.repeat(400)] });
  answer(error, 'Unhandled');
  expect(await hook().ask(HOOK_ARN, event)).toEqual(failed(`the hook failed (Unhandled): ${error.slice(0, 300)}…`));
});

test('a function that ran out of its own timeout: failed', async () => {
  const error = '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: 1 Error: Task timed out after 3.00 seconds"}';
  answer(error, 'Unhandled');
  expect(await hook().ask(HOOK_ARN, event)).toEqual(failed(`the hook failed (Unhandled): ${error}`));
});

test('a function that failed with {"allow":true} in its error is still no decision', async () => {
  answer('{"allow":true}', 'Handled');
  expect(await hook().ask(HOOK_ARN, event)).toEqual(failed('the hook failed (Handled): {"allow":true}'));
});

test('no payload: failed', async () => {
  lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
  expect(await hook().ask(HOOK_ARN, event)).toEqual(failed('the hook\'s answer is not JSON: '));
});

test('the invocation failing rejects', async () => {
  lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
  await expect(hook().ask(HOOK_ARN, event)).rejects.toThrow('Rate exceeded');
});
