import type { Page } from 'playwright-core';
import { sqsEvent } from '../../local/events';
import { MessageFormat } from '../../src';
import { useLocalSystem } from '../e2e/support';
import { keepScreenshot, useBrowser } from './support/browser';
import { connectionsOf } from './support/node-client';

// The client's browser bundle in a real headless Chromium (Debian's, which .ci/run installs; Playwright drives it, no
// browser download): a page served on loopback imports the bundle as an ES module, connects through the local stack and
// lists what it receives; the socket is dropped under it and it receives again. The screenshot is kept in test-reports/.

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>cdk-websocket-pusher-client</title>
<link rel="icon" href="data:,">
<h1>Messages</h1>
<p>State: <output id="state">idle</output></p>
<ul id="messages"></ul>
<script type="module">
  import { WebsocketPusherClient } from './websocket-pusher-client.min.js';
  const params = new URLSearchParams(location.search);
  const client = new WebsocketPusherClient({
    url: params.get('ws'),
    token: () => params.get('user'),
    messageFormat: 'envelope',
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  window.opens = 0;
  client.on('state', (state) => {
    document.getElementById('state').textContent = state;
    if (state === 'open') window.opens++;
  });
  client.on('message', (data, envelope) => {
    const item = document.createElement('li');
    item.textContent = envelope.id + ': ' + JSON.stringify(data);
    document.getElementById('messages').append(item);
  });
  client.connect();
</script>
</html>
`;

// useBrowser's afterEach (closing the pages) before useLocalSystem's (stopping the system): jest runs them in order.
const browser = useBrowser(PAGE);
const local = useLocalSystem({ app: { props: { messageFormat: MessageFormat.ENVELOPE } } });

const openPage = (user: string) => browser.openPage({ ws: local.system.emulator.connectUrl(), user });

// Page-side conditions are expressions evaluated in the page (this file is type-checked without the DOM's types).
const listed = (page: Page) => page.locator('#messages li').allTextContents();

test('a page receives a multicast, survives a dropped socket, and receives again', async () => {
  // GIVEN the page connected as browser-user
  const page = await openPage('browser-user');
  await page.waitForFunction('window.opens === 1');

  // WHEN a multicast is published to the user
  await local.pusher.invoke(sqsEvent([{ data: { text: 'hello from the backend' }, users: ['browser-user'] }], { messageIds: ['m-1'] }));

  // THEN the page shows it
  await page.waitForFunction("document.querySelectorAll('#messages li').length === 1");
  expect(await listed(page)).toEqual(['m-1: {"text":"hello from the backend"}']);

  // WHEN the socket vanishes under the page, and the client reconnects on its own
  const [connectionId] = await connectionsOf(local.system, 'browser-user');
  local.system.emulator.makeStale(connectionId);
  await page.waitForFunction('window.opens === 2');
  await local.pusher.invoke(sqsEvent([{ data: 'after the drop', users: ['browser-user'] }], { messageIds: ['m-2'] }));

  // THEN the page shows the next message too
  await page.waitForFunction("document.querySelectorAll('#messages li').length === 2");
  expect(await listed(page)).toEqual(['m-1: {"text":"hello from the backend"}', 'm-2: "after the drop"']);
  expect(await page.locator('#state').textContent()).toBe('open');
  await keepScreenshot(page, 'client-browser');
  expect(browser.pageErrors).toEqual([]);
}, 60_000);
