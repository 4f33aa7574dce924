import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { LambdaInvokeServer, type InvokeOutcome } from '../../../../local/aws/lambda/invoke-server';
import { localClientConfig } from '../../../../local/identity';

// Lambda's Invoke API on loopback, driven by the AWS SDK's own LambdaClient (what a function's InvokeCommand sends and
// reads), in front of a fake set of functions.

const ran: Array<{ functionId: string; event: unknown }> = [];
let release: (() => void) | undefined;

const FUNCTIONS: Record<string, (event: any) => Promise<InvokeOutcome>> = {
  echo: async (event) => ({ result: { echoed: event }, lines: ['START', 'echo says hi', 'END'] }),
  thrower: async () => ({ error: { name: 'TypeError', message: 'cannot read x of undefined' }, lines: ['boom'] }),
  nothing: async () => ({ lines: [] }),
  slow: async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return { result: 'late', lines: [] };
  },
};

let server: LambdaInvokeServer;
let client: LambdaClient;
beforeAll(async () => {
  server = await LambdaInvokeServer.start({
    resolve: (name) => {
      const id = name.replace(/^.*:function:/, '').split(':')[0];
      return id in FUNCTIONS ? id : undefined;
    },
    run: async (functionId, event) => {
      ran.push({ functionId, event });
      return FUNCTIONS[functionId](event);
    },
  });
  client = new LambdaClient({ ...localClientConfig(server.endpoint), maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});
beforeEach(() => ran.splice(0));

type InvokeInput = ConstructorParameters<typeof InvokeCommand>[0];
const invoke = (FunctionName: string, payload?: unknown, extra: Partial<InvokeInput> = {}) => client.send(new InvokeCommand({
  FunctionName, ...(payload === undefined ? {} : { Payload: new TextEncoder().encode(JSON.stringify(payload)) }), ...extra,
}));
const text = (payload?: Uint8Array) => (payload ? new TextDecoder().decode(payload) : '');

test('RequestResponse: the function runs with the payload as its event, its result is the answer\'s payload', async () => {
  const out = await invoke('echo', { type: 'subscribe', channel: 'room/1' });
  expect(out.StatusCode).toBe(200);
  expect(out.FunctionError).toBeUndefined();
  expect(out.ExecutedVersion).toBe('$LATEST');
  expect(JSON.parse(text(out.Payload))).toEqual({ echoed: { type: 'subscribe', channel: 'room/1' } });
  expect(ran).toEqual([{ functionId: 'echo', event: { type: 'subscribe', channel: 'room/1' } }]);
  expect(server.calls.at(-1)).toEqual({ functionId: 'echo', invocationType: 'RequestResponse' });
});

test('a full ARN with a qualifier names the same function; no payload is an empty event; no result is null', async () => {
  await expect(invoke('arn:aws:lambda:us-east-1:000000000000:function:echo:live').then((o) => JSON.parse(text(o.Payload)))).resolves.toEqual({ echoed: {} });
  await expect(invoke('nothing').then((o) => text(o.Payload))).resolves.toBe('null');
});

test('a function that threw: 200 with FunctionError Unhandled and Lambda\'s error payload', async () => {
  const out = await invoke('thrower', {});
  expect(out.StatusCode).toBe(200);
  expect(out.FunctionError).toBe('Unhandled');
  expect(JSON.parse(text(out.Payload))).toEqual({ errorType: 'TypeError', errorMessage: 'cannot read x of undefined', trace: [] });
});

test('LogType Tail: the function\'s output, base64', async () => {
  const out = await invoke('echo', {}, { LogType: 'Tail' });
  expect(Buffer.from(out.LogResult!, 'base64').toString('utf8')).toBe('START\necho says hi\nEND');
});

test('a function nobody has: ResourceNotFoundException, nothing run', async () => {
  await expect(invoke('missing', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Function not found: missing', $metadata: { httpStatusCode: 404 } });
  expect(ran).toEqual([]);
});

test('a payload that is not JSON: InvalidRequestContentException', async () => {
  await expect(client.send(new InvokeCommand({ FunctionName: 'echo', Payload: new TextEncoder().encode('{not json') })))
    .rejects.toMatchObject({ name: 'InvalidRequestContentException' });
});

test('Event: 202 before the function is done (it runs in the background); DryRun: 204, nothing run', async () => {
  const out = await invoke('slow', {}, { InvocationType: 'Event' });
  expect(out.StatusCode).toBe(202);
  expect(ran.map((r) => r.functionId)).toEqual(['slow']);
  release!();
  await expect(invoke('echo', {}, { InvocationType: 'DryRun' }).then((o) => o.StatusCode)).resolves.toBe(204);
  expect(ran.map((r) => r.functionId)).toEqual(['slow']);
});

test('anything but Invoke is refused, naming what was asked', async () => {
  await expect(client.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ message: expect.stringContaining('answers Invoke only, not GET /2015-03-31/functions') });
});
