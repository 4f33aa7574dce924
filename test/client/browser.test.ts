import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { sqsEvent } from '../../local/events';
import { MessageFormat } from '../../src';
import { useLocalSystem } from '../e2e/support';
import { connectionsOf } from './support/node-client';

// The client's browser bundle in a real headless Chromium (Debian's, which .ci/run installs; Playwright drives it, no
// browser download): a page served on loopback imports the bundle as an ES module, connects through the local stack and
// lists what it receives; the socket is dropped under it and it receives again. The screenshot is kept in test-reports/.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, 'client/dist/bundle/websocket-pusher-client.min.js');
const SCREENSHOT = path.join(ROOT, 'test-reports/client-browser.png');

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

const local = useLocalSystem({ app: { props: { messageFormat: MessageFormat.ENVELOPE } } });
let http: Server;
let context: BrowserContext;
let userDataDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  // Fail, never skip: CI installs Chromium (.ci/run) and builds the bundle (the bundle task) before the tests.
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`);
  if (!existsSync(BUNDLE)) throw new Error(`no client bundle at ${BUNDLE}: run npx projen client:build`);
  http = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    if (pathname === '/websocket-pusher-client.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE));
    return res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  userDataDir = mkdtempSync(path.join(tmpdir(), 'client-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => http?.close(resolve));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function openPage(user: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const port = (http.address() as AddressInfo).port;
  await page.goto(`http://127.0.0.1:${port}/?ws=${encodeURIComponent(local.system.emulator.connectUrl())}&user=${user}`);
  return page;
}

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
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  expect(pageErrors).toEqual([]);
}, 60_000);
