import { EmptySubscriptions, presenceWorld, START_MS } from './presence-fakes';
import { sqsRecord } from './stream-records';
import { CONFLICT_ATTEMPTS } from '../../../lambda/connection-stream/core/user-presence';

// Failures and retries: every event is put before the state that depends on it is written, so a failure retries the
// record (or the check) and puts the same event again; a user's later record never runs before an earlier failed one.

test('PutEvents failing on UserOnline: the record fails; its retry puts the same events again and writes the row once', async () => {
  const w = presenceWorld();
  const insert = w.connect('alice', 'a1');
  w.publisher.fail = (events) => events.some((e) => e.type === 'UserOnline');

  const first = await w.stream(insert);
  expect(first.batchItemFailures).toEqual([{ itemIdentifier: insert.dynamodb!.SequenceNumber }]);
  expect(first.report).toMatchObject({ failures: 1, failed: [{ userId: 'alice', connectionId: 'a1', error: expect.stringContaining('PutEventsError') }] });
  expect(w.store.rows.get('alice')).toBeUndefined();

  // WHEN Lambda retries the record (later: the clock moved) and the bus accepts
  w.publisher.fail = undefined;
  w.advance(5);
  expect((await w.stream(insert)).batchItemFailures).toEqual([]);

  // THEN the same Connected and UserOnline (ids, versions, times: they come from the record), the row written once
  const [connected1, online1] = w.publisher.attempts.slice(0, 2).map((a) => a[0]);
  expect(w.publisher.attempts.slice(2)).toEqual([[connected1], [online1]]);
  expect(w.store.writes).toEqual([{ userId: 'alice', row: { state: 'online', version: START_MS } }]);
});

test('the state write failing after UserOnline was put: retried, the same UserOnline again (a consumer drops the repeat)', async () => {
  const w = presenceWorld();
  const insert = w.connect('alice', 'a1');
  w.store.failReplace = () => true;
  expect((await w.stream(insert)).batchItemFailures).toHaveLength(1);
  w.store.failReplace = undefined;
  expect((await w.stream(insert)).batchItemFailures).toEqual([]);

  const ids = w.publisher.ofType('UserOnline').map((e) => e.detail);
  expect(ids).toHaveLength(2);
  expect(ids[1]).toEqual(ids[0]);
  expect(w.store.writes).toHaveLength(1);
});

test('a user\'s later record is not processed after an earlier one failed; every later record is reported', async () => {
  const w = presenceWorld();
  const a1 = w.connect('alice', 'a1');
  const b1 = w.connect('bob', 'b1');
  const a1gone = w.drop('alice', 'a1');
  w.publisher.fail = (events) => events.some((e) => e.detail.userId === 'alice' && e.type === 'UserOnline');

  const outcome = await w.stream(a1, b1, a1gone);

  expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a1, b1, a1gone].map((r) => r.dynamodb!.SequenceNumber));
  expect(w.publisher.events.filter((e) => e.detail.userId === 'alice').map((e) => e.type)).toEqual(['Connected']); // no Disconnected
  expect(w.queue.sent).toEqual([]);
  expect(outcome.report).toMatchObject({ failures: 1, reported: 3 });
});

test('a REMOVE retried after its check could not be sent: the row is leaving with its token, the retry sends the check once', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  const remove = w.drop('alice', 'a1');
  w.queue.fail = () => true;
  expect((await w.stream(remove)).batchItemFailures).toHaveLength(1);
  expect(w.store.rows.get('alice')).toEqual({ state: 'leaving', version: START_MS, token: remove.eventID });

  w.queue.fail = undefined;
  expect(await w.stream(remove)).toMatchObject({ batchItemFailures: [], report: { presence: { leaving: 1 } } });
  expect(w.queue.sent.map((s) => s.check)).toEqual([{ userId: 'alice', token: remove.eventID }]);
  expect(w.store.writes.map((x) => x.row.state)).toEqual(['online', 'leaving']);

  // and a retry of it once more (Lambda retries the whole batch from it) sends the same check again: harmless
  await w.stream(remove);
  w.advance(30);
  const checks = await w.checks(w.takeChecks());
  expect(checks.report.outcomes).toEqual({ offline: 1, stale: 1 });
  expect(w.publisher.ofType('UserOffline')).toHaveLength(1);
});

test('a REMOVE retried when a connection appeared meanwhile: the row is online again, the check (if sent) finds it so', async () => {
  const w = presenceWorld();
  await w.stream(w.connect('alice', 'a1'));
  const remove = w.drop('alice', 'a1');
  w.queue.fail = () => true;
  await w.stream(remove);
  w.queue.fail = undefined;
  const insert = w.connect('alice', 'a2');

  expect((await w.stream(remove, insert)).batchItemFailures).toEqual([]);
  expect(w.store.rows.get('alice')).toEqual({ state: 'online', version: START_MS });
  expect(w.publisher.ofType('UserOnline')).toHaveLength(1);
});

