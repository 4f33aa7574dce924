import { pusherQueues } from '../../../local/system/messaging';
import type { CloudTemplate } from '../../../local/template/intrinsics';
import { localAppTemplate } from '../../../local/template/local-app';
import { constructFunctions, eventSourceMappings, lambdaSubscriptions, pusherFunctions, pusherTable, queues, tables, topics } from '../../../local/template/resources';
import { streamMappings } from '../../../local/template/streams';
import { ChannelRule, MessageFormat } from '../../../src';

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

describe('with channels: the construct\'s functions by kind, the tables\' indexes, streams and TTLs, the stream mapping', () => {
  const template = localAppTemplate({ props: { messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('user/{userId}/*')] } } });

  test('three functions of the construct; one pusher among them', () => {
    const kinds = [...constructFunctions(template)].map(([id, kind]) => [id.replace(/[0-9A-F]{8}$/, ''), kind]).sort();
    expect(kinds).toEqual([['PusherChannelsFunction', 'channels'], ['PusherConnectionStreamFunction', 'connection-stream'], ['PusherFunction', 'pusher']]);
    expect(pusherFunctions(template)).toEqual([expect.stringMatching(/^PusherFunction/)]);
  });

  test('the connections table with its stream and TTL; the subscriptions table with its index and TTL, no stream', () => {
    const byId = Object.fromEntries(tables(template).map((t) => [t.logicalId.replace(/[0-9A-F]{8}$/, ''), t]));
    expect(byId.PusherConnectionsTable).toMatchObject({ streamViewType: 'NEW_AND_OLD_IMAGES', ttlAttribute: 'expires_at', globalSecondaryIndexes: [] });
    expect(byId.PusherSubscriptionsTable).toEqual(expect.objectContaining({
      ttlAttribute: 'expires_at',
      globalSecondaryIndexes: [{
        indexName: 'by_connection',
        keySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }, { AttributeName: 'channel_key', KeyType: 'RANGE' }],
        projection: { ProjectionType: 'KEYS_ONLY' },
      }],
    }));
    expect(byId.PusherSubscriptionsTable.streamViewType).toBeUndefined();
  });

  test('the connection stream function reads the connections table\'s stream as the construct maps it', () => {
    expect(streamMappings(template)).toEqual([{
      logicalId: expect.stringMatching(/^PusherConnectionStreamFunctionDynamoDBEventSource/),
      functionLogicalId: expect.stringMatching(/^PusherConnectionStreamFunction/),
      tableLogicalId: expect.stringMatching(/^PusherConnectionsTable/),
      batchSize: 100,
      startingPosition: 'LATEST',
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      onFailure: { type: 'AWS::SQS::Queue', logicalId: expect.stringMatching(/^PusherCleanupFailuresQueue/) },
    }]);
    // The pusher's SQS mappings are not stream mappings, and the stream mapping is not an SQS one.
    const streamFunction = streamMappings(template)[0].functionLogicalId;
    expect(eventSourceMappings(template, streamFunction)).toEqual([]);
  });
});

describe('a stream mapping as a template may declare it', () => {
  const mapping = (props: Record<string, unknown>): CloudTemplate => ({
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
      Topic: { Type: 'AWS::SNS::Topic' },
      Role: { Type: 'AWS::IAM::Role' },
      Esm: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, ...props } },
    },
  });

  test('Lambda\'s defaults: 100 records, retried until they expire, no partial failures, no bisection, no destination', () => {
    expect(streamMappings(mapping({ StartingPosition: 'TRIM_HORIZON' }))).toEqual([{
      logicalId: 'Esm',
      functionLogicalId: 'Fn',
      tableLogicalId: 'Table',
      batchSize: 100,
      startingPosition: 'TRIM_HORIZON',
      reportBatchItemFailures: false,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
    }]);
  });

  test('a topic as the on-failure destination; a disabled mapping is not run; a filter is named as what is not done', () => {
    expect(streamMappings(mapping({ DestinationConfig: { OnFailure: { Destination: { Ref: 'Topic' } } } }))[0].onFailure).toEqual({ type: 'AWS::SNS::Topic', logicalId: 'Topic' });
    expect(streamMappings(mapping({ Enabled: false }))).toEqual([]);
    expect(streamMappings(mapping({ FilterCriteria: { Filters: [] } }))[0].unsupported).toContain('FilterCriteria');
  });

  test('a destination that is neither a queue nor a topic of the template is named', () => {
    expect(() => streamMappings(mapping({ DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Role', 'Arn'] } } } })))
      .toThrow('Esm: its on-failure destination is not a queue or a topic of this template');
  });
});
