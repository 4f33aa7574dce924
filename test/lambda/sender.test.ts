import {
  ApiGatewayManagementApiClient, ForbiddenException, GoneException, LimitExceededException, PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { classifyPostError, createManagementApiClient, ManagementApiSender } from '../../lambda/sender';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const withStatus = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...(status ? meta(status) : {}), ...extra });

describe('classifyPostError', () => {
  test.each([
    ['GoneException', new GoneException({ message: 'gone', ...meta(410) }), 'gone'],
    ['a bare 410', withStatus('UnknownError', 410), 'gone'],
    ['LimitExceededException', new LimitExceededException({ message: 'slow', ...meta(429) }), 'retryable'],
    ['a bare 429', withStatus('UnknownError', 429), 'retryable'],
    ['500 InternalServerError', withStatus('InternalServerError', 500), 'retryable'],
    ['503', withStatus('ServiceUnavailable', 503), 'retryable'],
    ['ECONNRESET', withStatus('Error', undefined, { code: 'ECONNRESET' }), 'retryable'],
    ['ECONNREFUSED', withStatus('Error', undefined, { code: 'ECONNREFUSED' }), 'retryable'],
    ['a socket TimeoutError', withStatus('TimeoutError', undefined), 'retryable'],
    ['a non-Error value', 'socket hang up', 'retryable'],
    ['PayloadTooLargeException', new PayloadTooLargeException({ message: 'big', ...meta(413) }), 'payload-too-large'],
    ['ForbiddenException', new ForbiddenException({ message: 'no', ...meta(403) }), 'forbidden'],
    ['a bare 403', withStatus('AccessDeniedException', 403), 'forbidden'],
    ['400 BadRequestException', withStatus('BadRequestException', 400), 'rejected'],
  ])('GIVEN %s THEN the post is %s', (_label, error, status) => {
    expect(classifyPostError(error).status).toBe(status);
  });

  test('GIVEN a network error THEN the reason keeps its code for the logs', () => {
    expect(classifyPostError(withStatus('Error', undefined, { code: 'ECONNRESET' }))).toEqual({
      status: 'retryable', reason: 'Error ECONNRESET: Error happened',
    });
  });
});

describe('ManagementApiSender', () => {
  const api = mockClient(ApiGatewayManagementApiClient);
  const client = new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:1/local', region: 'us-east-1' });
  const sender = new ManagementApiSender(client);
  const payload = Buffer.from('{"a":1}');

  beforeEach(() => api.reset());

  test('GIVEN the API accepts WHEN posting THEN PostToConnection carries the connection id and the bytes', async () => {
    api.on(PostToConnectionCommand).resolves({});
    await expect(sender.post('abc=', payload)).resolves.toEqual({ status: 'delivered' });
    expect(api).toHaveReceivedCommandWith(PostToConnectionCommand, { ConnectionId: 'abc=', Data: payload });
  });

  test.each([
    [new GoneException({ message: 'gone', ...meta(410) }), 'gone'],
    [new LimitExceededException({ message: 'slow', ...meta(429) }), 'retryable'],
    [new PayloadTooLargeException({ message: 'big', ...meta(413) }), 'payload-too-large'],
    [new ForbiddenException({ message: 'no', ...meta(403) }), 'forbidden'],
  ])('GIVEN the API answers %p WHEN posting THEN the result is %s and nothing throws', async (error, status) => {
    api.on(PostToConnectionCommand).rejects(error);
    await expect(sender.post('abc=', payload)).resolves.toMatchObject({ status });
  });
});

describe('createManagementApiClient', () => {
  test('GIVEN an in-flight bound THEN the client makes one attempt and its keep-alive agents match the bound', async () => {
    const client = createManagementApiClient('http://127.0.0.1:3001/local', 7);
    expect(await client.config.maxAttempts()).toBe(1);
    type Agent = { maxSockets: number; keepAlive: boolean };
    const handler = client.config.requestHandler as unknown as {
      configProvider: Promise<{ httpAgentProvider: () => Promise<Agent>; httpsAgent: Agent }>;
    };
    const resolved = await handler.configProvider;
    expect(await resolved.httpAgentProvider()).toMatchObject({ maxSockets: 7, keepAlive: true });
    expect(resolved.httpsAgent).toMatchObject({ maxSockets: 7, keepAlive: true });
    const endpoint = await client.config.endpoint!();
    expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 3001, path: '/local' });
  });
});
