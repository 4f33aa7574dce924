/**
 * How `bench/cost.ts` prints a month: markdown (the line items, the total, what dominates, what one change does,
 * AppSync Events for the same month, the figures and prices with their sources), or JSON.
 */
import { ASSUMED, ASSUMPTIONS, COUNTED, MEASURED } from './figures';
import { appSyncEvents, dominant, month, variants, type LineItem, type Month } from './model';
import { PRICES, PRICES_READ, unitPrice, type PriceName } from './prices';
import type { Scenario } from './scenario';
import { recordsPerBatch } from './usage';
import { fmt, table } from '../reports/format';

const usd = (n: number) => `$${fmt(n, 2)}`;
const pct = (part: number, whole: number) => `${(whole > 0 ? 100 * part / whole : 0).toFixed(1)} %`;

/** A quantity as the table shows it: millions with one decimal (`72.0 M`), small ones as they are. */
export function quantity(n: number): string {
  if (n >= 1e6) return `${fmt(n / 1e6, 1)} M`;
  if (n >= 100 || Number.isInteger(n)) return fmt(n);
  return fmt(n, 2);
}

/** The scenario in one sentence. */
export function describe(s: Scenario): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const source = s.source === 'sqs'
    ? `SQS ${s.fifo ? 'FIFO ' : ''}source (batch size ${s.batchSize}, ${s.batchingWindow > 0 ? `${s.batchingWindow} s batching window` : 'no batching window'}, `
      + `${fmt(recordsPerBatch(s), 1)} multicasts a batch)`
    : 'SNS source';
  return `${fmt(s.users)} users × ${fmt(s.connectionsPerUser, s.connectionsPerUser % 1 ? 1 : 0)} connection, `
    + `${fmt(s.hours, s.hours % 1 ? 1 : 0)} h a day for ${s.days} days; ${fmt(s.multicasts)} multicasts (one user each), `
    + `${fmt(s.broadcasts)} broadcasts and ${fmt(s.channelPublishes)} channel publishes (${fmt(s.channelSubscribers)} subscribers, `
    + `${s.subscriptions} channel a connection) a day, ${fmt(s.payloadKb, s.payloadKb % 1 ? 1 : 0)} KB messages; deduplication `
    + `${on(s.deduplication)}, history ${on(s.history)}; pusher ${fmt(s.memory)} MB, ${source}; `
    + `${s.pingMinutes > 0 ? `client pings every ${fmt(s.pingMinutes, s.pingMinutes % 1 ? 1 : 0)} min` : 'no pings'}; `
    + `alarms ${on(s.alarms)}, dashboard ${on(s.dashboard)}, logs kept ${s.logRetentionDays} days`;
}

const partsOf = (i: LineItem) => i.detail ?? Object.entries(i.parts).filter(([, v]) => v > 0)
  .map(([k, v]) => `${k} ${quantity(v)}`).join(', ');

/** The line items with their total. */
export function itemsTable(m: Month): string {
  const rows = m.items.map((i) => [i.item, `${quantity(i.quantity)} ${i.unit}`, unitPrice(i.price), usd(i.usd), pct(i.usd, m.total), partsOf(i)]);
  rows.push(['**total**', '', '', `**${usd(m.total)}**`, '100 %', '']);
  return table(['line item', 'a month', 'unit price', 'USD', 'share', 'made of'], rows);
}

/** The parts that make 80 % of the total. */
export function dominantLine(m: Month): string {
  const top = dominant(m);
  const covered = top.reduce((a, i) => a + i.usd, 0);
  const largestPart = (i: LineItem) => {
    const parts = Object.entries(i.parts).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    return parts.length > 1 ? ` (${parts[0][0]} ${quantity(parts[0][1])} of ${quantity(i.quantity)})` : '';
  };
  const named = top.map((i) => `${i.item} ${pct(i.usd, m.total)}${largestPart(i)}`);
  return `**Dominant**: ${named.join(', ')}; together ${pct(covered, m.total)}.`;
}

/** Each change alone, its total and the difference. */
export function variantsTable(m: Month): string {
  const rows = variants(m.scenario).map((v) => {
    const other = month(v.scenario);
    const diff = other.total - m.total;
    return [v.change, usd(other.total), `${diff >= 0 ? '+' : '−'}${usd(Math.abs(diff))}`, `${diff >= 0 ? '+' : '−'}${pct(Math.abs(diff), m.total)}`];
  });
  return table(['one change', 'total', 'difference', 'of the total'], rows);
}

