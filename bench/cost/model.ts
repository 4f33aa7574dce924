/**
 * The cost model of issue 28 (pure functions): a month's usage (`usage.ts`) priced line by line with the list prices
 * (`prices.ts`), the parts that dominate, what one prop changes, and AppSync Events' price for the same month.
 */
import { ASSUMED, COUNTED } from './figures';
import { cost, type PriceName } from './prices';
import { WORKED_MONTH, type Scenario } from './scenario';
import { appSyncEventsUse, usage, type Usage } from './usage';

export interface LineItem {
  readonly item: string;
  readonly quantity: number;
  /** What `quantity` counts, e.g. `messages`. */
  readonly unit: string;
  readonly price: PriceName;
  readonly usd: number;
  /** What the quantity is made of, by part (in the unit). */
  readonly parts: Readonly<Record<string, number>>;
  /** How the quantity comes about, when it is not a sum of parts. */
  readonly detail?: string;
}

export interface Month {
  readonly scenario: Scenario;
  readonly usage: Usage;
  readonly items: readonly LineItem[];
  readonly total: number;
}

const sum = (parts: Readonly<Record<string, number>>) => Object.values(parts).reduce((a, b) => a + b, 0);

function item(name: string, unit: string, price: PriceName, parts: Readonly<Record<string, number>>, detail?: string): LineItem {
  const quantity = sum(parts);
  return { item: name, unit, price, quantity, usd: cost(price, quantity), parts, ...detail === undefined ? {} : { detail } };
}

/** Per function: invocations, or GB-seconds. */
const byFunction = (u: Usage, key: 'invocations' | 'gbSeconds') => ({
  'pusher': u.functions.pusher[key],
  'channels function': u.functions.channels[key],
  'connection stream function': u.functions.connectionStream[key],
});

/** Every line item of the month, in the order of the table. */
export function lineItems(s: Scenario, u: Usage): LineItem[] {
  const queue: PriceName = s.fifo ? 'sqsFifo' : 'sqsStandard';
  const channels = s.channelPublishes > 0;
  const metricParts = `${COUNTED.pusherMetrics + (channels ? COUNTED.channelDeliveredMetric : 0)} pusher`
    + (channels ? `, ${COUNTED.channelsFunctionMetrics} channels function, ${COUNTED.connectionStreamMetrics} connection stream function` : '');
  return [
    item('API Gateway messages', 'messages', 'apiGatewayMessage', u.messages),
    item('API Gateway connection minutes', 'minutes', 'apiGatewayConnectionMinute', { connected: u.connectionMinutes },
      `${quantityText(s.users * s.connectionsPerUser)} connections × ${s.hours} h × ${s.days} days`),
    item('Lambda requests', 'invocations', 'lambdaRequest', byFunction(u, 'invocations')),
    item('Lambda duration', 'GB-s', 'lambdaGbSecond', byFunction(u, 'gbSeconds')),
    item('DynamoDB reads', 'read units', 'dynamoRead', u.reads),
    item('DynamoDB writes', 'write units', 'dynamoWrite', u.writes),
    item('SQS requests', 'requests', queue, {
      'send': u.sqs.send,
      'receive + delete': u.sqs.receiveAndDelete,
      'idle receives': u.sqs.idleReceives,
    }),
    item('SNS publishes', 'publishes', 'snsPublish', { publish: u.snsPublishes }),
    item('CloudWatch custom metrics', 'metric-months', 'customMetric', { metrics: u.metricMonths },
      `${u.metrics} metrics (${metricParts}), sent ${s.hours} h a day`),
    item('CloudWatch alarms', 'alarms', 'alarm', { alarms: u.alarms },
      u.alarms > 0 ? `${COUNTED.alarms}${channels ? ` + ${COUNTED.channelAlarms} with channels` : ''}` : 'no `alarms`'),
    item('CloudWatch dashboard', 'dashboard', 'dashboard', { dashboard: u.dashboards },
      u.dashboards > 0 ? 'free if among the account\'s first 3' : 'no `createDashboard()`'),
    item('CloudWatch Logs ingestion', 'GB', 'logsIngestion', {
      'pusher': u.logGb.pusher,
      'channels function': u.logGb.channels,
      'connection stream function': u.logGb.connectionStream,
    }),
    item('CloudWatch Logs storage', 'GB-months', 'logsStorage', { stored: u.logStorageGbMonths },
      `${s.logRetentionDays} days kept, archived at ${ASSUMED.logCompression * 100} % of the ingested size`),
  ];
}

