import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// The client's browser bundle in a real headless Chromium (Debian's, which .ci/run installs; Playwright drives it, no
// browser download): a test's page, served on loopback, imports the bundle as an ES module.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../../..');
export const BUNDLE = path.join(ROOT, 'client/dist/bundle/websocket-pusher-client.min.js');

/** The Chromium and the page server of one test file, as `useBrowser` gives them. */
export interface BrowserFixture {
  /** Every `pageerror` and console error of the pages opened so far. */
  readonly pageErrors: string[];
  /** A new page at the file's page, with these query parameters (the page reads them from `location.search`). */
  openPage(query: Record<string, string>): Promise<Page>;
}

/**
 * Registers the `beforeAll` / `afterEach` / `afterAll` of a browser test file: a loopback server of `html` (at `/`) and
 * the bundle (`./websocket-pusher-client.min.js`), a headless Chromium, each test's pages closed after it. Fails, never
 * skips, when Chromium or the bundle is missing: CI installs Chromium (.ci/run) and builds the bundle (the bundle task)
 * before the tests.
 */
export function useBrowser(html: string): BrowserFixture {
  let http: Server | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  const pageErrors: string[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`);
    if (!existsSync(BUNDLE)) throw new Error(`no client bundle at ${BUNDLE}: run npx projen client:build`);
    http = createServer((req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      if (pathname === '/websocket-pusher-client.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE));
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    userDataDir = mkdtempSync(path.join(tmpdir(), 'client-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  // Call useBrowser before useLocalSystem: jest runs a block's afterEach hooks in their order, so the pages (and their
  // sockets) close before the system stops, and no page is left reconnecting to it.
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  return {
    pageErrors,
    async openPage(query) {
      if (!context || !http) throw new Error('useBrowser: no Chromium (its beforeAll failed, or no test runs)');
      const opened = await context.newPage();
      pages.push(opened);
      opened.on('pageerror', (error) => pageErrors.push(error.message));
      opened.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      const port = (http.address() as AddressInfo).port;
      await opened.goto(`http://127.0.0.1:${port}/?${new URLSearchParams(query).toString()}`);
      return opened;
    },
  };
}

/** Saves the page's screenshot as `test-reports/<name>.png`. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const file = path.join(ROOT, 'test-reports', `${name}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
