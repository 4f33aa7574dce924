import { parseRequestValue, type NotificationRequest } from '../../../lambda/core/request';
import { planSplit, SplitDecision } from '../../../lambda/work/split';
import { LIMITS } from '../../../src/shared/constants';
import { FakeStore, row } from '../support/fakes';
import { WORK_CONFIG as config } from '../support/work-config';

describe('planSplit and SplitDecision', () => {
  const request = (value: object): NotificationRequest => {
    const parsed = parseRequestValue(value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.request;
  };

  test('GIVEN an exclusion request THEN one work item per segment, each with the payload and targeting', () => {
    const plan = planSplit({ messageId: 'm-1', request: request({ data: 'x', exclude_users: ['a'] }) }, { ...config, totalSegments: 3 }, 42);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.messages.map((m) => JSON.parse(m.body))).toEqual([0, 1, 2].map((segment) => ({
      v: 1, requestId: 'm-1', segment, totalSegments: 3, attempt: 1, startedAt: 42, targeting: { exclude_users: ['a'] }, data: 'x',
    })));
  });

  test('GIVEN exclusions that do not fit beside the payload THEN the request is not split, with the reason', () => {
    const excluded = Array.from({ length: 10_000 }, (_, i) => `excluded-user-${i}`);
    const plan = planSplit({ messageId: 'm', request: request({ data: 'p'.repeat(100_000), exclude_users: excluded }) }, config, 1);
    expect(plan).toEqual({ ok: false, reason: expect.stringMatching(/over SQS's 262144/) });
  });

  test('GIVEN a threshold THEN the table is counted up to it, once a minute', async () => {
    const store = new FakeStore([row('a', '1'), row('b', '2')]);
    let t = 0;
    const decision = new SplitDecision(store, 2, () => t);
    expect(await decision.shouldSplit()).toBe(true);
    expect(await decision.shouldSplit()).toBe(true);
    expect(store.counted).toBe(1);
    store.rows = [row('a', '1')];
    t = 61_000;
    expect(await decision.shouldSplit()).toBe(false);
    expect(await new SplitDecision(store, 0).shouldSplit()).toBe(true);
    expect(store.counted).toBe(2);
  });

  test('GIVEN the largest payload and no exclusions THEN a work item fits in an SQS message', () => {
    const plan = planSplit({ messageId: 'm', request: request({ data: 'p'.repeat(LIMITS.MAX_PAYLOAD_BYTES - 2) }) }, config, 1);
    expect(plan.ok).toBe(true);
  });
});
