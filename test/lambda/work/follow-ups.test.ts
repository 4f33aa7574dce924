import { planFollowUps } from '../../../lambda/work/follow-ups';
import { parseWorkItem, serializeWorkItem, type WorkItem } from '../../../lambda/work/work-item';

const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };

function item(fields: Partial<Parameters<typeof serializeWorkItem>[0]> = {}, data = '"hi"'): WorkItem {
  const parsed = parseWorkItem(serializeWorkItem({
    requestId: 'req-1',
    segment: 2,
    totalSegments: 4,
    attempt: 1,
    startedAt: 1_700_000_000_000,
    excludeUsers: new Set(['x']),
    ...fields,
  }, data), rules);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.item;
}

const keys = (...ids: string[]) => ids.map((id) => ({ userId: `u-${id}`, connectionId: id }));
const bodies = (plan: ReturnType<typeof planFollowUps>) => plan.messages.map((m) => ({ ...JSON.parse(m.body), delay: m.delaySeconds }));

describe('planFollowUps', () => {
  test('nothing left: no message', () => {
    // WHEN
    const plan = planFollowUps(item(), [], undefined, 3);

    // THEN
    expect(plan).toEqual({ messages: [], carried: 0, givenUp: [] });
  });

  test('carried connections go to the next attempt, delayed, without targeting', () => {
    // WHEN the second attempt leaves two connections
    const plan = planFollowUps(item({ attempt: 2 }), keys('c1', 'c2'), undefined, 3);

    // THEN one item of attempt 3, delayed 2 s, names exactly them
    expect(plan.carried).toBe(2);
    expect(bodies(plan)).toEqual([{
      v: 1,
      requestId: 'req-1',
      segment: 2,
      totalSegments: 4,
      attempt: 3,
      startedAt: 1_700_000_000_000,
      connections: keys('c1', 'c2'),
      data: 'hi',
      delay: 2,
    }]);
  });

  test('at the attempt bound, carried connections are given up', () => {
    // WHEN the last attempt leaves a connection
    const plan = planFollowUps(item({ attempt: 3 }), keys('c1'), undefined, 3);

    // THEN it is given up, with why, and nothing is enqueued
    expect(plan.messages).toEqual([]);
    expect(plan.givenUp).toEqual([{ keys: keys('c1'), why: 'still failing after 3 work-item attempts' }]);
  });

  test('the unread rest of a segment continues at the same attempt, with its exclusions', () => {
    // GIVEN where the next page starts
    const startKey = { user_id: { S: 'u9' }, connection_id: { S: 'c9' } };

    // WHEN
    const plan = planFollowUps(item(), [], startKey, 3);

    // THEN a continuation, not delayed
    expect(bodies(plan)).toEqual([{
      v: 1,
      requestId: 'req-1',
      segment: 2,
      totalSegments: 4,
      attempt: 1,
      startedAt: 1_700_000_000_000,
      targeting: { exclude_users: ['x'] },
      exclusiveStartKey: startKey,
      data: 'hi',
      delay: undefined,
    }]);
  });

  test('a connection too large to carry even alone is given up', () => {
    // GIVEN a payload near the SQS limit and a very long connection id
    const big = item({}, JSON.stringify('p'.repeat(130_000)));

    // WHEN
    const plan = planFollowUps(big, keys('c'.repeat(140_000)), undefined, 3);

    // THEN
    expect(plan.carried).toBe(0);
    expect(plan.givenUp).toEqual([{ keys: keys('c'.repeat(140_000)), why: 'too large to carry forward' }]);
  });
});
