import { ASSUMED, LOOKUP_CPU_MS, MEASURED } from '../../bench/cost/figures';
import { appSyncEvents, dominant, month, variants, workedMonth, type LineItem, type Month } from '../../bench/cost/model';
import { PRICES } from '../../bench/cost/prices';
import { markdownReport } from '../../bench/cost/report';
import { parseScenario, WORKED_MONTH, type Scenario } from '../../bench/cost/scenario';
import { recordsPerBatch } from '../../bench/cost/usage';

// The cost model of issue 28 (bench/cost.ts): a small month computed here by hand, line by line, with the prices of
// bench/cost/prices.ts; the flags; the worked month's counts.

/** A month small enough to count by hand: 1,769 MB is one vCPU, 2 h a day is 2 sockets a connection, one day. */
const SMALL: Scenario = {
  ...WORKED_MONTH,
  users: 100,
  connectionsPerUser: 2,
  hours: 2,
  days: 1,
  multicasts: 1_000,
  broadcasts: 1,
  channelPublishes: 10,
  channelSubscribers: 50,
  memory: 1_769,
  pingMinutes: 5,
};

const perMillion = (p: { usd: number }) => p.usd / 1e6;
const line = (m: Month, name: string): LineItem => {
  const found = m.items.find((i) => i.item === name);
  if (!found) throw new Error(`no line item '${name}'`);
  return found;
};

describe('the small month, by hand', () => {
  const m = month(SMALL);
  // 200 connections; sockets a day: 1 + floor(120 min / 112.5 min) = 2, so 400 sockets, 400 subscribes (1 channel each).

  test('API Gateway messages: 2,000 multicast + 200 broadcast + 500 channel + 800 subscribe + 9,600 ping', () => {
    // multicast 1,000 × 2 connections; broadcast 1 × 200; channel 10 × 50; subscribe 400 × (frame + reply);
    // ping: 120 min / 5 = 24 a connection, × 200 connections × (ping + pong).
    const i = line(m, 'API Gateway messages');
    expect(i.parts).toEqual({ multicast: 2_000, broadcast: 200, channel: 500, subscribe: 800, ping: 9_600 });
    expect(i.quantity).toBe(13_100);
    expect(i.usd).toBeCloseTo(13_100 * perMillion(PRICES.apiGatewayMessage), 12);
  });

  test('API Gateway connection minutes: 200 connections × 120 min', () => {
    const i = line(m, 'API Gateway connection minutes');
    expect(i.quantity).toBe(24_000);
    expect(i.usd).toBeCloseTo(24_000 * 0.25 / 1e6, 12);
  });

  test('Lambda requests: 1,011 pusher (1,000 multicast batches of 1, a broadcast, 10 publishes), 400 subscribes, 800 stream records', () => {
    const i = line(m, 'Lambda requests');
    expect(i.parts).toEqual({ 'pusher': 1_011, 'channels function': 400, 'connection stream function': 800 });
    expect(i.usd).toBeCloseTo(2_211 * 0.2 / 1e6, 12);
  });

  test('Lambda duration: round trips plus CPU at one vCPU, in GB-seconds', () => {
    const lookupCpu = 3 * 191.8 / 1000 - 3 * 0.0518; // the multicast figure less its 3 posts: 0.42 ms
    expect(LOOKUP_CPU_MS).toBeCloseTo(lookupCpu, 12);
    // a Query and a post, then the small multicast's measured CPU (3 connections) less a post (2 connections here)
    const multicast = (5 + 20) / 1000 + (2.82 - 0.0518) / 1000;
    const broadcast = Math.max((88 + 200 * 0.0518) / 1000, 200 / 5_753) + 5 / 1000; // CPU-bound, then the Scan's round trip
    const publish = Math.max((88 + 50 * 0.0518) / 1000, 50 / 5_753) + 5 / 1000;
    const pusher = (1_000 * multicast + broadcast + 10 * publish) * 1_769 / 1024;
    const channels = 400 * (3 * 5 + 4.74) / 1000 * 0.5; // GetItem, COUNT Query, PutItem + the measured 4.74 ms, 512 MB
    const stream = (800 * 2 + 400 * 2 * 5) / 1000 * 0.5; // 2 ms a record; a REMOVE queries and deletes (2 round trips)
    const i = line(m, 'Lambda duration');
    expect(i.parts.pusher).toBeCloseTo(pusher, 9);
    expect(i.parts['channels function']).toBeCloseTo(channels, 9);
    expect(i.parts['connection stream function']).toBeCloseTo(stream, 9);
    expect(i.usd).toBeCloseTo((pusher + channels + stream) * 0.0000133334, 12);
  });

  test('DynamoDB reads: half a unit per 4 KB eventually consistent, a unit a subscribe', () => {
    const i = line(m, 'DynamoDB reads');
    expect(i.parts).toEqual({
      'multicast lookups': 1_000 * 0.5, // 2 rows of 100 B: one 4 KB unit, eventually consistent
      'broadcast scans': 1 * Math.ceil(200 * 100 / 4096) * 0.5, // 5 units of 4 KB
      'channel reads': 10 * Math.ceil(50 * 120 / 4096) * 0.5, // 2 units of 4 KB a publish
      'subscribes': 400,
      'cleanups': 400 * 0.5,
      'history counters': 0,
    });
    expect(i.quantity).toBe(1_112.5);
    expect(i.usd).toBeCloseTo(1_112.5 * 0.125 / 1e6, 12);
  });

  test('DynamoDB writes: $connect and $disconnect, subscribes and cleanups with their index writes', () => {
    const i = line(m, 'DynamoDB writes');
    expect(i.parts).toEqual({ '$connect / $disconnect': 800, 'subscribes': 800, 'cleanups': 800, 'deduplication': 0, 'history': 0 });
    expect(i.usd).toBeCloseTo(2_400 * 0.625 / 1e6, 12);
  });

  test('SQS requests: a send per request, a receive and a delete per batch, idle long polls', () => {
    // Idle: the request queue 22 h, the work queue 24 h, at 15 empty receives a minute.
    const i = line(m, 'SQS requests');
    expect(i.parts).toEqual({ 'send': 1_011, 'receive + delete': 2_022, 'idle receives': (22 + 24) * 60 * 15 });
    expect(i.usd).toBeCloseTo(44_433 * 0.4 / 1e6, 12);
    expect(line(m, 'SNS publishes').usd).toBe(0);
  });

  test('CloudWatch: 32 metrics for 2 h of 24, 12 alarms, a dashboard', () => {
    expect(line(m, 'CloudWatch custom metrics').quantity).toBeCloseTo(32 * 2 / 24, 12);
    expect(line(m, 'CloudWatch custom metrics').usd).toBeCloseTo(32 * 2 / 24 * 0.3, 12);
    expect(line(m, 'CloudWatch alarms').usd).toBeCloseTo(12 * 0.1, 12);
    expect(line(m, 'CloudWatch dashboard').usd).toBe(3);
  });

  test('CloudWatch Logs: the reporters\' lines and 265 B of platform lines an invocation, archived at 15 %', () => {
    const gb = 2 ** 30;
    const pusher = (1_000 * 1_314 + 1 * 1_342 + 10 * 1_404 + 1_011 * 265) / gb;
    const channels = 400 * (1_505 + 265) / gb;
    const stream = 800 * (579 + 265) / gb;
    const i = line(m, 'CloudWatch Logs ingestion');
    expect(i.parts.pusher).toBeCloseTo(pusher, 15);
    expect(i.parts['channels function']).toBeCloseTo(channels, 15);
    expect(i.parts['connection stream function']).toBeCloseTo(stream, 15);
    expect(i.usd).toBeCloseTo((pusher + channels + stream) * 0.5, 12);
    expect(line(m, 'CloudWatch Logs storage').usd).toBeCloseTo((pusher + channels + stream) * 0.15 * 0.03, 12);
  });

  test('the total is the sum of the line items', () => {
    expect(m.total).toBeCloseTo(m.items.reduce((a, i) => a + i.usd, 0), 12);
    expect(m.items).toHaveLength(13);
  });

  test('AppSync Events: deliveries, publishes, a connect and 3 subscribes a connection a day, connection minutes', () => {
    const a = appSyncEvents(SMALL);
    expect(a.lines.map((l) => l.quantity)).toEqual([2_700, 1_011, 200 + 600, 24_000]);
    expect(a.total).toBeCloseTo((2_700 + 1_011 + 800) / 1e6 + 24_000 * 0.08 / 1e6, 12);
    expect(a.keepAlives.quantity).toBe(24_000);
  });
});