/** AppSync Events for the same month, beside this month's API Gateway share and total. */
export function appSyncTable(m: Month): string {
  const a = appSyncEvents(m.scenario);
  const rows = a.lines.map((l) => [l.item, quantity(l.quantity), unitPrice(l.price), usd(l.usd)]);
  rows.push(['**total**', '', '', `**${usd(a.total)}**`]);
  const apiGateway = m.items.filter((i) => i.item.startsWith('API Gateway')).reduce((x, i) => x + i.usd, 0);
  return [
    table(['AppSync Events', 'a month', 'unit price', 'USD'], rows),
    '',
    `Against this construct's ${usd(m.total)} (of which API Gateway ${usd(apiGateway)}): AppSync Events ${usd(a.total)}, `
      + `${pct(a.total, m.total)} of it. If its server keep-alives (\`ka\`, about one a minute per connection) were metered `
      + `operations, ${quantity(a.keepAlives.quantity)} more: +${usd(a.keepAlives.usd)} (not verified either way).`,
  ].join('\n');
}

/** The figures used, by kind, and the prices with their sources. */
export function sourcesText(): string {
  const measured = `CPU ${MEASURED.deliveryCpuMs * 1000} ms per 1,000 fan-out deliveries + ${MEASURED.fanOutFixedCpuMs} ms an invocation, `
    + `API bound ${fmt(MEASURED.apiBoundPerSecond)}/s (Issue 16, HTTPS warm); a multicast ${MEASURED.multicastCpuMsPer1k} ms per 1,000 `
    + `deliveries at ${MEASURED.multicastConnectionsPerUser} connections a user, and ${MEASURED.smallMulticastCpuMs} ms an invocation `
    + 'of one user\'s multicast (Issue 28, second step); a subscribe '
    + `${MEASURED.channelsFunctionMs} ms in the channels function (Issue 24, local); log bytes per report `
    + `${Object.entries(MEASURED.logBytes).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (the reporters' real lines).`;
  const counted = `${COUNTED.pusherMetrics} pusher metrics (+${COUNTED.channelDeliveredMetric} with channel publishes), `
    + `${COUNTED.channelsFunctionMetrics} channels function, ${COUNTED.connectionStreamMetrics} connection stream function; `
    + `${COUNTED.alarms} alarms (+${COUNTED.channelAlarms} with channels); DynamoDB calls per action (\`bench/cost/figures.ts\`).`;
  const assumed = `${ASSUMED.dynamoMs} ms a DynamoDB round trip and ${ASSUMED.postMs} ms a post (unless flags say otherwise), `
    + `${ASSUMED.platformLogBytes} B of Lambda platform lines an invocation, logs archived at ${ASSUMED.logCompression * 100} % of `
    + `their size, rows of ${ASSUMED.connectionRowBytes} B (connections) and ${ASSUMED.subscriptionRowBytes} B (subscriptions).`;
  const prices = (Object.keys(PRICES) as PriceName[]).map((k) => `- ${unitPrice(k)}: ${PRICES[k].source} (${PRICES[k].verified}; ${PRICES[k].note})`);
  return [
    `**Measured**: ${measured}`, '', `**Counted in the code**: ${counted}`, '', `**Assumed**: ${assumed}`, '',
    ...ASSUMPTIONS.map((a) => `- ${a}`), '',
    `**Prices** (us-east-1, read ${PRICES_READ}; free tiers ignored):`, '', ...prices,
  ].join('\n');
}

/** The whole report, markdown. */
export function markdownReport(m: Month): string {
  return [
    `**A month** (us-east-1 list prices read ${PRICES_READ}, free tiers ignored): ${describe(m.scenario)}.`,
    '',
    itemsTable(m),
    '',
    dominantLine(m),
    '',
    '**What moves it**, the same month with one change:',
    '',
    variantsTable(m),
    '',
    '**AppSync Events, the same month** (its messages and subscribers as above; a multicast is a publish to a channel per user, '
      + 'a broadcast to a channel every client subscribes to):',
    '',
    appSyncTable(m),
    '',
    sourcesText(),
  ].join('\n');
}

/** The month as JSON: the scenario, its usage, the line items, the variants' totals, AppSync Events, the prices. */
export function jsonReport(m: Month): string {
  return JSON.stringify({
    scenario: m.scenario,
    usage: m.usage,
    items: m.items,
    total: m.total,
    dominant: dominant(m).map((i) => i.item),
    variants: variants(m.scenario).map((v) => ({ change: v.change, total: month(v.scenario).total })),
    appSyncEvents: appSyncEvents(m.scenario),
    figures: { measured: MEASURED, counted: COUNTED, assumed: ASSUMED, assumptions: ASSUMPTIONS },
    prices: PRICES,
  }, null, 2);
}
