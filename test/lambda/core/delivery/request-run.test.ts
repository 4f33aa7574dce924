import { ConnectionOrder } from '../../../../lambda/core/delivery/connection-order';
import { BatchPruner } from '../../../../lambda/core/delivery/pruner';
import { RequestRun } from '../../../../lambda/core/delivery/request-run';
import { parseRequestValue } from '../../../../lambda/core/request';
import { fakeDeps, FakeSender, FakeStore, row } from '../../support/fakes';

function runFor(value: object, sender = new FakeSender()) {
  const parsed = parseRequestValue(value);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const store = new FakeStore([]);
  const deps = fakeDeps(store, sender);
  const run = new RequestRun({ messageId: 'm-1', request: parsed.request }, deps, new BatchPruner(deps),
    new ConnectionOrder(deps.sendSlots), () => 1_000_000, { followUps: true });
  return { run, sender, store, deps };
}

describe('RequestRun', () => {
  test('two concurrent settled() waiters both resolve', async () => {
    // GIVEN a run with posts in flight
    const { run } = runFor({ data: 'x' });
    await run.offerRows([row('a', 'c1'), row('b', 'c2'), row('c', 'c3')]);

    // WHEN two callers wait for it at once
    const both = Promise.all([run.settled(), run.settled()]).then(() => 'both');
    const result = await Promise.race([both, new Promise((r) => setTimeout(() => r('hung'), 1_000))]);

    // THEN neither is left hanging
    expect(result).toBe('both');
  });

  test('counts each post result in its own figure', async () => {
    // GIVEN one connection per kind of answer
    const sender = new FakeSender()
      .answer('gone', { status: 'gone' })
      .answer('rejected', { status: 'rejected', reason: '400' });
    const { run, deps } = runFor({ data: 'x' }, sender);

    // WHEN the rows are offered and the run finishes
    await run.offerRows([row('a', 'ok'), row('a', 'gone'), row('b', 'rejected')]);
    const outcome = await run.finish();

    // THEN delivered, gone (pruned) and rejected are told apart
    expect(outcome).toMatchObject({ status: 'delivered', targets: 3, delivered: 1, gone: 1, pruned: 1, failed: 1 });
    expect(deps.log.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'connection rejected the post' })]);
  });

  test('keeps a connection still failing in its remainder, instead of failing the request', async () => {
    // GIVEN a connection throttled on every attempt, in a run that carries forward
    const sender = new FakeSender().answer('slow', { status: 'retryable', reason: 'LimitExceededException (429)' });
    const { run } = runFor({ data: 'x' }, sender);

    // WHEN it is offered
    await run.offerRows([row('a', 'slow'), row('a', 'fast')]);
    const outcome = await run.finish();

    // THEN it is left for a follow-up, after every attempt, and the request is delivered
    expect(outcome.remainder?.connections).toEqual([{ userId: 'a', connectionId: 'slow' }]);
    expect(sender.delivered().filter((id) => id === 'slow')).toHaveLength(3);
    expect(outcome).toMatchObject({ status: 'delivered', delivered: 1, failed: 0, retried: 2 });
  });
});
