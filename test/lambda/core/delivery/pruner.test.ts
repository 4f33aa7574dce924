import { BatchPruner } from '../../../../lambda/core/delivery/pruner';
import { fakeDeps, FakeSender, FakeStore, FakeSubscriptionStore, row, subscriber } from '../../support/fakes';

describe('BatchPruner', () => {
  test('deletes a key once, however many requests met it', async () => {
    // GIVEN two requests of one invocation that both found the same gone connections
    const store = new FakeStore([row('a', 'c1'), row('a', 'c2'), row('b', 'c3')]);
    const pruner = new BatchPruner(fakeDeps(store, new FakeSender()));

    // WHEN both prune, concurrently
    const [first, second] = await Promise.all([
      pruner.prune([row('a', 'c1'), row('a', 'c2'), row('a', 'c1')], 'm-1'),
      pruner.prune([row('a', 'c2'), row('b', 'c3')], 'm-2'),
    ]);

    // THEN each request counts what it met, and each row was deleted in exactly one call
    expect([first, second]).toEqual([2, 2]);
    expect(store.pruneCalls.flat().map((k) => k.connectionId).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(store.rows).toEqual([]);
  });

  test('a store that throws counts nothing pruned and logs a warning', async () => {
    // GIVEN a store whose delete fails outright
    const store = new FakeStore([row('a', 'c1')]);
    store.prune = async () => { throw Object.assign(new Error('down'), { name: 'InternalServerError' }); };
    const deps = fakeDeps(store, new FakeSender());

    // WHEN
    const pruned = await new BatchPruner(deps).prune([row('a', 'c1')], 'm-1');

    // THEN
    expect(pruned).toBe(0);
    expect(deps.log.lines).toEqual([{
      level: 'warn', message: 'stale connections not pruned', fields: { messageId: 'm-1', count: 1, error: 'InternalServerError: down' },
    }]);
  });

  test('subscriptions are deleted once per channel and connection, however many requests met them', async () => {
    // GIVEN two requests that met c1's subscriptions, one of them twice
    const subscriptions = new FakeSubscriptionStore([subscriber('a', 'u', 'c1'), subscriber('b', 'u', 'c1'), subscriber('a', 'u', 'c2')]);
    const pruner = new BatchPruner(fakeDeps(new FakeStore([]), new FakeSender(), { subscriptions }));

    // WHEN
    const [first, second] = await Promise.all([
      pruner.pruneSubscriptions([{ channel: 'a', connectionId: 'c1' }, { channel: 'b', connectionId: 'c1' }, { channel: 'a', connectionId: 'c1' }], 'm-1'),
      pruner.pruneSubscriptions([{ channel: 'b', connectionId: 'c1' }], 'm-2'),
    ]);

    // THEN
    expect([first, second]).toEqual([2, 1]);
    expect(subscriptions.pruneCalls.flat()).toEqual([{ channel: 'a', connectionId: 'c1' }, { channel: 'b', connectionId: 'c1' }]);
    expect(subscriptions.rows).toEqual([subscriber('a', 'u', 'c2')]);
  });

  test('subscriptions not deleted are logged and not counted; without the table nothing is', async () => {
    // GIVEN a subscriptions table that cannot delete
    const subscriptions = new FakeSubscriptionStore([]);
    subscriptions.prune = async (keys) => ({ deleted: 0, failed: keys, error: 'ProvisionedThroughputExceededException: slow down' });
    const deps = fakeDeps(new FakeStore([]), new FakeSender(), { subscriptions });

    // WHEN / THEN
    expect(await new BatchPruner(deps).pruneSubscriptions([{ channel: 'a', connectionId: 'c1' }], 'm-1')).toBe(0);
    expect(deps.log.lines).toEqual([{
      level: 'warn', message: 'stale subscriptions not pruned', fields: { messageId: 'm-1', count: 1, error: 'ProvisionedThroughputExceededException: slow down' },
    }]);
    expect(await new BatchPruner(fakeDeps(new FakeStore([]), new FakeSender())).pruneSubscriptions([{ channel: 'a', connectionId: 'c1' }], 'm-1')).toBe(0);
  });
});
