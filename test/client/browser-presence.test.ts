import { Duration } from 'aws-cdk-lib';
import type { Page } from 'playwright-core';
import { synthesizeChannelsApp, tokenTable } from '../e2e/channels-app';
import { useLocalSystem, type UseLocalSystemOptions } from '../e2e/support';
import { keepScreenshot, useBrowser } from './support/browser';
import { ChannelRule } from '../../src';

// The client's presence in its browser bundle, in a real headless Chromium: two pages (alice and bob) connect through
// the e2e channels app on the local stack, its rules here `room/*` with presence and `news/*` without, and lifecycle
// events with a 2 s grace period (as test/e2e/channel-presence.test.ts runs it: the channels function, the pusher's work
// queue and the presence check queue on moto). Each page keeps room/1's member list as client/README.md shows: the
// `members()` answer, the presence events that came before it applied over it, then every later one. The screenshot of
// alice's page is kept in test-reports/.

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>cdk-websocket-pusher-client: presence</title>
<link rel="icon" href="data:,">
<h1>Who is in <output id="room"></output>, as <output id="user"></output> sees it</h1>
<p>State: <output id="state">idle</output></p>
<p>Members: <output id="members"></output></p>
<ul id="events"></ul>
<script type="module">
  import { PusherClientError, WebsocketPusherClient } from './websocket-pusher-client.min.js';
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const room = params.get('room');
  $('user').textContent = params.get('user');
  $('room').textContent = room;
  const client = new WebsocketPusherClient({
    url: params.get('ws'),
    token: () => 't-' + params.get('user'),
    messageFormat: 'envelope',
    replyTimeoutMs: 30000,
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  window.opens = 0;
  window.events = [];
  window.clientErrors = [];
  // The member list: the answer, then the events in the order they arrive (those before the answer kept for it).
  let members;
  let early = [];
  const apply = (p) => (p.event === 'join' ? members.add(p.user) : members.delete(p.user));
  const show = () => { $('members').textContent = members ? [...members].sort().join(', ') : '…'; };
  client.on('presence', (p) => {
    window.events.push(p.channel + ' ' + p.event + ' ' + p.user);
    const item = document.createElement('li');
    item.textContent = p.event + ' ' + p.user;
    $('events').append(item);
    if (p.channel !== room) return;
    if (members) apply(p); else early.push(p);
    show();
  });
  window.load = async () => {
    members = undefined;
    early = [];
    const answer = await client.members(room);
    members = new Set(answer.users);
    early.splice(0).forEach(apply);
    show();
    return answer;
  };
  client.on('state', (state) => {
    $('state').textContent = state;
    if (state === 'open') window.opens++;
  });
  client.on('error', (error) => window.clientErrors.push(error.kind + ' ' + error.message));
  const failed = (error) => ({ pusherClientError: error instanceof PusherClientError, kind: error.kind, details: error.details, message: error.message });
  window.subscribe = (channel) => client.subscribe(channel).then(() => 'subscribed', (error) => error.message);
  window.unsubscribe = (channel) => client.unsubscribe(channel).then(() => 'unsubscribed', (error) => error.message);
  window.members = (channel) => client.members(channel).then((answer) => answer, failed);
  window.roster = () => (members ? [...members].sort() : null);
  client.connect();
</script>
</html>
`;

const ROOM = 'room/1';
const GRACE_SECONDS = 2;

let synthesized: ReturnType<typeof synthesizeChannelsApp> | undefined;
function options(): UseLocalSystemOptions {
  synthesized ??= synthesizeChannelsApp({
    props: {
      channels: { rules: [ChannelRule.allow('room/*', { presence: true }), ChannelRule.allow('news/*')] },
      lifecycleEvents: { offlineGracePeriod: Duration.seconds(GRACE_SECONDS) },
    },
  });
  return { ...synthesized, authorizer: tokenTable, handler: false, queues: true };
}

// useBrowser's afterEach (closing the pages) before useLocalSystem's (stopping the system): jest runs them in order.
const browser = useBrowser(PAGE);
const local = useLocalSystem(options());

const WAIT = { timeout: 30_000 };

async function openAs(user: string): Promise<Page> {
  const page = await browser.openPage({ ws: local.system.emulator.connectUrl(), user, room: ROOM });
  await page.waitForFunction('window.opens === 1', undefined, WAIT);
  return page;
}

// Page-side calls are expressions evaluated in the page (this file is type-checked without the DOM's types).
const call = (page: Page, fn: string, channel: string) => page.evaluate(`window.${fn}(${JSON.stringify(channel)})`);
const eventsOf = (page: Page) => page.evaluate('window.events') as Promise<string[]>;
const hasEvents = (page: Page, count: number) => page.waitForFunction(`window.events.length >= ${count}`, undefined, WAIT);
const roster = (page: Page) => page.evaluate('window.roster()');

test('two pages on a presence channel: each sees the other join and leave (never itself), members() answers who is in; refusals reject', async () => {
  // GIVEN alice in the room alone
  const alice = await openAs('alice');
  expect(await call(alice, 'subscribe', ROOM)).toBe('subscribed');
  expect(await alice.evaluate('window.load()')).toEqual({ users: ['alice'], count: 1 });
  // her own join settled (a page that subscribes while it is on its way may get it: bob is to hear nothing here)
  await local.system.drained(60_000);

  // WHEN bob comes in
  const bob = await openAs('bob');
  expect(await call(bob, 'subscribe', ROOM)).toBe('subscribed');
  expect(await bob.evaluate('window.load()')).toEqual({ users: ['alice', 'bob'], count: 2 });

  // THEN alice sees him join, and her list has him; bob heard nothing of himself
  await hasEvents(alice, 1);
  expect(await eventsOf(alice)).toEqual([`${ROOM} join bob`]);
  expect(await roster(alice)).toEqual(['alice', 'bob']);
  expect(await roster(bob)).toEqual(['alice', 'bob']);
  expect(await call(alice, 'members', ROOM)).toEqual({ users: ['alice', 'bob'], count: 2 });

  // WHEN bob unsubscribes: he leaves at once
  expect(await call(bob, 'unsubscribe', ROOM)).toBe('unsubscribed');
  await hasEvents(alice, 2);
  expect(await eventsOf(alice)).toEqual([`${ROOM} join bob`, `${ROOM} leave bob`]);
  expect(await roster(alice)).toEqual(['alice']);
  expect(await call(alice, 'members', ROOM)).toEqual({ users: ['alice'], count: 1 });

  expect(await eventsOf(bob)).toEqual([]);

  // WHEN bob is back, then his page goes (a dropped connection): he leaves after the grace period
  expect(await call(bob, 'subscribe', ROOM)).toBe('subscribed');
  await hasEvents(alice, 3);
  expect(await roster(alice)).toEqual(['alice', 'bob']);
  await bob.close();
  const closedAt = Date.now();
  await hasEvents(alice, 4);
  expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 500);
  expect(await eventsOf(alice)).toEqual([`${ROOM} join bob`, `${ROOM} leave bob`, `${ROOM} join bob`, `${ROOM} leave bob`]);
  expect(await roster(alice)).toEqual(['alice']);
  expect(await call(alice, 'members', ROOM)).toEqual({ users: ['alice'], count: 1 });

  // THEN refusals reject with a PusherClientError of kind presence and the API's code
  expect(await call(alice, 'members', 'room/2')).toEqual({
    pusherClientError: true, kind: 'presence', details: expect.objectContaining({ code: 'FORBIDDEN', channel: 'room/2' }), message: expect.stringMatching(/^room\/2: FORBIDDEN/),
  });
  expect(await call(alice, 'subscribe', 'news/today')).toBe('subscribed');
  expect(await call(alice, 'members', 'news/today')).toMatchObject({ kind: 'presence', details: { code: 'NOT_ENABLED' } });
  expect(await alice.locator('#members').textContent()).toBe('alice');
  await keepScreenshot(alice, 'client-browser-presence');
  expect(await alice.evaluate('window.clientErrors')).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}, 120_000);
