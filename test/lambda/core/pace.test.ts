import { PacedSender, TokenBucket, workerBucket } from '../../../lambda/core/pace';
import { FakeSender } from '../support/fakes';

/** A clock that only moves when the bucket sleeps. */
function fakeClock() {
  const clock = { t: 0, sleeps: [] as number[] };
  const now = () => clock.t;
  const sleep = async (ms: number) => {
    clock.sleeps.push(ms);
    clock.t += ms;
  };
  return { clock, now, sleep };
}

describe('TokenBucket', () => {
  test('GIVEN an idle bucket THEN `burst` requests pass at once and the rest are spaced by 1/rate', async () => {
    // GIVEN: 100/s with a burst of 5
    const { clock, now, sleep } = fakeClock();
    const bucket = new TokenBucket(100, 5, now, sleep);

    // WHEN: 25 sequential takes
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await bucket.take();
      times.push(clock.t);
    }

    // THEN
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(times.slice(5, 8)).toEqual([10, 20, 30].map((ms) => ms + 0));
    // 25 requests at 100/s with 5 free: the last goes at (25 - 5) × 10 ms.
    expect(times[24]).toBe(200);
  });

  test('GIVEN concurrent callers THEN they are served in order and the long-run rate holds', async () => {
    // GIVEN: a real clock, 200/s, burst 1
    const bucket = new TokenBucket(200, 1);
    const started = Date.now();

    // WHEN: 41 concurrent takes
    await Promise.all(Array.from({ length: 41 }, () => bucket.take()));

    // THEN: 40 intervals of 5 ms at least
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  test('GIVEN a bad rate or burst THEN it throws', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket(10, 0)).toThrow(/burst/);
  });

  test('GIVEN a global budget and a worker concurrency THEN a worker paces at its share, a tenth of a second of burst', async () => {
    const { clock, now, sleep } = fakeClock();
    const bucket = workerBucket(3_000, 4, now, sleep);
    expect(bucket.ratePerSecond).toBe(750);
    expect(bucket.burst).toBe(75);
    for (let i = 0; i < 75 + 750; i++) await bucket.take();
    expect(clock.t).toBeCloseTo(1_000, 5);
  });
});

describe('PacedSender', () => {
  test('GIVEN a paced sender THEN every post waits for the bucket, then goes to the inner sender', async () => {
    const { clock, now, sleep } = fakeClock();
    const inner = new FakeSender();
    const sender = new PacedSender(inner, new TokenBucket(10, 1, now, sleep));
    for (const id of ['a', 'b', 'c']) expect(await sender.post(id, Buffer.from('x'))).toEqual({ status: 'delivered' });
    expect(inner.delivered()).toEqual(['a', 'b', 'c']);
    expect(clock.sleeps).toEqual([100, 100]);
  });
});
