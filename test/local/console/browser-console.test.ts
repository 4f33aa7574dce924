import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { RecordingClient } from '../../../local/client/recording-client';
import { consoleBackend } from '../../../local/console/console-backend';
import { consoleHandler } from '../../../local/console/console-server';
import { keepScreenshot, useBrowser } from '../../client/support/browser';
import { useLocalSystem } from '../../e2e/support';

// The `local` command's console in a real headless Chromium (Debian's, which .ci/run installs; Playwright drives it):
// served on the emulator's port as the command serves it, over a local system with its queue and topic on moto. The
// page sees a real `ws` client connect, publishes to the real local queue, shows the handler's report and the delivery,
// connects a test client of its own, disconnects a connection, and shows a hostile user id as text. The screenshot is
// kept in test-reports/ (not committed).

const HOSTILE = '<img src=x onerror="window.pwned=1">';

let handle: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
// useBrowser's afterEach (closing the pages) before useLocalSystem's (stopping the system): jest runs them in order.
const browser = useBrowser('<!doctype html><title>blank</title><link rel="icon" href="data:,">');
const local = useLocalSystem({ queues: true, handler: false, httpHandler: (req, res) => handle?.(req, res) ?? false });
// After useLocalSystem's beforeEach: the console listens to the system from its start, as the command's does.
beforeEach(() => {
  handle = consoleHandler(consoleBackend(local.system, { authorizer: 'stand-in' }));
});

async function openConsole(): Promise<Page> {
  const page = await browser.openPage({});
  await page.goto(`http://127.0.0.1:${local.system.emulator.port}/console`);
  await page.locator('#feed-status', { hasText: 'live' }).waitFor();
  return page;
}

/** Publishes from the page, as a developer does: types the request, picks the target, clicks Publish. */
async function publishFromPage(page: Page, request: object, target: 'queue' | 'topic' = 'queue'): Promise<string> {
  await page.locator('#publish-body').fill(JSON.stringify(request));
  await page.locator(`#publish-targets input[value="${target}"]`).check();
  await page.locator('#publish-button').click();
  await page.locator('#publish-result', { hasText: /sent|published|not/ }).waitFor();
  return (await page.locator('#publish-result').textContent()) ?? '';
}

const rowOf = (page: Page, feed: string, ...texts: string[]) =>
  texts.reduce((rows, text) => rows.filter({ hasText: text }), page.locator(`#${feed} tr`));

test('shows connections, requests and deliveries live; publishes, connects and disconnects from the page', async () => {
  // GIVEN the console open, and alice connected with a real ws client
  const page = await openConsole();
  const url = local.system.emulator.connectUrl();
  const alice = await RecordingClient.connect(url, 'alice');

  // THEN her connection appears
  await rowOf(page, 'connections', alice.connectionId, 'alice').waitFor();

  // WHEN a multicast to alice is published from the page, to the real local queue
  expect(await publishFromPage(page, { data: { text: 'hello from the page' }, users: ['alice'] })).toMatch(/^sent to the queue /);

  // THEN the ws client receives it, and the page shows the handler's report and the delivery
  expect(JSON.parse(await alice.nextMessage(0, 30_000))).toEqual({ text: 'hello from the page' });
  await rowOf(page, 'requests', 'sqs', 'multicast', 'delivered', 'targets=1 delivered=1').waitFor();
  await rowOf(page, 'deliveries', alice.connectionId, 'alice', '{"text":"hello from the page"}', 'delivered').waitFor();

  // WHEN a test client connects from the page as bob, and a request to bob is published on the topic
  await page.locator('#connect-identity').fill('bob');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const bob = page.locator('.client[data-client="bob"]');
  await bob.locator('output', { hasText: 'open' }).waitFor();
  await rowOf(page, 'connections', 'bob').waitFor();
  expect(await publishFromPage(page, { data: 'to bob', users: ['bob'] }, 'topic')).toMatch(/^published to the topic /);

  // THEN the page's client lists it
  await bob.locator('li', { hasText: '"to bob"' }).waitFor();
  await rowOf(page, 'requests', 'sns', 'multicast', 'delivered').waitFor();

  // WHEN a request the pusher refuses is published: it is sent as typed, and the handler's verdict is shown
  expect(await publishFromPage(page, { users: ['alice'] })).toMatch(/^sent to the queue /);
  await rowOf(page, 'requests', 'sqs', 'invalid').waitFor();

  // WHEN alice is disconnected from the page
  await page.getByRole('button', { name: `Disconnect ${alice.connectionId} (alice)` }).click();

  // THEN her ws client is closed, and her connection leaves the list
  await alice.whenClosed();
  await page.locator('#connections-result', { hasText: `closed ${alice.connectionId}` }).waitFor();
  await rowOf(page, 'connections', alice.connectionId).waitFor({ state: 'detached' });
  await rowOf(page, 'log', '$disconnect', `${alice.connectionId} closed by api`).waitFor();

  await keepScreenshot(page, 'local-console');
  const text = await page.locator('body').innerText();
  for (const heading of ['Connections', 'Connect a test client', 'Publish a request', 'Requests', 'Deliveries', 'Frames', 'Log']) {
    expect(text).toContain(heading);
  }
  expect(text).toContain(local.system.emulator.connectUrl());
  expect(browser.pageErrors).toEqual([]);
}, 120_000);

test('shows a hostile user id and hostile data as text', async () => {
  // GIVEN the console open, and a client whose user id is markup
  const page = await openConsole();
  const client = await RecordingClient.connect(local.system.emulator.connectUrl(), HOSTILE);

  // WHEN it is listed, and a message of markup is delivered to it
  await rowOf(page, 'connections', client.connectionId).waitFor();
  await local.system.sendToQueue({ data: HOSTILE, users: [HOSTILE] });
  await rowOf(page, 'deliveries', client.connectionId).waitFor();

  // THEN both are shown as the characters they are: no element was made of them, nothing ran
  expect(await rowOf(page, 'connections', client.connectionId).locator('td').first().textContent()).toBe(HOSTILE);
  expect(await rowOf(page, 'deliveries', client.connectionId).locator('td.data').textContent()).toBe(JSON.stringify(HOSTILE));

  // WHEN it sends a frame whose route key is markup
  client.send(JSON.stringify({ action: HOSTILE }));

  // THEN the frame's line shows the key as text too
  await rowOf(page, 'frames', client.connectionId).waitFor();
  expect(await rowOf(page, 'frames', client.connectionId).textContent()).toContain(JSON.stringify(HOSTILE));
  expect(await page.locator('main img').count()).toBe(0);
  // (The page's Content-Security-Policy would also block the inline handler: the text checks above are the proof.)
  expect(await page.evaluate('window.pwned')).toBeUndefined();
  expect(browser.pageErrors).toEqual([]);
  await client.close();
}, 60_000);
