import { readRecords } from '../../../lambda/invocation/records';

const WORK_ARN = 'arn:aws:sqs:eu-west-1:111111111111:work';
const context = { awsRequestId: 'req-1' };

describe('readRecords', () => {
  test('a mixed event is read record by record', () => {
    // GIVEN an SQS record, an SNS record and something else
    const event = {
      Records: [
        { eventSource: 'aws:sqs', messageId: 'm1', body: '{"data":1}', eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:requests' },
        { EventSource: 'aws:sns', Sns: { MessageId: 's1', Message: '{"data":2}' } },
        { eventSource: 'aws:kinesis', messageId: 'k1' },
      ],
    };

    // WHEN
    const records = readRecords(event, context, WORK_ARN);

    // THEN
    expect(records).toEqual([
      { source: 'sqs', messageId: 'm1', body: '{"data":1}' },
      { source: 'sns', messageId: 's1', body: '{"data":2}' },
      { source: 'unknown', messageId: 'k1', reason: 'record 2 is neither an SQS message nor an SNS notification' },
    ]);
  });

  test('a work item is told by its queue, never by its content', () => {
    // GIVEN the same body from the work queue and from the public queue
    const body = '{"v":1,"requestId":"r"}';
    const event = {
      Records: [
        { eventSource: 'aws:sqs', messageId: 'w1', body, eventSourceARN: WORK_ARN },
        { eventSource: 'aws:sqs', messageId: 'p1', body, eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:requests' },
      ],
    };

    // WHEN
    const sources = readRecords(event, context, WORK_ARN).map((r) => r.source);
    const withoutWorkQueue = readRecords(event, context).map((r) => r.source);

    // THEN
    expect(sources).toEqual(['work', 'sqs']);
    expect(withoutWorkQueue).toEqual(['sqs', 'sqs']);
  });

  test('anything without Records is one direct request under the invocation id', () => {
    // WHEN
    const records = readRecords({ data: 'x', users: ['a'] }, context);

    // THEN
    expect(records).toEqual([{ source: 'direct', messageId: 'req-1', value: { data: 'x', users: ['a'] } }]);
  });
});