/** A count with thousands separators. */
const quantityText = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** The month of a scenario, priced. */
export function month(s: Scenario): Month {
  const u = usage(s);
  const items = lineItems(s, u);
  return { scenario: s, usage: u, items, total: items.reduce((a, i) => a + i.usd, 0) };
}

/** The line items that make `share` of the total (at least one), the dearest first, and any other of `floor` or more. */
export function dominant(m: Month, share = 0.8, floor = 0.05): LineItem[] {
  const sorted = [...m.items].sort((a, b) => b.usd - a.usd);
  const out: LineItem[] = [];
  let covered = 0;
  for (const i of sorted) {
    if (out.length > 0 && covered >= share * m.total && i.usd < floor * m.total) break;
    out.push(i);
    covered += i.usd;
  }
  return out;
}

export interface Variant {
  /** The prop or client setting changed, in words. */
  readonly change: string;
  readonly scenario: Scenario;
}

/** One change at a time to the props (and the client's ping) that move the bill; a change `s` already has is left out. */
export function variants(s: Scenario): Variant[] {
  const all: Variant[] = [
    { change: '`deduplication` on', scenario: { ...s, deduplication: true } },
    { change: 'a channel rule with `history`', scenario: { ...s, history: true } },
    { change: '`deduplication` and `history`', scenario: { ...s, deduplication: true, history: true } },
    { change: '`memorySize: 512`', scenario: { ...s, memory: 512 } },
    { change: '`memorySize: 1769`', scenario: { ...s, memory: 1_769 } },
    { change: '`maxBatchingWindow: Duration.seconds(1)`', scenario: { ...s, batchingWindow: 1 } },
    { change: 'the client\'s `pingIntervalMs: 540_000` (9 min)', scenario: { ...s, pingMinutes: 9 } },
    { change: 'requests through the SNS topic', scenario: { ...s, source: 'sns' } },
    { change: 'no `alarms`, no `createDashboard()`', scenario: { ...s, alarms: false, dashboard: false } },
  ];
  const key = (x: Scenario) => JSON.stringify(x);
  return all.filter((v) => key(v.scenario) !== key(s) && (s.channelPublishes > 0 || !v.change.includes('history')));
}

export interface AppSyncLine {
  readonly item: string;
  readonly quantity: number;
  readonly price: PriceName;
  readonly usd: number;
}

/** AppSync Events, the same month: its operations and connection minutes, and the keep-alives if they were metered. */
export function appSyncEvents(s: Scenario): { lines: AppSyncLine[]; total: number; keepAlives: AppSyncLine } {
  const u = appSyncEventsUse(s);
  const line = (name: string, quantity: number, price: PriceName): AppSyncLine => ({ item: name, quantity, price, usd: cost(price, quantity) });
  const lines = [
    line('operations: messages delivered to subscribers', u.deliveries, 'appSyncEventsOperation'),
    line('operations: events published', u.publishes, 'appSyncEventsOperation'),
    line('operations: connects and subscribe requests', u.connects + u.subscribes, 'appSyncEventsOperation'),
    line('connection minutes', u.connectionMinutes, 'appSyncEventsConnectionMinute'),
  ];
  return {
    lines,
    total: lines.reduce((a, l) => a + l.usd, 0),
    keepAlives: line('operations: a server keep-alive a minute, if metered', u.keepAlives, 'appSyncEventsOperation'),
  };
}

/** The worked month of the issue (the defaults of every flag). */
export const workedMonth = (): Month => month(WORKED_MONTH);
