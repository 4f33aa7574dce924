import type { Page } from 'playwright-core';
import { sqsEvent } from '../../local/events';
import { channelsSystemOptions } from '../e2e/channels-app';
import { useLocalSystem } from '../e2e/support';
import { keepScreenshot, useBrowser } from './support/browser';
import { connectionsOf } from './support/node-client';

// The client's channels in its browser bundle, in a real headless Chromium: two pages (alice and bob) connect through
// the e2e channels app on the local stack (its authorizer's stand-in believing `?token=t-alice` / `t-bob`; its
// `room/*` rule asks the app's hook, which allows `room/open-…`; `user/{userId}/*` each user's own), subscribe, and list
// what they receive with the envelope's channel. The backend publishes as the other tests do (SQS events into the
// bundled pusher). The screenshot of alice's page is kept in test-reports/.

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>cdk-websocket-pusher-client: channels</title>
<link rel="icon" href="data:,">
<h1>Channels of <output id="user"></output></h1>
<p>State: <output id="state">idle</output></p>
<p>Subscriptions: <output id="subscriptions"></output></p>
<p>Refused: <output id="refused"></output></p>
<ul id="messages"></ul>
<script type="module">
  import { PusherClientError, WebsocketPusherClient } from './websocket-pusher-client.min.js';
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  $('user').textContent = params.get('user');
  const client = new WebsocketPusherClient({
    url: params.get('ws'),
    token: () => 't-' + params.get('user'),
    messageFormat: 'envelope',
    replyTimeoutMs: 30000,
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  window.opens = 0;
  window.subscribed = [];
  window.clientErrors = [];
  const show = () => { $('subscriptions').textContent = client.subscriptions.join(', '); };
  client.on('state', (state) => {
    $('state').textContent = state;
    if (state === 'open') window.opens++;
  });
  client.on('subscription', (channel, error) => {
    window.subscribed.push(channel + ' ' + (error ? error.details.code : 'ok'));
    show();
  });
  client.on('error', (error) => window.clientErrors.push(error.kind + ' ' + error.message));
  client.on('message', (data, envelope) => {
    const item = document.createElement('li');
    item.textContent = envelope.id + (envelope.channel ? ' #' + envelope.channel : '') + ': ' + JSON.stringify(data);
    $('messages').append(item);
  });
  window.subscribe = (channel) => client.subscribe(channel).then(() => 'subscribed', (error) => {
    $('refused').textContent = error.message;
    return { pusherClientError: error instanceof PusherClientError, kind: error.kind, details: error.details, message: error.message };
  }).finally(show);
  window.unsubscribe = (channel) => client.unsubscribe(channel).then(() => 'unsubscribed', (error) => error.message).finally(show);
  window.subscriptions = () => [...client.subscriptions];
  client.connect();
</script>
</html>
`;

// useBrowser's afterEach (closing the pages) before useLocalSystem's (stopping the system): jest runs them in order.
const browser = useBrowser(PAGE);
const local = useLocalSystem(channelsSystemOptions());

const WAIT = { timeout: 30_000 };
const ROOM = 'room/open-1';

async function openAs(user: string): Promise<Page> {
  const page = await browser.openPage({ ws: local.system.emulator.connectUrl(), user });
  await page.waitForFunction('window.opens === 1', undefined, WAIT);
  return page;
}

// Page-side calls are expressions evaluated in the page (this file is type-checked without the DOM's types).
const call = (page: Page, fn: string, channel: string) => page.evaluate(`window.${fn}(${JSON.stringify(channel)})`);
const listed = (page: Page) => page.locator('#messages li').allTextContents();
const has = (page: Page, count: number) => page.waitForFunction(`document.querySelectorAll('#messages li').length >= ${count}`, undefined, WAIT);
const publish = (id: string, body: object) => local.pusher.invoke(sqsEvent([body], { messageIds: [id] }));

test('two pages subscribe; a refused channel rejects FORBIDDEN; a publish excluding bob reaches alice with its channel; after a drop she is subscribed again; after unsubscribe, not', async () => {
  // GIVEN alice's and bob's pages, both in the room; alice refused bob's inbox
  const [alice, bob] = [await openAs('alice'), await openAs('bob')];
  expect(await call(alice, 'subscribe', ROOM)).toBe('subscribed');
  expect(await call(bob, 'subscribe', ROOM)).toBe('subscribed');
  expect(await call(alice, 'subscribe', 'user/bob/inbox')).toEqual({
    pusherClientError: true, kind: 'subscription', details: expect.objectContaining({ code: 'FORBIDDEN', channel: 'user/bob/inbox' }), message: expect.stringMatching(/^user\/bob\/inbox: FORBIDDEN/),
  });
  expect(await alice.evaluate('window.subscriptions()')).toEqual([ROOM]);
  expect(await alice.evaluate('window.subscribed')).toEqual([`${ROOM} ok`, 'user/bob/inbox FORBIDDEN']);

  // WHEN the backend publishes to the room but not to bob, then to bob alone
  await publish('m-1', { channels: [ROOM], exclude_users: ['bob'], data: { text: 'not for bob' } });
  await publish('m-2', { users: ['bob'], data: 'to bob' });

  // THEN alice's page shows the first, with its channel; bob's only the second
  await has(alice, 1);
  await has(bob, 1);
  expect(await listed(alice)).toEqual([`m-1 #${ROOM}: {"text":"not for bob"}`]);
  expect(await listed(bob)).toEqual(['m-2: "to bob"']);

  // WHEN alice's socket vanishes under her page (its subscriptions with it), and the client reconnects on its own
  const [first] = await connectionsOf(local.system, 'alice');
  local.system.emulator.makeStale(first);
  await alice.waitForFunction('window.opens === 2', undefined, WAIT);
  await alice.waitForFunction('window.subscribed.length === 3', undefined, WAIT);
  expect(await alice.evaluate('window.subscribed')).toEqual([`${ROOM} ok`, 'user/bob/inbox FORBIDDEN', `${ROOM} ok`]);
  expect((await connectionsOf(local.system, 'alice')).filter((id) => id !== first)).toHaveLength(1);

  // THEN the next publish to the room reaches her new connection (and bob)
  await publish('m-3', { channels: [ROOM], data: 'after the drop' });
  await has(alice, 2);
  await has(bob, 2);
  expect(await listed(alice)).toEqual([`m-1 #${ROOM}: {"text":"not for bob"}`, `m-3 #${ROOM}: "after the drop"`]);

  // WHEN she unsubscribes, and the backend publishes to the room, then to her alone
  expect(await call(alice, 'unsubscribe', ROOM)).toBe('unsubscribed');
  expect(await alice.evaluate('window.subscriptions()')).toEqual([]);
  await publish('m-4', { channels: [ROOM], data: 'after the unsubscribe' });
  await publish('m-5', { users: ['alice'], data: 'to alice' });

  // THEN she gets only the second; bob, still in the room, the first
  await has(alice, 3);
  await has(bob, 3);
  expect(await listed(alice)).toEqual([`m-1 #${ROOM}: {"text":"not for bob"}`, `m-3 #${ROOM}: "after the drop"`, 'm-5: "to alice"']);
  expect(await listed(bob)).toEqual(['m-2: "to bob"', `m-3 #${ROOM}: "after the drop"`, `m-4 #${ROOM}: "after the unsubscribe"`]);
  expect(await alice.locator('#state').textContent()).toBe('open');
  await keepScreenshot(alice, 'client-browser-channels');
  expect(await alice.evaluate('window.clientErrors')).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}, 120_000);
