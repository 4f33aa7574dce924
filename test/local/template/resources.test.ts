import { pusherQueues } from '../../../local/system/messaging';
import type { CloudTemplate } from '../../../local/template/intrinsics';
import { localAppTemplate } from '../../../local/template/local-app';
import { eventSourceMappings, lambdaSubscriptions, pusherFunctions, pusherTable, queues, topics } from '../../../local/template/resources';

describe('what the local system reads of a template', () => {
  const template = localAppTemplate();
  const [pusher] = pusherFunctions(template);

  test('the pusher, its connections table, its queues by role, its mappings and its subscription', () => {
    expect(pusherFunctions(template)).toEqual([expect.stringMatching(/^PusherFunction/)]);
    expect(pusherTable(template, pusher)).toEqual({
      logicalId: expect.stringMatching(/^PusherConnectionsTable/), userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', ttlAttribute: 'expires_at',
    });
    const roles = pusherQueues(template, pusher);
    expect(roles).toEqual({
      requests: expect.stringMatching(/^PusherQueue/), work: expect.stringMatching(/^PusherWorkQueue/), workDeadLetter: expect.stringMatching(/^PusherWorkDeadLetterQueue/),
    });
    expect(eventSourceMappings(template, pusher).map((m) => [m.queueLogicalId, m.batchSize, m.maximumConcurrency]).sort())
      .toEqual([[roles.requests, 10, undefined], [roles.work, 1, 4]].sort());
    const [topic] = topics(template);
    expect(lambdaSubscriptions(template, pusher)).toEqual([expect.objectContaining({ topicLogicalId: topic, functionLogicalId: pusher })]);
  });

  test('queues come after their dead-letter queues, whatever their order in the template', () => {
    const dlqOf = (id: string) => ({ RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id, 'Arn'] }, maxReceiveCount: 3 } });
    const declared: CloudTemplate = {
      Resources: {
        Work: { Type: 'AWS::SQS::Queue', Properties: dlqOf('WorkDlq') },
        Requests: { Type: 'AWS::SQS::Queue', Properties: { ...dlqOf('Dlq'), FifoQueue: true, VisibilityTimeout: 90 } },
        WorkDlq: { Type: 'AWS::SQS::Queue' },
        Dlq: { Type: 'AWS::SQS::Queue' },
      },
    };
    const order = queues(declared).map((q) => q.logicalId);
    expect([...order].sort()).toEqual(['Dlq', 'Requests', 'Work', 'WorkDlq']);
    expect(order.indexOf('WorkDlq')).toBeLessThan(order.indexOf('Work'));
    expect(order.indexOf('Dlq')).toBeLessThan(order.indexOf('Requests'));
    expect(queues(declared).find((q) => q.logicalId === 'Requests')).toEqual({
      logicalId: 'Requests', fifo: true, contentBasedDeduplication: false, visibilityTimeoutSeconds: 90, deadLetter: { queueLogicalId: 'Dlq', maxReceiveCount: 3 },
    });
  });

  test('a dead-letter queue that is not a queue of the template is named', () => {
    const broken: CloudTemplate = { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Gone', 'Arn'] }, maxReceiveCount: 3 } } } } };
    expect(() => queues(broken)).toThrow('the template\'s queues Q have dead-letter queues that are not queues of this template');
  });
});
