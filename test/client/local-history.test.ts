import type { ClientOptions, ResetEvent } from '../../client/src';
import { deleteHead, historyRows, historySystemOptions } from '../e2e/history-app';
import { useLocalSystem } from '../e2e/support';
import { batchTo, range, tappedWebSocket, tokenGate, type Tap } from './support/history';
import { closeClients, connectionsOf, observe, opens, until, type ObservedClient } from './support/node-client';

// The client's history and resume against the local stack, in Node.js with real sockets (`ws`): the e2e history app
// (`room/*` and `inbox/{userId}` keep an hour of history; its authorizer's stand-in believes `?token=t-alice`), the
// channels function of the template answering subscribe and resume (replaying through the emulator's Management API),
// and the bundled pusher publishing to the channels and numbering their messages in the template's history table.
// A drop is the emulator's `makeStale` (the socket gone, no `$disconnect`); the client's token provider is held while
// the backend publishes, so those messages are published while no socket is open. Reordering and loss in transit on an
// open socket: a `ws` socket whose incoming frames the test holds back or drops. Generous waits: cold starts.

// Before useLocalSystem's: jest runs a block's afterEach hooks in their order, so clients close before the system stops.
afterEach(closeClients);

const local = useLocalSystem(historySystemOptions());

const WAIT = 60_000;

/** Alice's client (the token held by `gate` when it is held), its `subscription` and `reset` events recorded. */
function alice(options: Partial<ClientOptions> = {}) {
  const gate = tokenGate('t-alice');
  const observed = observe(local.system, { token: gate.token, messageFormat: 'envelope', replyTimeoutMs: WAIT, connectTimeoutMs: 120_000, ...options });
  const subscribed: string[] = [];
  const resets: ResetEvent[] = [];
  observed.client.on('subscription', (channel, error) => subscribed.push(`${channel} ${error?.details.code ?? 'ok'}`));
  observed.client.on('reset', (reset) => resets.push(reset));
  observed.client.connect();
  return { ...observed, gate, subscribed, resets };
}

/** Publishes `count` messages to `channel` in batches of `size` (one pusher invocation each); no record fails. */
async function publish(channel: string, prefix: string, from: number, count: number, size = 10): Promise<void> {
  for (let i = from; i < from + count; i += size) {
    const invocation = await local.pusher.invoke(batchTo(channel, prefix, i, Math.min(size, from + count - i)));
    expect(invocation.result).toEqual({ batchItemFailures: [] });
  }
}

/** Drops the client's current connection (held from reconnecting by its gate) and waits until it knows. */
async function drop(client: ReturnType<typeof alice>, connectionId: string): Promise<void> {
  client.gate.hold();
  local.system.emulator.makeStale(connectionId);
  await until('the drop noticed', () => client.states[client.states.length - 1] === 'reconnecting', WAIT);
}

