import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { MotoServer } from '../../../../local/aws/moto/moto-server';
import { drained, SqsEventSource } from '../../../../local/lambda-runtime/event-sources/sqs-event-source';
import { FunctionRunner } from '../../../../local/lambda-runtime/function-runner';

// Lambda's SQS event source mapping against moto's SQS: partial batch failures are redelivered, the rest deleted, and
// the queue's redrive policy moves what keeps failing to its dead-letter queue.

/** A function that fails the records whose body is "fail", and throws on a body "throw". */
const FUNCTION = `exports.handler = async (event) => {
  if (event.Records.some((r) => r.body === 'throw')) throw new Error('boom');
  return { batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({ itemIdentifier: r.messageId })) };
};`;

let moto: MotoServer;
let runner: FunctionRunner;
beforeAll(async () => {
  moto = await MotoServer.start();
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'source-')), 'index.js');
  writeFileSync(file, FUNCTION);
  runner = await FunctionRunner.load({}, file);
});
afterAll(async () => {
  await runner?.stop();
  await moto?.stop();
});

test('records the function reports failed come back until the redrive policy dead-letters them; the others are deleted', async () => {
  // GIVEN a queue with a 1 s visibility timeout and a dead-letter queue after 2 receives
  const dlq = await moto.createQueue('source-dlq');
  const queue = await moto.createQueue('source', { visibilityTimeoutSeconds: 1, deadLetter: { queue: dlq, maxReceiveCount: 2 } });
  // One record per invocation, so that each record's outcome is its own (a throw fails the whole batch, as in Lambda).
  const source = new SqsEventSource({ client: moto.client, queue, runners: [runner], batchSize: 1 });

  // WHEN three messages arrive, one of which the function fails, one that makes it throw
  for (const body of ['ok', 'fail', 'throw']) await moto.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
  source.start();
  await drained([source], [queue], (q) => moto.depth(q), 30_000);
  await source.stop();

  // THEN 'ok' was processed once and deleted; 'fail' (reported) and 'throw' (a failed invocation) came back and went to
  // the DLQ after their 2 receives; every record as Lambda builds it from the queue
  const bodies = source.invocations.flatMap((i) => i.records.map((r) => r.body));
  expect(bodies.filter((b) => b === 'ok')).toHaveLength(1);
  expect(bodies.filter((b) => b === 'fail')).toHaveLength(2);
  expect(bodies.filter((b) => b === 'throw')).toHaveLength(2);
  expect((await moto.drain(dlq)).map((m) => m.body).sort()).toEqual(['fail', 'throw']);
  expect(source.invocations[0].records[0]).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn, attributes: { ApproximateReceiveCount: '1' } });
  expect(source.invocations.some((i) => i.records[0].attributes.ApproximateReceiveCount === '2')).toBe(true);
}, 60_000);
