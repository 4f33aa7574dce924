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
  test('GIVEN 23 small messages THEN batches of 10, 10 and 3 with ids and delays', () => {
    const out = batches(Array.from({ length: 23 }, (_, i) => ({ body: `m${i}`, delaySeconds: i === 22 ? 4 : undefined })));
    expect(out.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(out[2][2]).toEqual({ Id: '22', MessageBody: 'm22', DelaySeconds: 4 });
    expect(out[0][0]).toEqual({ Id: '0', MessageBody: 'm0' });
  });

  test('GIVEN 100 KB messages THEN a batch never exceeds 256 KB', () => {
    const body = 'x'.repeat(100_000);
    const out = batches(Array.from({ length: 5 }, () => ({ body })));
    expect(out.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of out) {
      expect(batch.reduce((n, e) => n + e.MessageBody!.length, 0)).toBeLessThanOrEqual(LIMITS.MAX_SQS_MESSAGE_BYTES);
    }
  });
});

describe('SqsWorkQueue', () => {
  test('GIVEN SQS takes everything THEN each batch is sent once to the queue URL', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue().send(Array.from({ length: 12 }, (_, i) => ({ body: `m${i}` })));
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: url });
  });

  test('GIVEN an entry refused for a transient reason THEN only that entry is sent again', async () => {
    sqs.on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({});
    await queue().send([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.Entries).toEqual([{ Id: '1', MessageBody: 'b' }]);
  });

  test('GIVEN an entry refused as the sender\'s fault THEN it is not retried and the send throws', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }] });
    await expect(queue().send([{ body: 'a' }, { body: 'b' }])).rejects.toThrow(new WorkQueueError(1, 2, 'InvalidMessageContents: bad'));
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  test('GIVEN SQS unreachable through every retry THEN the send throws, naming the error', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(queue().send([{ body: 'a' }])).rejects.toThrow('1 of 1 work item(s) could not be enqueued: TimeoutError: socket hang up');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
  });
});
