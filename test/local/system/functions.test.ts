import { TemplateFunctions } from '../../../local/system/functions';
import type { CloudTemplate } from '../../../local/template/intrinsics';
import { PUSHER_METADATA_KEY } from '../../../src/shared/constants';

const template: CloudTemplate = {
  Resources: {
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        MemorySize: 512,
        Environment: {
          Variables: {
            TABLE: { Ref: 'Table' },
            QUEUE_URL: { Ref: 'Queue' },
            QUEUE_ARN: { 'Fn::GetAtt': ['Queue', 'Arn'] },
            PLAIN: 'as is',
            JOINED: { 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, 'x']] },
          },
        },
      },
    },
    Table: { Type: 'AWS::DynamoDB::Table' },
    Queue: { Type: 'AWS::SQS::Queue' },
  },
};
const names = { 'Table': 'local-table', 'AWS::Region': 'us-east-1' };
const functions = (mayLeaveOut?: (value: unknown) => boolean) =>
  new TemplateFunctions({ template, names, endpoints: () => ({ dynamodb: 'http://127.0.0.1:1' }), mayLeaveOut });

describe('a function\'s environment, as the template declares it', () => {
  test('intrinsics resolved to the local names, the runtime\'s variables and endpoints, overrides last', () => {
    const { env, unresolved } = functions(() => true).environment('Fn', { PLAIN: 'overridden' });
    expect(env).toMatchObject({
      TABLE: 'local-table',
      JOINED: 'us-east-1-x',
      PLAIN: 'overridden',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
      AWS_LAMBDA_FUNCTION_NAME: 'Fn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    });
    expect(unresolved).toEqual(['QUEUE_URL', 'QUEUE_ARN']);
    expect(env.QUEUE_URL).toBeUndefined();
  });

  test('a variable naming what the local system does not run fails the start, unless it may be left out', () => {
    expect(() => functions().environment('Fn')).toThrow('Fn environment: Ref Queue has no local counterpart');
    expect(() => functions((value) => JSON.stringify(value).includes('Table')).environment('Fn')).toThrow('Ref Queue has no local counterpart');
  });
});

describe('the stage\'s URLs in a function\'s environment', () => {
  // As WebSocketStage.url and .callbackUrl render: wss:// and https:// {api}.execute-api.{region}.{suffix}/{stage}.
  const stageUrl = (scheme: string) => ({ 'Fn::Join': ['', [`${scheme}://`, { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live']] });
  const withUrls: CloudTemplate = {
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Environment: { Variables: { WS_URL: stageUrl('wss'), CALLBACK_URL: stageUrl('https'), OTHER: 'wss://example.com/live' } } },
      },
    },
  };
  const local = { 'Api': 'abc123', 'AWS::Region': 'us-east-1', 'AWS::URLSuffix': 'amazonaws.com' };
  const endpoints = { dynamodb: 'http://127.0.0.1:1', managementApi: 'http://127.0.0.1:9/live', webSocket: 'ws://127.0.0.1:9/live' };

  test('reach the emulator: the WebSocket URL its WebSocket, the endpoint its Management API; any other URL as it is', () => {
    const { env } = new TemplateFunctions({ template: withUrls, names: local, endpoints: () => endpoints }).environment('Fn');
    expect(env).toMatchObject({ WS_URL: 'ws://127.0.0.1:9/live', CALLBACK_URL: 'http://127.0.0.1:9/live', OTHER: 'wss://example.com/live' });
  });

  test('without an emulator, they stay the template\'s', () => {
    const { env } = new TemplateFunctions({ template: withUrls, names: local, endpoints: () => ({ dynamodb: 'http://127.0.0.1:1' }) }).environment('Fn');
    expect(env.WS_URL).toBe('wss://abc123.execute-api.us-east-1.amazonaws.com/live');
  });
});

describe('where a function\'s code comes from without a cloud assembly', () => {
  const code: CloudTemplate = {
    Resources: {
      Inline: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x', Handler: 'index.main', Code: { ZipFile: 'exports.main = async (e) => ({ doubled: e.n * 2 });' } } },
      Stream: {
        Type: 'AWS::Lambda::Function',
        Metadata: { [PUSHER_METADATA_KEY]: { function: 'connection-stream' } },
        Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { S3Bucket: 'b', S3Key: 'k.zip' }, Environment: { Variables: { SUBSCRIPTIONS_TABLE_NAME: 'subs' } } },
      },
      Staged: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { S3Bucket: 'b', S3Key: 'k.zip' } } },
    },
  };
  const fns = new TemplateFunctions({ template: code, names: {}, endpoints: () => ({ dynamodb: 'http://127.0.0.1:1' }) });
  afterAll(() => fns.stop());

  test('inline code runs as it is', async () => {
    await expect(fns.invoke('Inline', { n: 21 })).resolves.toEqual({ doubled: 42 });
  });

  test('the construct\'s own function (by its metadata\'s kind) runs from the bundle the package ships', async () => {
    await expect(fns.invoke('Stream', { Records: [] })).resolves.toEqual({ batchItemFailures: [] });
  });

  test('any other function needs the assembly its code is staged in', async () => {
    await expect(fns.invoke('Staged', {})).rejects.toThrow('Staged: the local system runs a function of the template only from a cloud assembly, or from inline code');
  });
});
