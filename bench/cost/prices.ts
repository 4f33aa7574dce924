/**
 * The AWS list prices of the cost model (issue 28): US East (N. Virginia), on-demand, read on 2026-12-06. Free tiers
 * are left out everywhere (a month at this scale is past them, and they belong to an account, not to a construct).
 *
 * Each price says where it was read and how it was checked: `official` (the AWS pricing page's own text),
 * `price list` (the AWS Price List data, as mirrored by a public dataset), `secondary` (third-party pages quoting the
 * pricing page, two or more agreeing), `unverified` (background knowledge, no source found). Check the pages for
 * another Region or a later date: prices change.
 */

/** The day every price below was read. */
export const PRICES_READ = '2026-12-06';

export type Verification = 'official' | 'price list' | 'secondary' | 'unverified';

export interface Price {
  /** USD per `per` of the unit. */
  readonly usd: number;
  /** How many of the metered unit `usd` buys: 1e6 for a price per million. */
  readonly per: number;
  /** What is metered, in words (printed after the price). */
  readonly unit: string;
  readonly source: string;
  readonly read: string;
  readonly verified: Verification;
  /** How it was checked, and what the page says that the model relies on. */
  readonly note: string;
}

const price = (usd: number, per: number, unit: string, source: string, verified: Verification, note: string): Price =>
  ({ usd, per, unit, source, read: PRICES_READ, verified, note });

const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const APPSYNC = 'https://aws.amazon.com/appsync/pricing/';

export const PRICES = {
  apiGatewayMessage: price(1.0, 1e6, 'million messages (32 KB units; the first billion of a month)', API_GATEWAY, 'secondary',
    'WebSocket APIs: messages sent and received; the unit is on the page ("Messages are metered in 32 KB increments"), '
    + 'the rate only in third parties\' quotes; cheaper past a billion a month (not modelled)'),
  apiGatewayConnectionMinute: price(0.25, 1e6, 'million connection minutes', API_GATEWAY, 'secondary',
    'WebSocket APIs: the minutes clients are connected'),
  lambdaGbSecond: price(0.0000133334, 1, 'GB-second (arm64, the first 7.5 billion of a month)', LAMBDA, 'secondary',
    'arm64 duration, billed per 1 ms; the construct\'s functions are arm64. AWS\'s own pages give it only as a derivation: '
    + 'x86 at 0.0000166667 USD per GB-second (What\'s New, Aug 2022, tiered pricing) and arm64 "20 percent lower" (News Blog)'),
  lambdaRequest: price(0.2, 1e6, 'million invocations', LAMBDA, 'official',
    'requests, any architecture: "$0.20 per 1 million requests" (the pricing page\'s example; the AWS pricing whitepaper)'),
  dynamoRead: price(0.125, 1e6, 'million read request units', DYNAMODB, 'secondary',
    'on-demand, after the November 2024 cut; 1 unit = a strongly consistent read of 4 KB, or two eventually consistent'),
  dynamoWrite: price(0.625, 1e6, 'million write request units', DYNAMODB, 'secondary',
    'on-demand, after the November 2024 cut; 1 unit = a write of 1 KB (a GSI write is one more)'),
  sqsStandard: price(0.4, 1e6, 'million requests (64 KB chunks)', 'https://aws.amazon.com/sqs/pricing/', 'secondary',
    'standard queues; every API action is a request, an empty receive too'),
  sqsFifo: price(0.5, 1e6, 'million requests (64 KB chunks)', 'https://aws.amazon.com/sqs/pricing/', 'secondary', 'FIFO queues'),
  snsPublish: price(0.5, 1e6, 'million publishes (64 KB chunks)', 'https://aws.amazon.com/sns/pricing/', 'secondary',
    'standard topics; deliveries to Lambda and SQS cost nothing more'),
  customMetric: price(0.3, 1, 'metric-month (the first 10,000; prorated by the hour a metric is sent)', CLOUDWATCH, 'secondary',
    'each metric name × dimension set; EMF metrics are billed as custom metrics, their lines as logs, no PutMetricData'),
  alarm: price(0.1, 1, 'standard-resolution alarm metric-month', CLOUDWATCH, 'secondary', 'one metric per alarm here'),
  dashboard: price(3.0, 1, 'dashboard-month', CLOUDWATCH, 'secondary',
    'the first 3 dashboards of an account (up to 50 metrics each) are free: this one may cost nothing'),
  logsIngestion: price(0.5, 1, 'GB ingested', CLOUDWATCH, 'secondary',
    'Standard log class; Lambda logs are tiered since May 2025, the first tier (10 TB) at this price'),
  logsStorage: price(0.03, 1, 'GB-month archived (compressed)', CLOUDWATCH, 'secondary',
    'archived data is billed compressed; AWS\'s pricing calculator assumes 15 % of the ingested size'),
  appSyncEventsOperation: price(1.0, 1e6, 'million Event API operations', APPSYNC, 'price list',
    'AWS Price List "$1 per million Event API operations" (eu-west-1 row read; us-east-1 assumed equal); the page: "inbound '
    + 'messages published, outbound messages broadcast, event handlers invoked, and WebSockets operations, like client '
    + 'connection, subscription requests, and ping requests, are considered operations" (quoted by third parties)'),
  appSyncEventsConnectionMinute: price(0.08, 1e6, 'million connection minutes', APPSYNC, 'secondary',
    'Event APIs: $0.08 per million connection minutes (quoted by third parties; the same price as GraphQL real-time)'),
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** USD for `quantity` of the metered unit. */
export function cost(name: PriceName, quantity: number): number {
  const p = PRICES[name];
  return quantity * p.usd / p.per;
}

/** The unit price as the tables print it: `$1.00 per million messages …`. */
export function unitPrice(name: PriceName): string {
  const p = PRICES[name];
  // At least two decimals, and as many as the price has ($0.125, $0.0000133334).
  const usd = p.usd.toFixed(Math.max(2, (String(p.usd).split('.')[1] ?? '').length));
  return `$${usd} per ${p.unit}`;
}

/**
 * AppSync Events meters a message per 5 KB (an outbound broadcast of 12 KB is 3 operations): read in a third party's
 * copy of the Service Quotas text ("one metered event = 5 KB delivered"), not on the pricing page.
 */
export const APPSYNC_EVENTS_UNIT_KB = 5;
/** API Gateway meters WebSocket messages per 32 KB. */
export const API_GATEWAY_UNIT_KB = 32;
/** SQS and SNS meter requests per 64 KB. */
export const QUEUE_UNIT_KB = 64;
