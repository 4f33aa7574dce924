import { snsEventOf, sqsEvent, sqsRecordOf } from '../../../local/events';

describe('the event factory', () => {
  test('an SQS event: one record per body, bodies serialized, message ids and FIFO groups', () => {
    const event = sqsEvent([{ data: 1 }, 'raw'], { messageIds: ['a', 'b'], groupIds: ['g', 'g'], queueName: 'q.fifo' });
    expect(event.Records.map((r) => [r.messageId, r.body, r.attributes.MessageGroupId, r.eventSourceARN]))
      .toEqual([['a', '{"data":1}', 'g', 'arn:aws:sqs:us-east-1:000000000000:q.fifo'], ['b', 'raw', 'g', 'arn:aws:sqs:us-east-1:000000000000:q.fifo']]);
  });

  test('a record from a received message keeps its id, receipt handle, body and attributes', () => {
    const record = sqsRecordOf({
      MessageId: 'm1', ReceiptHandle: 'rh', Body: '{}', MD5OfBody: 'md5', Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '5', MessageGroupId: 'g' },
    }, 'arn:aws:sqs:us-east-1:000000000000:q');
    expect(record).toMatchObject({
      messageId: 'm1',
      receiptHandle: 'rh',
      body: '{}',
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '5', MessageGroupId: 'g' },
    });
  });

  test('an SNS envelope delivered to a queue becomes the event the subscribed function gets', () => {
    const event = snsEventOf({ MessageId: 'n1', TopicArn: 'arn:t', Message: '{"data":1}', Subject: null, Timestamp: 'T', MessageAttributes: { a: { Type: 'String', Value: 'v' } } }, 'arn:t:sub');
    expect(event.Records).toEqual([expect.objectContaining({
      EventSource: 'aws:sns',
      EventSubscriptionArn: 'arn:t:sub',
      Sns: expect.objectContaining({ MessageId: 'n1', TopicArn: 'arn:t', Message: '{"data":1}', Subject: null, Timestamp: 'T', MessageAttributes: { a: { Type: 'String', Value: 'v' } } }),
    })]);
  });
});
