import { TemplateFunctions } from '../../../local/system/functions';
import type { CloudTemplate } from '../../../local/template/intrinsics';

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