describe('what the props change', () => {
  test('deduplication: 2 writes a request, 2 more round trips', () => {
    const base = month(SMALL);
    const dedup = month({ ...SMALL, deduplication: true });
    expect(line(dedup, 'DynamoDB writes').parts.deduplication).toBe(2 * 1_011);
    expect(line(dedup, 'Lambda duration').parts.pusher).toBeGreaterThan(line(base, 'Lambda duration').parts.pusher + 1_000 * 0.01);
  });

  test('history: strongly consistent channel reads, the counter read, 2 writes a publish of 1 KB, a read more a subscribe', () => {
    const h = month({ ...SMALL, history: true });
    const reads = line(h, 'DynamoDB reads').parts;
    expect(reads['channel reads']).toBe(10 * 2);
    expect(reads['history counters']).toBe(10);
    expect(reads.subscribes).toBe(800);
    expect(line(h, 'DynamoDB writes').parts.history).toBe(20);
  });

  test('SNS: a publish per request, one invocation each, no SQS but idle polls', () => {
    const sns = month({ ...SMALL, source: 'sns' });
    expect(line(sns, 'SNS publishes').quantity).toBe(1_011);
    expect(line(sns, 'SQS requests').parts).toEqual({ 'send': 0, 'receive + delete': 0, 'idle receives': 48 * 60 * 15 });
  });

  test('a batching window fills batches from the rate of the active hours, up to batchSize', () => {
    const s = { ...SMALL, multicasts: 36_000, hours: 1 }; // 10 a second
    expect(recordsPerBatch(s)).toBe(1);
    expect(recordsPerBatch({ ...s, batchingWindow: 0.5 })).toBe(5);
    expect(recordsPerBatch({ ...s, batchingWindow: 5 })).toBe(10);
    expect(line(month({ ...s, batchingWindow: 0.5 }), 'Lambda requests').parts.pusher).toBe(36_000 / 5 + 1 + 10);
  });

  test('no channel publishes: no channels function, stream function, subscribes, 13 metrics, 7 alarms', () => {
    const m = month({ ...SMALL, channelPublishes: 0 });
    expect(line(m, 'Lambda requests').parts).toEqual({ 'pusher': 1_001, 'channels function': 0, 'connection stream function': 0 });
    expect(line(m, 'API Gateway messages').parts.subscribe).toBe(0);
    expect(line(m, 'CloudWatch custom metrics').quantity).toBeCloseTo(13 * 2 / 24, 12);
    expect(line(m, 'CloudWatch alarms').quantity).toBe(7);
    expect(variants(m.scenario).some((v) => v.change.includes('history'))).toBe(false);
  });
});

