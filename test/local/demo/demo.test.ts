import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runDemo } from '../../../local/demo/demo';

// `npm run demo` as a test: it passes its own checks, prints what README.md shows, and its room does what it says (the
// subscribe replies, a refusal by the rules, a request to the room that skips the sender, the stream's cleanup).

const printed: string[] = [];
let exitCode: number;

beforeAll(async () => {
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(...args.join(' ').split('\n'));
  });
  try {
    exitCode = await runDemo();
  } finally {
    log.mockRestore();
  }
}, 120_000);

/** The lines of one section, after its `── <title> ──` rule, up to the next rule. */
function section(title: string): string[] {
  const start = printed.findIndex((l) => l.startsWith(`── ${title}`));
  if (start < 0) throw new Error(`no section "${title}" in:\n${printed.join('\n')}`);
  const end = printed.findIndex((l, i) => i > start && l.startsWith('── '));
  return printed.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '');
}

/** What varies from run to run: ports, durations, TTL timestamps. */
const normalize = (text: string) => text
  .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
  .replace(/durationMs=\d+/g, 'durationMs=N')
  .replace(/Duration=\d+ms/g, 'Duration=Nms')
  .replace(/"expires_at":\d+/g, '"expires_at":T')
  .replace(/\(\d+ ms\)/g, '(N ms)');

test('the demo meets its own expectations', () => {
  expect(printed.at(-1)).toMatch(/^ {2}✓ every request behaved as expected \(\d+ ms\)$/);
  expect(printed.filter((l) => l.includes('✗'))).toEqual([]);
  expect(exitCode).toBe(0);
});

test('README.md shows what the demo prints (ports, durations and expires_at aside)', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const shown = /```\n(WebsocketPusher demo:[\s\S]*?)```/.exec(readme)?.[1];
  expect(shown).toBeDefined();
  expect(normalize(shown!)).toBe(normalize(`${printed.join('\n')}\n`));
});

test('clients subscribe to the room with real frames; another tenant\'s channel is refused by the rules', () => {
  const lines = section('Channels: clients subscribe');
  const replies = lines.map((l) => /^ {2}(\w+) +(\S+) {2}(\{.*\}) → (\{.*\})$/.exec(l)).filter((m) => m !== null)
    .map(([, user, , frame, reply]) => [user, JSON.parse(frame).channel, JSON.parse(reply)]);
  expect(replies).toEqual([
    ['alice', 'room/lobby', { type: 'subscribed', channel: 'room/lobby' }],
    ['bob', 'room/lobby', { type: 'subscribed', channel: 'room/lobby' }],
    ['bob', 'room/lobby', { type: 'subscribed', channel: 'room/lobby' }],
    ['dave', 'room/lobby', { type: 'subscribed', channel: 'room/lobby' }],
    ['alice', 'tenant/acme/news', { type: 'subscribed', channel: 'tenant/acme/news' }],
    ['dave', 'tenant/acme/news', expect.objectContaining({ type: 'error', action: 'subscribe', channel: 'tenant/acme/news', code: 'FORBIDDEN' })],
  ]);
  const row = JSON.parse(lines.find((l) => l.startsWith('  a row'))!.slice('  a row'.length));
  expect(row).toEqual({ channel_key: 'room/lobby#0', connection_id: expect.any(String), channel: 'room/lobby', user_id: 'alice', expires_at: expect.any(Number) });
});

test('a request to the room reaches its other subscribers, in the envelope naming the channel, and not the sender', () => {
  const lines = section('7. To everyone in room/lobby');
  const request = JSON.parse(lines[0].replace(/^ {2}request +/, ''));
  const [sender] = request.exclude_connections;
  expect(request).toMatchObject({ channels: ['room/lobby'], exclude_connections: [expect.any(String)] });
  const received = lines.map((l) => /^ {2}(?:received| {8}) +(\w+) +(\S+) {2}(\{.*\})$/.exec(l)).filter((m) => m !== null).map((m) => m.slice(1));
  expect(received.map(([user]) => user)).toEqual(['bob', 'bob', 'dave']);
  for (const [, connectionId, envelope] of received) {
    expect(connectionId).not.toBe(sender);
    expect(JSON.parse(envelope)).toEqual({ type: 'message', id: 'demo-7', channel: 'room/lobby', data: request.data });
  }
  expect(lines.find((l) => l.startsWith('  not sent'))).toContain(`alice ${sender}`);
  expect(lines).toContainEqual(expect.stringMatching(/handler +INFO "request processed" outcome=delivered kind=channel targets=3 delivered=3 /));
  expect(lines).toContainEqual(expect.stringMatching(/ChannelDelivered=3 /));
});

test('a subscriber leaves: the connection stream function deletes its subscription, the others stay', () => {
  const lines = section('8. dave\'s first socket leaves');
  const [, connectionId] = /before +dave (\S+) subscribed to room\/lobby; 5 subscription rows/.exec(lines[0]) ?? [];
  expect(connectionId).toBeDefined();
  expect(lines).toContainEqual(expect.stringMatching(/stream fn INFO "stream batch processed" records=1 removals=1 ttlRemovals=0 subscriptionsDeleted=1 failures=0$/));
  expect(lines).toContainEqual(expect.stringMatching(/metrics +WebsocketPusher \(EMF\): SubscriptionsCleaned=1 CleanupFailures=0$/));
  const left = lines.slice(lines.findIndex((l) => l.startsWith('  left'))).join('\n');
  expect(left).not.toContain(connectionId);
  expect(left.match(/room\/lobby: (.*)/)?.[1].split(', ').map((s) => s.split(' ')[0])).toEqual(['alice', 'bob', 'bob']);
  expect(section('Summary')).toContainEqual('  subscriptions   4 rows left, each of a live connection');
});