describe('the offline tombstone: written before UserOffline is put', () => {
  async function offlineNotPut() {
    const w = presenceWorld();
    await w.stream(w.connect('alice', 'a1'));
    const remove = w.drop('alice', 'a1');
    await w.stream(remove);
    w.advance(30);
    const checks = w.takeChecks();
    w.publisher.fail = (events) => events.some((e) => e.type === 'UserOffline');
    expect((await w.checks(checks)).batchItemFailures).toEqual([{ itemIdentifier: checks[0].messageId }]);
    w.publisher.fail = undefined;
    expect(w.store.rows.get('alice')).toEqual({ state: 'offline', version: START_MS + 30_000, token: remove.eventID });
    return { w, checks, remove };
  }

  test('the check retried: UserOffline again (the same event), then the token dropped', async () => {
    const { w, checks } = await offlineNotPut();
    expect(await w.checks(checks)).toMatchObject({ batchItemFailures: [], report: { outcomes: { repeated: 1 }, events: { UserOffline: 1 } } });
    const attempts = w.publisher.attempts.filter((a) => a[0].type === 'UserOffline');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toEqual(attempts[0]);
    expect(w.store.rows.get('alice')).toEqual({ state: 'offline', version: START_MS + 30_000, expiresAt: (START_MS + 30_000) / 1000 + 86_400 });
  });

  test('an INSERT before the check is retried: it repeats that UserOffline, then UserOnline with a later version; the retried check is stale', async () => {
    const { w, checks, remove } = await offlineNotPut();
    await w.stream(w.connect('alice', 'a2'));
    const events = w.publisher.events.slice(-2);
    expect(events.map((e) => [e.type, e.detail.eventId, e.detail.version])).toEqual([
      ['UserOffline', `${remove.eventID}:offline`, START_MS + 30_000],
      ['UserOnline', expect.stringMatching(/:online$/), START_MS + 30_001],
    ]);
    expect((await w.checks(checks)).report.outcomes).toEqual({ stale: 1 });
    expect(w.store.rows.get('alice')).toEqual({ state: 'online', version: START_MS + 30_001 });
  });
});

describe('presence checks', () => {
  test('invalid bodies and another queue\'s messages fail alone (to the DLQ); a valid one in the batch is processed', async () => {
    const w = presenceWorld();
    const bad = [
      sqsRecord('not-json', '{'),
      sqsRecord('array', '[]'),
      sqsRecord('no-token', '{"userId":"alice"}'),
      sqsRecord('empty-user', '{"userId":"","token":"t"}'),
      sqsRecord('other-queue', '{"userId":"alice","token":"t"}', 'arn:aws:sqs:us-east-1:123456789012:other'),
    ];
    const outcome = await w.checks([...bad, sqsRecord('ok', '{"userId":"bob","token":"t"}')]);

    expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(bad.map((r) => r.messageId));
    expect(outcome.report).toMatchObject({ checks: 6, invalid: 5, failures: 5, outcomes: { stale: 1 } });
    expect(outcome.report.failed.map((f) => [f.code, f.error])).toEqual([
      ['INVALID_CHECK', 'InvalidCheckError: invalid presence check: the body is not JSON'],
      ['INVALID_CHECK', 'InvalidCheckError: invalid presence check: the body is not a JSON object'],
      ['INVALID_CHECK', 'InvalidCheckError: invalid presence check: token must be a string of 1 to 1024 characters'],
      ['INVALID_CHECK', 'InvalidCheckError: invalid presence check: userId must be a string of 1 to 1024 characters'],
      ['INVALID_CHECK', expect.stringContaining('is from arn:aws:sqs:us-east-1:123456789012:other, not the presence check queue')],
    ]);
  });

  test('a failed check blocks the same user\'s later checks in the batch, not other users\'', async () => {
    const w = presenceWorld();
    w.store.rows.set('alice', { state: 'leaving', version: 1, token: 't1' });
    w.store.rows.set('bob', { state: 'leaving', version: 1, token: 't2' });
    w.publisher.fail = (events) => events[0].detail.userId === 'alice';
    const outcome = await w.checks([
      sqsRecord('m1', '{"userId":"alice","token":"t1"}'), sqsRecord('m2', '{"userId":"alice","token":"t0"}'), sqsRecord('m3', '{"userId":"bob","token":"t2"}'),
    ]);
    expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2']);
    expect(outcome.report.failed.map((f) => f.code)).toEqual(['CHECK_FAILED', 'BLOCKED']);
    expect(w.publisher.ofType('UserOffline').map((e) => e.detail.userId)).toEqual(['bob']);
  });

  test('a row that keeps changing under a check: re-read a bounded number of times, then the check fails (retried)', async () => {
    const w = presenceWorld();
    w.store.rows.set('alice', { state: 'leaving', version: 1, token: 't1' });
    // a concurrent writer wins every time: the condition always fails
    w.store.replace = async () => false;
    const outcome = await w.checks([sqsRecord('m1', '{"userId":"alice","token":"t1"}')]);
    expect(outcome.report.failed).toEqual([expect.objectContaining({ code: 'CHECK_FAILED', error: expect.stringContaining(`changed under every one of ${CONFLICT_ATTEMPTS} attempts`) })]);
  });
});

test('with the cleanup too: a REMOVE puts Disconnected, removes the subscriptions, then handles presence', async () => {
  const subscriptions = new EmptySubscriptions();
  const w = presenceWorld({ subscriptions });
  await w.stream(w.connect('alice', 'a1'));
  expect(await w.stream(w.drop('alice', 'a1'))).toMatchObject({ batchItemFailures: [], report: { events: { Disconnected: 1 }, presence: { leaving: 1 } } });
  expect(subscriptions.lookups).toEqual(['a1']);
});

test('a record whose Keys lack the user id fails (never dropped in silence)', async () => {
  const w = presenceWorld();
  const record = w.connect('alice', 'a1');
  delete record.dynamodb!.Keys!.user_id;
  const outcome = await w.stream(record);
  expect(outcome.batchItemFailures).toHaveLength(1);
  expect(outcome.report.failed[0].error).toContain('hold no string user_id');
});