describe('the worked month', () => {
  const m = workedMonth();

  test('counts: 435 M messages (pings 72 M), 144 M connection minutes, 30.3 M pusher invocations', () => {
    expect(line(m, 'API Gateway messages').parts).toEqual({
      multicast: 30e6, broadcast: 30e6, channel: 300e6, subscribe: 2 * 10_000 * 5 * 30, ping: 2 * 120 * 10_000 * 30,
    });
    expect(line(m, 'API Gateway connection minutes').quantity).toBe(144e6);
    expect(line(m, 'Lambda requests').parts.pusher).toBe(30e6 + 3_000 + 300_000);
  });

  test('API Gateway messages dominate; the report names them first', () => {
    expect(dominant(m)[0].item).toBe('API Gateway messages');
    expect(line(m, 'API Gateway messages').usd / m.total).toBeGreaterThan(0.7);
    expect(markdownReport(m)).toContain('**Dominant**: API Gateway messages');
  });

  test('each variant changes the one prop it names', () => {
    const byChange = Object.fromEntries(variants(m.scenario).map((v) => [v.change, v.scenario]));
    expect(byChange['`memorySize: 512`']).toEqual({ ...WORKED_MONTH, memory: 512 });
    expect(byChange['`maxBatchingWindow: Duration.seconds(1)`']).toEqual({ ...WORKED_MONTH, batchingWindow: 1 });
  });

  test('the figures are the benchmarks\' and the assumptions the ones the report states', () => {
    expect(1000 / MEASURED.deliveryCpuMs).toBeCloseTo(19_305, 0); // "19,300 deliveries per vCPU-second"
    expect(ASSUMED.mbPerVcpu).toBe(1_769);
    expect(Object.values(PRICES).every((p) => p.read === '2026-12-06' && p.source.startsWith('https://aws.amazon.com/'))).toBe(true);
  });
});

describe('flags', () => {
  test('no flags: the worked month', () => {
    expect(parseScenario([])).toEqual({ scenario: WORKED_MONTH, json: false });
  });

  test('each flag sets its field; decimals and underscores are read', () => {
    const { scenario, json } = parseScenario(['--users', '20_000', '--hours', '7.5', '--connections-per-user', '1.5',
      '--deduplication', '--history', '--memory', '512', '--source', 'sns', '--no-alarms', '--no-dashboard',
      '--channel-publishes', '0', '--batching-window', '0.5', '--ping-minutes', '0', '--json']);
    expect(json).toBe(true);
    expect(scenario).toEqual({
      ...WORKED_MONTH,
      users: 20_000,
      hours: 7.5,
      connectionsPerUser: 1.5,
      deduplication: true,
      history: true,
      memory: 512,
      source: 'sns',
      alarms: false,
      dashboard: false,
      channelPublishes: 0,
      batchingWindow: 0.5,
      pingMinutes: 0,
    });
  });

  test.each([
    [['--users', 'abc'], /^--users: expected an integer ≥ 1, got 'abc'$/],
    [['--users', '0'], /^--users: expected an integer ≥ 1, got '0'$/],
    [['--hours', '25'], /^--hours: expected a number from 0\.1 to 24, got '25'$/],
    [['--memory', '1024.5'], /^--memory: expected an integer from 128 to 10240/],
    [['--ping-minutes', '10'], /^--ping-minutes: .*API Gateway closes a connection idle for 10 minutes/],
    [['--fifo', '--batch-size', '20'], /^--batch-size: expected an integer from 1 to 10, got '20'/],
    [['--source', 'kafka'], /^--source: expected sqs or sns, got 'kafka'$/],
    [['--channel-subscribers', '20000'], /^--channel-subscribers: a channel cannot have more subscribers/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--users'], /'--users <value>' argument missing/],
  ])('%j: an error naming the flag', (argv, message) => {
    expect(() => parseScenario(argv)).toThrow(message);
  });
});
