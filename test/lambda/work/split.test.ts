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

  test('an exclusion request is split into one work item per segment, with payload and targeting', () => {
    // WHEN an exclusion request is split over 3 segments
    const plan = planSplit({ messageId: 'm-1', request: request({ data: 'x', exclude_users: ['a'] }) }, { ...config.split!, totalSegments: 3 }, 42);

    // THEN
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.messages.map((m) => JSON.parse(m.body))).toEqual([0, 1, 2].map((segment) => ({
      v: 1, requestId: 'm-1', segment, totalSegments: 3, attempt: 1, startedAt: 42, targeting: { exclude_users: ['a'] }, data: 'x',
    })));
  });

  test.each([
    ['envelope' as const, { id: 'order-42' }],
    ['data' as const, {}],
  ])('with %s, each segment carries the request\'s id %j (only the envelope shows it)', (messageFormat, carried) => {
    // WHEN a request with an id is split over 2 segments
    const plan = planSplit({ messageId: 'm-1', request: request({ data: 'x', id: 'order-42' }) }, { ...config.split!, totalSegments: 2 }, 42, messageFormat);

    // THEN
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.messages.map((m) => JSON.parse(m.body))).toEqual([0, 1].map((segment) => ({
      v: 1, requestId: 'm-1', ...carried, segment, totalSegments: 2, attempt: 1, startedAt: 42, data: 'x',
    })));
  });

  test('a request whose exclusions do not fit beside the payload is not split, with the reason', () => {
    // GIVEN 10,000 excluded users beside a 100 KB payload
    const excluded = Array.from({ length: 10_000 }, (_, i) => `excluded-user-${i}`);

    // WHEN
    const plan = planSplit({ messageId: 'm', request: request({ data: 'p'.repeat(100_000), exclude_users: excluded }) }, config.split!, 1);

    // THEN
    expect(plan).toEqual({ ok: false, reason: expect.stringMatching(/over SQS's 262144/) });
  });

  test('the table is counted up to the threshold, once a minute', async () => {
    // GIVEN a table of 2 rows, a threshold of 2 and a clock
    const store = new FakeStore([row('a', '1'), row('b', '2')]);
    let t = 0;
    const decision = new SplitDecision(store, 2, () => t);

    // WHEN / THEN the first two decisions share one count
    expect(await decision.shouldSplit()).toBe(true);
    expect(await decision.shouldSplit()).toBe(true);
    expect(store.counted).toBe(1);

    // WHEN the table shrinks below the threshold, and a minute passes
    store.rows = [row('a', '1')];
    t = 61_000;

    // THEN a new count decides (a threshold of 0 never counts)
    expect(await decision.shouldSplit()).toBe(false);
    expect(await new SplitDecision(store, 0).shouldSplit()).toBe(true);
    expect(store.counted).toBe(2);
  });

  test('a work item with the largest payload and no exclusions fits in an SQS message', () => {
    // WHEN
    const plan = planSplit({ messageId: 'm', request: request({ data: 'p'.repeat(LIMITS.MAX_PAYLOAD_BYTES - 2) }) }, config.split!, 1);

    // THEN
    expect(plan.ok).toBe(true);
  });
});
