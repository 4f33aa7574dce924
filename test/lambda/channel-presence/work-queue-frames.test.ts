import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { WorkQueueFrames } from '../../../lambda/channel-presence/adapters/work-queue-frames';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/pusher-work';
const sqs = mockClient(SQSClient);
const frames = (shards = 4) => new WorkQueueFrames(new SQSClient({ region: 'us-east-1' }), { queueUrl: QUEUE_URL, shards, now: () => 1_700_000_000_000 });
const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3, messageFormat: 'envelope' as const };
const sentBody = (n = 0) => sqs.commandCalls(SendMessageCommand)[n].args[0].input.MessageBody!;

beforeEach(() => sqs.reset());
afterAll(() => sqs.restore());

test('a join: one message on the work queue, a raw reads item over every shard, the user excluded', async () => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  await frames().send({ channel: 'room/42', event: 'join', userId: 'alice', version: 1_700_000_000_123, id: 'req-1' });

  expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE_URL });
  expect(sqs.commandCalls(SendMessageCommand)[0].args[0].input.DelaySeconds).toBeUndefined();
  const parsed = parseWorkItem(sentBody(), rules);
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.item).toMatchObject({
    requestId: 'presence-join:req-1',
    raw: true,
    segment: 0,
    totalSegments: 1,
    attempt: 1,
    startedAt: 1_700_000_000_000,
    reads: [0, 1, 2, 3].map((shard) => ({ channel: 'room/42', shard })),
  });
  expect([...parsed.item.excludeUsers]).toEqual(['alice']);
  expect([...parsed.item.excludeConnections]).toEqual([]);
  // the bare frame, even with messageFormat envelope: no envelope id to rebuild one from per channel
  expect(parsed.item.payload!.toString('utf8')).toBe('{"type":"presence","channel":"room/42","event":"join","user":"alice","version":1700000000123}');
  expect(parsed.item.envelopeId).toBeUndefined();
  expect(parsed.item.channel).toBeUndefined();
  expect(parsed.item.users).toBeUndefined();
});

test('a leave over one shard; an id too long for a request id is cut to the pusher\'s 512', async () => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  await frames(1).send({ channel: 'a/b', event: 'leave', userId: 'bob', version: 7, id: 'x'.repeat(600) });
  const parsed = parseWorkItem(sentBody(), rules);
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.item.requestId).toBe(`presence-leave:${'x'.repeat(600)}`.slice(0, 512));
  expect(parsed.item.requestId).toHaveLength(512);
  expect(parsed.item.reads).toEqual([{ channel: 'a/b', shard: 0 }]);
  expect(JSON.parse(parsed.item.payload!.toString('utf8'))).toEqual({ type: 'presence', channel: 'a/b', event: 'leave', user: 'bob', version: 7 });
});

test('a send the queue refuses rejects (the member\'s row is then not written)', async () => {
  sqs.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  await expect(frames().send({ channel: 'room/42', event: 'join', userId: 'alice', version: 1, id: 'req-1' })).rejects.toThrow('throttled');
});
