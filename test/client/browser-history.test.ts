import type { Page } from 'playwright-core';
import { historyRows, historySystemOptions } from '../e2e/history-app';
import { useLocalSystem } from '../e2e/support';
import { keepScreenshot, useBrowser } from './support/browser';
import { batchTo, range } from './support/history';
import { connectionsOf } from './support/node-client';

// The client's history and resume in its browser bundle, in a real headless Chromium: alice's page subscribes to a
// history channel of the e2e history app on the local stack (`room/*` keeps an hour; its authorizer's stand-in believes
// `?token=t-alice`), her socket is dropped under the page (the emulator's `makeStale`) while the backend publishes
// (SQS events into the bundled pusher), the page's client reconnects on its own and resumes. The page's token provider
// can be held (`window.hold()`), so that what is published meanwhile is published while no socket is open. The
// screenshot of the page is kept in test-reports/.

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>cdk-websocket-pusher-client: history</title>
<link rel="icon" href="data:,">
<h1>History of <output id="user"></output></h1>
<p>State: <output id="state">idle</output></p>
<p>Position: <output id="position"></output></p>
<p>Resets: <output id="resets"></output></p>
<ol id="messages"></ol>
<script type="module">
  import { WebsocketPusherClient } from './websocket-pusher-client.min.js';
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  $('user').textContent = params.get('user');
  let gate = Promise.resolve();
  let open = () => {};
  window.hold = () => { gate = new Promise((resolve) => { open = resolve; }); };
  window.release = () => open();
  const client = new WebsocketPusherClient({
    url: params.get('ws'),
    token: () => gate.then(() => 't-' + params.get('user')),
    messageFormat: 'envelope',
    replyTimeoutMs: 60000,
    connectTimeoutMs: 120000,
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  window.opens = 0;
  window.state = 'idle';
  window.subscribed = [];
  window.resets = [];
  window.received = [];
  window.clientErrors = [];
  client.on('state', (state) => {
    $('state').textContent = window.state = state;
    if (state === 'open') window.opens++;
  });
  client.on('subscription', (channel, error) => window.subscribed.push(channel + ' ' + (error ? error.details.code : 'ok')));
  client.on('reset', (reset) => {
    window.resets.push(reset);
    $('resets').textContent = JSON.stringify(window.resets);
  });
  client.on('error', (error) => window.clientErrors.push(error.kind + ' ' + error.message));
  client.on('message', (data, envelope) => {
    window.received.push({ id: envelope.id, seq: envelope.seq, epoch: envelope.epoch, positions: envelope.positions, data });
    const item = document.createElement('li');
    item.textContent = envelope.id + ' #' + envelope.channel + ' seq ' + envelope.seq + ': ' + JSON.stringify(data);
    $('messages').append(item);
    $('position').textContent = JSON.stringify(client.position(envelope.channel));
  });
  window.subscribe = (channel) => client.subscribe(channel).then(() => 'subscribed', (error) => error.message);
  window.position = (channel) => client.position(channel);
  client.connect();
</script>
</html>
`;

// useBrowser's afterEach (closing the pages) before useLocalSystem's (stopping the system): jest runs them in order.
const browser = useBrowser(PAGE);
const local = useLocalSystem(historySystemOptions());

const WAIT = { timeout: 60_000 };
const ROOM = 'room/1';

interface Received {
  readonly id: string;
  readonly seq: number;
  readonly epoch: string;
  readonly positions: Record<string, number>;
  readonly data: { n: number };
}

/** Publishes `count` messages to the room in batches of `size` (one pusher invocation each); no record fails. */
async function publish(prefix: string, from: number, count: number, size = 10): Promise<void> {
  for (let i = from; i < from + count; i += size) {
    const invocation = await local.pusher.invoke(batchTo(ROOM, prefix, i, Math.min(size, from + count - i)));
    expect(invocation.result).toEqual({ batchItemFailures: [] });
  }
}

// Page-side reads and calls are expressions evaluated in the page (this file is type-checked without the DOM's types).
const received = (page: Page) => page.evaluate('window.received') as Promise<Received[]>;
const has = (page: Page, count: number) => page.waitForFunction(`window.received.length >= ${count}`, undefined, WAIT);

test('the page drops while 30 messages are published (and 10 more as it comes back): its client resumes; every message once in seq order, then live ones; no reset', async () => {
  // GIVEN alice's page in room/1, which received 5 messages live
  const page = await browser.openPage({ ws: local.system.emulator.connectUrl(), user: 'alice' });
  await page.waitForFunction('window.opens === 1', undefined, WAIT);
  expect(await page.evaluate(`window.subscribe(${JSON.stringify(ROOM)})`)).toBe('subscribed');
  const { epoch } = await page.evaluate(`window.position(${JSON.stringify(ROOM)})`) as { since: number; epoch: string };
  await publish('live', 1, 5);
  await has(page, 5);

  // WHEN her socket vanishes under the page (its client held from reconnecting), the backend publishes 30 messages while
  // no socket is open, then 10 more as the client reconnects on its own and resumes
  const [first] = await connectionsOf(local.system, 'alice');
  await page.evaluate('window.hold()');
  local.system.emulator.makeStale(first);
  await page.waitForFunction("window.state === 'reconnecting'", undefined, WAIT);
  await publish('missed', 6, 30);
  expect(await received(page)).toHaveLength(5);
  await page.evaluate('window.release()');
  await publish('racing', 36, 10, 5);
  await page.waitForFunction('window.opens === 2 && window.subscribed.length === 2', undefined, WAIT);
  await has(page, 45);
  expect((await connectionsOf(local.system, 'alice')).filter((id) => id !== first)).toHaveLength(1);

  // THEN, with 5 more published live, the page has every message once, in seq order, as the history table holds them
  await publish('after', 46, 5);
  await has(page, 50);
  const messages = await received(page);
  const rows = await historyRows(local.system, ROOM, epoch);
  expect(rows.map((row) => row.seq)).toEqual(range(1, 50));
  expect(messages.map((m) => [m.seq, m.id, m.data])).toEqual(rows.map((row) => [row.seq, row.id, JSON.parse(row.data)]));
  expect(messages.map((m) => m.positions[ROOM])).toEqual(range(1, 50));
  expect(new Set(messages.map((m) => m.id)).size).toBe(50);
  expect(messages.slice(0, 35).map((m) => m.id)).toEqual([...range(1, 5).map((n) => `live-${n}`), ...range(6, 30).map((n) => `missed-${n}`)]);
  expect(messages.slice(35, 45).map((m) => m.id).sort()).toEqual(range(36, 10).map((n) => `racing-${n}`).sort());
  expect(messages.slice(45).map((m) => m.id)).toEqual(range(46, 5).map((n) => `after-${n}`));
  expect(new Set(messages.map((m) => m.epoch))).toEqual(new Set([epoch]));
  expect(await page.evaluate(`window.position(${JSON.stringify(ROOM)})`)).toEqual({ since: 50, epoch });
  expect(await page.evaluate('window.resets')).toEqual([]);
  expect(await page.evaluate('window.subscribed')).toEqual([`${ROOM} ok`, `${ROOM} ok`]);
  expect(await page.locator('#messages li').count()).toBe(50);
  expect(await page.locator('#state').textContent()).toBe('open');
  await keepScreenshot(page, 'client-browser-history');
  expect(await page.evaluate('window.clientErrors')).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}, 240_000);
