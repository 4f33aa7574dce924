import { asyncRetryAttempts, eventBuses, eventRules } from '../../../local/template/event-rules';
import type { CloudTemplate } from '../../../local/template/intrinsics';

const resources = {
  Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'AppBus' } },
  Queue: { Type: 'AWS::SQS::Queue' },
  Fn: { Type: 'AWS::Lambda::Function' },
  Topic: { Type: 'AWS::SNS::Topic' },
};
const rule = (properties: Record<string, unknown>): CloudTemplate => ({
  Resources: { ...resources, Rule: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['app'] }, ...properties } } },
});
const target = (fields: Record<string, unknown>) => rule({ Targets: [{ Id: 'T', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, ...fields }] });

describe('the template\'s event buses and rules', () => {
  test('a bus by its Name; a rule\'s bus, pattern, state and targets: a queue and a Lambda function', () => {
    const template = rule({
      Name: 'orders',
      EventBusName: { Ref: 'Bus' },
      State: 'DISABLED',
      Targets: [
        { Id: 'ToQueue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, SqsParameters: { MessageGroupId: 'g' }, DeadLetterConfig: { Arn: 'x' } },
        { Id: 'ToFn', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, InputTransformer: { InputTemplate: '{"s": <s>}', InputPathsMap: { s: '$.source' } }, RetryPolicy: {} },
      ],
    });
    expect(eventBuses(template)).toEqual([{ logicalId: 'Bus', name: 'AppBus' }]);
    expect(eventRules(template)).toEqual([{
      logicalId: 'Rule',
      name: 'orders',
      eventBusName: { Ref: 'Bus' },
      eventPattern: { source: ['app'] },
      enabled: false,
      targets: [
        { id: 'ToQueue', kind: 'queue', logicalId: 'Queue', arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, messageGroupId: 'g' },
        {
          id: 'ToFn',
          kind: 'function',
          logicalId: 'Fn',
          arn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          inputTransformer: { InputTemplate: '{"s": <s>}', InputPathsMap: { s: '$.source' } },
        },
      ],
    }]);
  });

  test('without a Name, State or EventBusName: the logical id, enabled, the default bus', () => {
    expect(eventRules(rule({}))).toEqual([{ logicalId: 'Rule', name: 'Rule', eventPattern: { source: ['app'] }, enabled: true, targets: [] }]);
  });

  test('what the local system does not do is an error naming the rule and the field or the target kind', () => {
    expect(() => eventRules(rule({ EventPattern: undefined, ScheduleExpression: 'rate(1 minute)' })))
      .toThrow('Rule: ScheduleExpression: the local system runs rules with an EventPattern only, not scheduled rules');
    expect(() => eventRules(target({ Input: '{}' }))).toThrow('Rule: target T: Input: the local system does not apply it');
    expect(() => eventRules(target({ InputPath: '$.detail' }))).toThrow('Rule: target T: InputPath: the local system does not apply it');
    expect(() => eventRules(target({ Arn: { Ref: 'Topic' } }))).toThrow('Rule: target T is AWS::SNS::Topic: the local system delivers');
    expect(() => eventRules(target({ Arn: 'arn:aws:sqs:us-east-1:1:elsewhere' })))
      .toThrow('Rule: target T is arn:aws:sqs:us-east-1:1:elsewhere, not a resource of this template');
  });

  test('a function\'s asynchronous retries: its EventInvokeConfig\'s, 2 without one', () => {
    expect(asyncRetryAttempts({ Resources: resources }, 'Fn')).toBe(2);
    const configured = { Resources: { ...resources, Config: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Fn' }, MaximumRetryAttempts: 0 } } } };
    expect(asyncRetryAttempts(configured, 'Fn')).toBe(0);
  });
});
