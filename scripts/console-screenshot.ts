/**
 * `npx projen console-screenshot`: regenerates docs/console.png, the README's screenshot of the `local` command's
 * console, from a scripted session: a local system running an app with channels, three users connected with real `ws`
 * clients (two subscribed to a room), a multicast and a channel request published, then the console opened in headless
 * Chromium (Debian's `/usr/bin/chromium`, or `CHROMIUM_PATH`), a test client connected and a request published from the
 * page. A small PNG (1000×700), so that the README stays light.
 */
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { LocalAuthorizer } from '../local/api-gateway/routes/authorizers';
import { RecordingClient } from '../local/client/recording-client';
import { consoleBackend } from '../local/console/console-backend';
import { consoleHandler } from '../local/console/console-server';
import { LocalSystem } from '../local/system/local-system';
import { ChannelRule, MessageFormat } from '../src';

const OUTPUT = path.resolve(__dirname, '..', 'docs', 'console.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Over this, the screenshot is too heavy for the README: the script fails. */
const MAX_BYTES = 150 * 1024;

/** The local stand-in of the app's authorizer: the token is the user id, every user of the tenant `acme`. */
const authorizer: LocalAuthorizer = ({ query }) => (query.token ? { principalId: query.token, context: { tenant: 'acme' } } : undefined);

async function main(): Promise<void> {
  let handle: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const system = await LocalSystem.start({
    queues: true,
    authorizer,
    app: { authorizerContextAttributes: ['tenant'], props: { messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('room/*')] } } },
    httpHandler: (req, res) => handle?.(req, res) ?? false,
  });
  handle = consoleHandler(consoleBackend(system, { authorizer: 'stand-in' }));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    await session(system);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 });
    await page.goto(`http://127.0.0.1:${system.emulator.port}/console`);
    await page.locator('#feed-status', { hasText: 'live' }).waitFor();
    await page.locator('#connect-identity').fill('dave');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.locator('.client[data-client="dave"] output', { hasText: 'open' }).waitFor();
    await page.locator('#publish-body').fill(JSON.stringify({ data: { text: 'hi dave' }, users: ['dave'] }));
    await page.locator('#publish-button').click();
    await page.locator('.client[data-client="dave"] li').waitFor();
    await page.locator('#connections tr', { hasText: 'dave' }).waitFor();
    // The newest rows' highlight fades out first.
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: OUTPUT });
  } finally {
    await browser.close();
    await system.stop();
  }
  const bytes = statSync(OUTPUT).size;
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)} (${Math.round(bytes / 1024)} KB)`);
  if (bytes > MAX_BYTES) throw new Error(`the screenshot is ${bytes} bytes, over ${MAX_BYTES}: make the page smaller`);
}

/** Users connect, two subscribe to a room, a multicast and a channel request are published and delivered. */
async function session(system: LocalSystem): Promise<void> {
  const url = system.emulator.connectUrl();
  const [alice, bob] = [await RecordingClient.connect(url, 'alice'), await RecordingClient.connect(url, 'bob')];
  await RecordingClient.connect(url, 'carol');
  for (const client of [alice, bob]) await client.request({ action: 'subscribe', channel: 'room/lobby' }, 20_000);
  await system.sendToQueue({ data: { text: 'your order shipped' }, users: ['alice'] });
  await system.publishToTopic({ data: { text: 'hello, lobby' }, channels: ['room/lobby'] });
  await system.drained();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
