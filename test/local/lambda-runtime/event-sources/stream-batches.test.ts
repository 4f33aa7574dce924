import { LocalStream } from '../../../../local/aws/dynamodb/local-stream';
import { stepAfter, verdictOf, type Segment } from '../../../../local/lambda-runtime/event-sources/stream-batches';

// How Lambda judges a stream invocation and what it does next, as pure rules.

const stream = new LocalStream('t');
const records = ['a', 'b', 'c', 'd'].map((pk) => stream.append({ keys: { pk: { S: pk } }, newImage: { pk: { S: pk } } })!);
const seq = (i: number) => records[i].dynamodb.SequenceNumber;
const answered = (result: unknown) => ({ result: result as never, lines: [], json: [] });
const segment = (retries = 0): Segment => ({ records, retries, invocations: retries + 1 });
const keys = (s: Segment) => s.records.map((r) => r.dynamodb.Keys.pk.S).join('');

describe('verdictOf', () => {
  test('with ReportBatchItemFailures: none, null, [] or no answer is a success; the lowest reported record is where the retry starts', () => {
    for (const result of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
      expect(verdictOf(answered(result), records, true)).toEqual({ kind: 'success' });
    }
    expect(verdictOf(answered({ batchItemFailures: [{ itemIdentifier: seq(3) }, { itemIdentifier: seq(1) }] }), records, true)).toEqual({ kind: 'partial', from: 1 });
  });

  test('an identifier that is empty, not a string or of no record, or a list that is not one, fails the whole batch', () => {
    for (const failures of [[{ itemIdentifier: '' }], [{ itemIdentifier: null }], [{ itemIdentifier: 42 }], [{}], [{ itemIdentifier: '1' }], 'oops']) {
      expect(verdictOf(answered({ batchItemFailures: failures }), records, true)).toEqual({ kind: 'failure', functionError: false });
    }
  });

  test('a function error fails the batch; without ReportBatchItemFailures the answer is ignored', () => {
    expect(verdictOf({ error: { name: 'Error', message: 'x' }, lines: [], json: [] }, records, true)).toEqual({ kind: 'failure', functionError: true });
    expect(verdictOf(answered({ batchItemFailures: [{ itemIdentifier: seq(0) }] }), records, false)).toEqual({ kind: 'success' });
  });
});

describe('stepAfter', () => {
  const rules = { bisectBatchOnFunctionError: false, maximumRetryAttempts: 2 };

  test('a success checkpoints everything', () => {
    expect(stepAfter(segment(), { kind: 'success' }, rules)).toEqual({ done: 4, next: [] });
  });

  test('a partial failure checkpoints what precedes the reported record and retries the rest (a retry, also from the first record)', () => {
    const step = stepAfter(segment(), { kind: 'partial', from: 2 }, rules);
    expect([step.done, step.next.map(keys), step.next[0].retries]).toEqual([2, ['cd'], 1]);
    expect(stepAfter(segment(), { kind: 'partial', from: 0 }, rules).next.map((s) => [keys(s), s.retries])).toEqual([['abcd', 1]]);
  });

  test('a failure is retried, or with bisection split in halves without consuming a retry; a single record is retried', () => {
    expect(stepAfter(segment(1), { kind: 'failure', functionError: true }, rules).next.map((s) => [keys(s), s.retries])).toEqual([['abcd', 2]]);
    const bisect = { ...rules, bisectBatchOnFunctionError: true };
    expect(stepAfter(segment(1), { kind: 'failure', functionError: true }, bisect).next.map((s) => [keys(s), s.retries, s.invocations])).toEqual([['ab', 1, 2], ['cd', 1, 2]]);
    const single = { records: records.slice(0, 1), retries: 0, invocations: 1 };
    expect(stepAfter(single, { kind: 'failure', functionError: true }, bisect).next.map((s) => [keys(s), s.retries])).toEqual([['a', 1]]);
  });

  test('past maximumRetryAttempts the records are given up; 0 gives up at the first failure; -1 never', () => {
    expect(stepAfter(segment(2), { kind: 'partial', from: 1 }, rules)).toEqual({ done: 1, next: [], discarded: { records: records.slice(1), retries: 3, invocations: 3 } });
    expect(stepAfter(segment(0), { kind: 'failure', functionError: true }, { ...rules, maximumRetryAttempts: 0 }).discarded?.records).toHaveLength(4);
    expect(stepAfter(segment(10_000), { kind: 'failure', functionError: true }, { ...rules, maximumRetryAttempts: -1 }).discarded).toBeUndefined();
  });
});
