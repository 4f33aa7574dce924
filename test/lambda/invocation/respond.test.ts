import { zeroCounts, type RequestReport, type WorkReport } from '../../../lambda/core/reports';
import type { IncomingRecord } from '../../../lambda/invocation/records';
import { respond, TransientDeliveryError } from '../../../lambda/invocation/respond';

const report = (messageId: string, source: RequestReport['source'], outcome: RequestReport['outcome']): RequestReport => ({
  messageId,
  source,
  kind: 'broadcast',
  outcome,
  ...zeroCounts(),
  requeued: 0,
  durationMs: 1,
  ...(outcome === 'failed' ? { error: { code: 'SEND_FAILED', message: 'still throttled' } } : {}),
});
const record = (messageId: string, source: 'sqs' | 'sns' | 'work'): IncomingRecord => ({ source, messageId, body: '{}' });
const workReport = (messageId: string, outcome: WorkReport['outcome']) => ({ messageId, outcome }) as WorkReport;

describe('respond', () => {
  test('SQS: exactly the failed requests and the failed or invalid work items', () => {
    // GIVEN
    const records = [record('a', 'sqs'), record('b', 'sqs'), record('w1', 'work'), record('w2', 'work'), record('w3', 'work')];
    const reports = [report('a', 'sqs', 'delivered'), report('b', 'sqs', 'failed')];
    const work = [workReport('w1', 'completed'), workReport('w2', 'invalid'), workReport('w3', 'failed')];

    // WHEN
    const answer = respond(records, reports, work);

    // THEN
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'w2' }, { itemIdentifier: 'w3' }] });
  });

  test('SNS: nothing to answer, a failure throws for Lambda to retry', () => {
    // GIVEN
    const records = [record('s1', 'sns'), record('s2', 'sns')];

    // WHEN / THEN
    expect(respond(records, [report('s1', 'sns', 'delivered'), report('s2', 'sns', 'invalid')], [])).toBeUndefined();
    expect(() => respond(records, [report('s1', 'sns', 'failed'), report('s2', 'sns', 'delivered')], []))
      .toThrow(new TransientDeliveryError([report('s1', 'sns', 'failed')]));
  });

  test('direct: the summary without message id, source and duration', () => {
    // GIVEN
    const records: IncomingRecord[] = [{ source: 'direct', messageId: 'req-1', value: {} }];

    // WHEN
    const answer = respond(records, [{ ...report('req-1', 'direct', 'delivered'), targets: 2, delivered: 2 }], []);

    // THEN
    expect(answer).toEqual({ status: 'delivered', kind: 'broadcast', ...zeroCounts(), requeued: 0, targets: 2, delivered: 2 });
    expect(() => respond(records, [report('req-1', 'direct', 'failed')], [])).toThrow(TransientDeliveryError);
  });
});