/** The connection of alice's that is not one of `known`. */
async function newConnection(known: string[]): Promise<string> {
  const ids = (await connectionsOf(local.system, 'alice')).filter((id) => !known.includes(id));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const seqs = (client: ObservedClient, channel: string) => client.messages.map((m) => m.envelope?.positions?.[channel]);
const ids = (client: ObservedClient) => client.messages.map((m) => m.envelope!.id);

test('dropped while 30 messages are published (and 10 more as it comes back): resumed, every message once in seq order, then live ones; no reset', async () => {
  // GIVEN alice in room/1, who received 5 messages live
  const client = alice();
  await client.client.subscribe('room/1');
  const { epoch } = client.client.position('room/1')!;
  await publish('room/1', 'live', 1, 5);
  await until('the live ones', () => client.messages.length === 5, WAIT);
  expect(client.client.position('room/1')).toEqual({ since: 5, epoch });

  // WHEN her connection drops, the backend publishes 30 messages (3 invocations) while no socket is open, then 10 more as
  // she reconnects (on her own) and resumes
  const first = await newConnection([]);
  await drop(client, first);
  await publish('room/1', 'missed', 6, 30);
  expect(client.messages).toHaveLength(5);
  client.gate.release();
  await publish('room/1', 'racing', 36, 10, 5);
  await until('reopened and resumed', () => opens(client) === 2 && client.subscribed.length === 2, WAIT);
  await until('the missed ones', () => client.messages.length === 45, WAIT);
  await newConnection([first]);

  // THEN the 30 and the 10 came, once each, in seq order, after the 5; then what is published next comes live
  await publish('room/1', 'after', 46, 5);
  await until('the later ones', () => client.messages.length === 50, WAIT);
  const rows = await historyRows(local.system, 'room/1', epoch);
  expect(rows.map((row) => row.seq)).toEqual(range(1, 50));
  expect(client.messages.map((m) => [m.envelope!.seq, m.envelope!.id, m.data])).toEqual(rows.map((row) => [row.seq, row.id, JSON.parse(row.data)]));
  expect(seqs(client, 'room/1')).toEqual(range(1, 50));
  expect(new Set(ids(client)).size).toBe(50);
  expect(ids(client).slice(0, 35)).toEqual([...range(1, 5).map((n) => `live-${n}`), ...range(6, 30).map((n) => `missed-${n}`)]);
  expect(ids(client).slice(35, 45).sort()).toEqual(range(36, 10).map((n) => `racing-${n}`).sort());
  expect(ids(client).slice(45)).toEqual(range(46, 5).map((n) => `after-${n}`));
  expect(new Set(client.messages.map((m) => m.envelope!.epoch))).toEqual(new Set([epoch]));
  expect(client.client.position('room/1')).toEqual({ since: 50, epoch });
  expect(client.resets).toEqual([]);
  expect(client.subscribed).toEqual(['room/1 ok', 'room/1 ok']);
  expect(client.errors).toEqual([]);
}, 240_000);

test('two pusher invocations publishing to one channel at once: the app sees seq 1 to 40 in order, each once', async () => {
  // GIVEN alice in room/2, and two cold pushers (two execution environments)
  const client = alice();
  await client.client.subscribe('room/2');
  const { epoch } = client.client.position('room/2')!;
  const [one, two] = [await local.system.loadPusher(), await local.system.loadPusher()];

  // WHEN each is invoked with a batch of 20 requests to room/2 at the same time
  const [a, b] = await Promise.all([one.invoke(batchTo('room/2', 'a', 1, 20)), two.invoke(batchTo('room/2', 'b', 1, 20))]);
  expect([a.result, b.result]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);

  // THEN every message once, in seq order, as the history table numbered them
  await until('all 40', () => client.messages.length >= 40, WAIT);
  const rows = await historyRows(local.system, 'room/2', epoch);
  expect(seqs(client, 'room/2')).toEqual(range(1, 40));
  expect(client.messages.map((m) => [m.envelope!.seq, m.envelope!.id])).toEqual(rows.map((row) => [row.seq, row.id]));
  expect(ids(client).sort()).toEqual([...range(1, 20).map((n) => `a-${n}`), ...range(1, 20).map((n) => `b-${n}`)].sort());
  for (const k of ['a', 'b']) expect(ids(client).filter((id) => id.startsWith(`${k}-`))).toEqual(range(1, 20).map((n) => `${k}-${n}`));
  expect(client.resets).toEqual([]);
  expect(client.errors).toEqual([]);
}, 180_000);

test('on an open socket, a message overtaken by later ones is held back for; one lost in transit is resumed after the gap timeout: 1 to 12 in order', async () => {
  // GIVEN alice in room/5 through a network that delivers seq 2 only after seq 5, and loses the first copy of seq 9
  const tap: Tap = { sent: [] };
  const seen = new Set<number>();
  const handed: number[] = [];
  let late: (() => void) | undefined;
  const network = tappedWebSocket((frame, deliver) => {
    const seq: number | undefined = frame.type === 'message' && frame.channel === 'room/5' ? frame.seq : undefined;
    const first = seq !== undefined && !seen.has(seq);
    if (seq !== undefined) seen.add(seq);
    const pass = () => {
      if (seq !== undefined) handed.push(seq);
      deliver();
    };
    if (first && seq === 2 && !seen.has(5)) late = pass;
    else if (!(first && seq === 9)) pass();
    if (seq === 5) late?.();
  }, tap);
  const client = alice({ WebSocket: network });
  await client.client.subscribe('room/5');
  const { epoch } = client.client.position('room/5')!;

  // WHEN 12 messages are published (two invocations)
  await publish('room/5', 'm', 1, 12, 6);

  // THEN the app gets 1 to 12 in order, each once: seq 9 through a resume from 8 (what came after it held meanwhile)
  await until('all 12', () => client.messages.length >= 12, WAIT);
  expect(handed.indexOf(2)).toBeGreaterThan(handed.indexOf(5));
  expect(handed.slice(0, handed.indexOf(9))).toEqual(expect.arrayContaining(range(10, 3)));
  expect(seqs(client, 'room/5')).toEqual(range(1, 12));
  expect(ids(client)).toEqual(range(1, 12).map((n) => `m-${n}`));
  expect(tap.sent.filter((frame) => frame.action === 'resume')).toContainEqual({ action: 'resume', channel: 'room/5', since: 8, epoch, ref: expect.any(String) });
  expect(client.client.position('room/5')).toEqual({ since: 12, epoch });
  expect(client.resets).toEqual([]);
  expect(client.subscribed).toEqual(['room/5 ok']);
  expect(client.errors).toEqual([]);
}, 180_000);

test("the channel's counter lost while she is away: her resume in the old epoch is answered reset (a reset event); later messages delivered", async () => {
  // GIVEN alice in room/3, who received 2 messages
  const client = alice();
  await client.client.subscribe('room/3');
  const old = client.client.position('room/3')!.epoch;
  await publish('room/3', 'before', 1, 2);
  await until('the first two', () => client.messages.length === 2, WAIT);

  // WHEN she drops, the channel's head is deleted, 3 messages are published (a new epoch), and she comes back
  const first = await newConnection([]);
  await drop(client, first);
  await deleteHead(local.system, 'room/3');
  await publish('room/3', 'lost', 1, 3);
  client.gate.release();
  await until('reset', () => client.resets.length === 1, WAIT);

  // THEN a reset to the new epoch at its last seq; what was published in between is not delivered
  const epoch = client.resets[0].epoch;
  expect(epoch).not.toBe(old);
  expect(client.resets).toEqual([{ channel: 'room/3', seq: 3, epoch }]);
  expect((await historyRows(local.system, 'room/3', epoch)).map((row) => row.id)).toEqual(['lost-1', 'lost-2', 'lost-3']);
  await until('resubscribed', () => client.subscribed.length === 2, WAIT);
  expect(client.client.position('room/3')).toEqual({ since: 3, epoch });

  // WHEN the backend publishes again; THEN those come, in the new epoch, after seq 3
  await publish('room/3', 'next', 4, 2);
  await until('the next two', () => client.messages.length === 4, WAIT);
  expect(client.messages.map((m) => [m.envelope!.id, m.envelope!.seq, m.envelope!.epoch])).toEqual([
    ['before-1', 1, old], ['before-2', 2, old], ['next-4', 4, epoch], ['next-5', 5, epoch],
  ]);
  expect(client.resets).toHaveLength(1);
  expect(client.errors).toEqual([]);
}, 180_000);

test('a position stored by one client, passed to subscribe() by the next: the missed messages first, in order, then live ones', async () => {
  // GIVEN a client in room/4 that received 3 messages, its position stored, then closed
  const earlier = alice();
  await earlier.client.subscribe('room/4');
  await publish('room/4', 'seen', 1, 3);
  await until('the first three', () => earlier.messages.length === 3, WAIT);
  const stored = earlier.client.position('room/4')!;
  expect(stored).toEqual({ since: 3, epoch: expect.any(String) });
  earlier.client.close();

  // WHEN 12 messages are published, and a new client subscribes from the stored position
  await publish('room/4', 'missed', 4, 12, 4);
  const later = alice();
  await later.client.subscribe('room/4', stored);

  // THEN the 12 first (no earlier one), then live ones; no reset
  await until('the missed ones', () => later.messages.length === 12, WAIT);
  await publish('room/4', 'live', 16, 3);
  await until('the live ones', () => later.messages.length === 15, WAIT);
  expect(ids(later)).toEqual([...range(4, 12).map((n) => `missed-${n}`), ...range(16, 3).map((n) => `live-${n}`)]);
  expect(seqs(later, 'room/4')).toEqual(range(4, 15));
  expect(later.client.position('room/4')).toEqual({ since: 18, epoch: stored.epoch });
  expect(later.resets).toEqual([]);
  expect(later.subscribed).toEqual(['room/4 ok']);
}, 180_000);
