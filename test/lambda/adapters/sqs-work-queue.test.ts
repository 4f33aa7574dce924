import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { batches, SqsWorkQueue } from '../../../lambda/adapters/sqs-work-queue';
import { WorkQueueError } from '../../../lambda/core/errors';
import { LIMITS } from '../../../src/shared/constants';

const sqs = mockClient(SQSClient);
const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/work';
const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const queue = () => new SqsWorkQueue(new SQSClient({ region: 'us-east-1' }), url, policy, async () => {});

beforeEach(() => sqs.reset());

describe('batches', () => {
  test('23 small messages make batches of 10, 10 and 3, with ids and delays', () => {
    // WHEN
    const out = batches(Array.from({ length: 23 }, (_, i) => ({ body: `m${i}`, delaySeconds: i === 22 ? 4 : undefined })));

    // THEN
    expect(out.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(out[2][2]).toEqual({ Id: '22', MessageBody: 'm22', DelaySeconds: 4 });
    expect(out[0][0]).toEqual({ Id: '0', MessageBody: 'm0' });
  });

  test('with 100 KB messages, a batch never exceeds 256 KB', () => {
    // GIVEN
    const body = 'x'.repeat(100_000);

    // WHEN
    const out = batches(Array.from({ length: 5 }, () => ({ body })));

    // THEN
    expect(out.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of out) {
      expect(batch.reduce((n, e) => n + e.MessageBody!.length, 0)).toBeLessThanOrEqual(LIMITS.MAX_SQS_MESSAGE_BYTES);
    }
  });
});

describe('SqsWorkQueue', () => {
  test('when SQS takes everything, each batch is sent once to the queue URL', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // WHEN
    await queue().send(Array.from({ length: 12 }, (_, i) => ({ body: `m${i}` })));

    // THEN
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: url });
  });

  test('an entry refused for a transient reason is the only one sent again', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({});

    // WHEN
    await queue().send([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);

    // THEN
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.Entries).toEqual([{ Id: '1', MessageBody: 'b' }]);
  });

  test('an entry refused as the sender\'s fault is not retried, and the send throws', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }] });

    // WHEN / THEN
    await expect(queue().send([{ body: 'a' }, { body: 'b' }])).rejects.toThrow(new WorkQueueError(1, 2, 'InvalidMessageContents: bad'));
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  test('SQS unreachable through every retry: the send throws, naming the error', async () => {
    // GIVEN
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));

    // WHEN / THEN
    await expect(queue().send([{ body: 'a' }])).rejects.toThrow('1 of 1 work item(s) could not be enqueued: TimeoutError: socket hang up');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
  });
});
