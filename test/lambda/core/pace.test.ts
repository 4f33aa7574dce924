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
  test('an idle bucket lets `burst` requests pass at once and spaces the rest by 1/rate', async () => {
    // GIVEN an idle bucket: 100/s with a burst of 5
    const { clock, now, sleep } = fakeClock();
    const bucket = new TokenBucket(100, 5, now, sleep);

    // WHEN 25 sequential takes
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

  test('concurrent callers are served in order and the long-run rate holds', async () => {
    // GIVEN a real clock, 200/s, burst 1
    const bucket = new TokenBucket(200, 1);
    const started = Date.now();

    // WHEN 41 concurrent takes
    await Promise.all(Array.from({ length: 41 }, () => bucket.take()));

    // THEN 40 intervals of 5 ms at least
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  test('a bad rate or burst throws', () => {
    // WHEN / THEN
    expect(() => new TokenBucket(0, 1)).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket(10, 0)).toThrow(/burst/);
  });

  test('a worker paces at its share of the global budget, with a tenth of a second of burst', async () => {
    // GIVEN a fake clock
    const { clock, now, sleep } = fakeClock();

    // WHEN a worker's bucket is made from a global budget of 3,000/s over 4 workers
    const bucket = workerBucket(3_000, 4, now, sleep);

    // THEN it takes 750/s, and 75 at once
    expect(bucket.ratePerSecond).toBe(750);
    expect(bucket.burst).toBe(75);

    // WHEN the burst and one second's worth are taken
    for (let i = 0; i < 75 + 750; i++) await bucket.take();

    // THEN a second has passed
    expect(clock.t).toBeCloseTo(1_000, 5);
  });
});

describe('PacedSender', () => {
  test('a paced sender\'s posts wait for the bucket, then go to the inner sender', async () => {
    // GIVEN a sender paced at 10/s, burst 1
    const { clock, now, sleep } = fakeClock();
    const inner = new FakeSender();
    const sender = new PacedSender(inner, new TokenBucket(10, 1, now, sleep));

    // WHEN / THEN three posts
    for (const id of ['a', 'b', 'c']) expect(await sender.post(id, Buffer.from('x'))).toEqual({ status: 'delivered' });
    expect(inner.delivered()).toEqual(['a', 'b', 'c']);
    expect(clock.sleeps).toEqual([100, 100]);
  });
});
