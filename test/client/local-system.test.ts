import { sqsEvent } from '../../local/events';
import type { FunctionRunner } from '../../local/lambda-runtime/function-runner';
import type { LocalSystem } from '../../local/system/local-system';
import { MessageFormat } from '../../src';
import { useLocalSystem } from '../e2e/support';
import { closeClients, connectionsOf, observe as observeClient, opens, sleep, until, type ObservedClient } from './support/node-client';

// The client package against the local stack, in Node.js with real sockets (`ws`): the template's $connect (the
// authorizer's stand-in believes `?token=<user>`), the bundled pusher, the emulator's limits shortened.

const ENVELOPE = { props: { messageFormat: MessageFormat.ENVELOPE } };

/** A client of an API with the envelope format, as this file's apps have it (but the default format's block). */
const observe = (system: LocalSystem, options: Parameters<typeof observeClient>[1] = {}) => observeClient(system, { messageFormat: 'envelope', ...options });

/**
 * Publishes `data` to `user` (as one SQS message, redelivered until received) while the client is open: the shortened
 * limits close its socket over and over, and what is published while no socket is open reaches nobody.
 */
async function publishUntilReceived(pusher: FunctionRunner, observed: ObservedClient, user: string, data: unknown): Promise<void> {
  const before = observed.messages.length;
  for (let i = 0; i < 5 && observed.messages.length === before; i++) {
    await until('open', () => observed.client.state === 'open');
    await pusher.invoke(sqsEvent([{ data, users: [user] }], { messageIds: [`m-${user}`] }));
    await until('received', () => observed.messages.length > before, 1_000).catch(() => undefined);
  }
}

// Before useLocalSystem's: jest runs a block's afterEach hooks in their order, so clients close before the system stops.
afterEach(closeClients);

describe('delivery and reconnection', () => {
  const local = useLocalSystem({ app: ENVELOPE });

  test("receives a multicast as the envelope's data, with the envelope", async () => {
    // GIVEN alice's client, and bob's to prove the multicast is one
    const alice = observe(local.system, { user: 'alice' });
    const bob = observe(local.system, { user: 'bob' });
    alice.client.connect();
    bob.client.connect();
    await until('both open', () => opens(alice) === 1 && opens(bob) === 1);

    // WHEN
    await local.pusher.invoke(sqsEvent([{ data: { status: 'paid' }, users: ['alice'] }], { messageIds: ['m-1'] }));

    // THEN
    await until('alice got it', () => alice.messages.length === 1);
    expect(alice.messages).toEqual([{ data: { status: 'paid' }, envelope: { type: 'message', id: 'm-1', data: { status: 'paid' } } }]);
    await sleep(100);
    expect(bob.messages).toEqual([]);
  });

  test('reconnects after the server drops the socket, and gets the next message', async () => {
    // GIVEN
    const carol = observe(local.system, { user: 'carol' });
    carol.client.connect();
    await until('open', () => opens(carol) === 1);
    const [first] = await connectionsOf(local.system, 'carol');

    // WHEN the connection vanishes (no close frame; its row stays, stale)
    local.system.emulator.makeStale(first);

    // THEN the client reconnects on its own, as a new connection, and receives what is published next
    await until('reopened', () => opens(carol) === 2);
    expect(carol.states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(carol.retries).toEqual([expect.objectContaining({ attempt: 1, reason: 'closed', code: 1006, redial: false })]);
    const rows = await connectionsOf(local.system, 'carol');
    expect(rows).toHaveLength(2);
    expect(rows).toContain(first);
    await local.pusher.invoke(sqsEvent([{ data: 'after the drop', users: ['carol'] }], { messageIds: ['m-2'] }));
    await until('received', () => carol.messages.length === 1);
    expect(carol.messages.map((m) => m.data)).toEqual(['after the drop']);
  });

  test('a message delivered twice (the same SQS message id) is received once', async () => {
    // GIVEN
    const dave = observe(local.system, { user: 'dave' });
    dave.client.connect();
    await until('open', () => opens(dave) === 1);

    // WHEN SQS delivers the same message twice (at least once)
    for (let i = 0; i < 2; i++) await local.pusher.invoke(sqsEvent([{ data: 'hello', users: ['dave'] }], { messageIds: ['m-7'] }));

    // THEN
    await until('both frames arrived', () => dave.messages.length + dave.duplicates.length === 2);
    expect(dave.messages.map((m) => m.envelope?.id)).toEqual(['m-7']);
    expect(dave.duplicates).toEqual(['m-7']);
  });

  test('a frame sent while reconnecting is buffered and sent once the new socket is open', async () => {
    // GIVEN a client without pings of its own, so that the only pong answers the buffered ping
    const erin = observe(local.system, { user: 'erin', pingIntervalMs: 0 });
    let buffered: { accepted: boolean; waiting: number } | undefined;
    erin.client.on('state', (state) => {
      if (state === 'reconnecting') buffered = { accepted: erin.client.send({ action: 'ping' }), waiting: erin.client.bufferedFrames };
    });
    erin.client.connect();
    await until('open', () => opens(erin) === 1);

    // WHEN the socket is lost, and the app sends while the client reconnects
    local.system.emulator.makeStale((await connectionsOf(local.system, 'erin'))[0]);
    await until('reconnecting', () => erin.states.includes('reconnecting'));
    expect(buffered).toEqual({ accepted: true, waiting: 1 });

    // THEN the frame goes out on the new socket: API Gateway's ping route answers it
    await until('pong', () => erin.pongs === 1);
    expect(opens(erin)).toBe(2);
    expect(erin.client.bufferedFrames).toBe(0);
  });
});

describe('the token provider', () => {
  const tokens: string[] = [];
  const local = useLocalSystem({
    app: ENVELOPE,
    handler: false,
    // The authorizer's stand-in: `valid-<n>` is frank's, anything else is refused with 401.
    authorizer: ({ query }) => {
      tokens.push(query.token);
      return query.token?.startsWith('valid-') ? { principalId: 'frank' } : undefined;
    },
  });

  test('is called on every connect: an expired token is refused (401), a refreshed one connects; again after a drop', async () => {
    // GIVEN a provider whose first token has expired
    let issued = 0;
    const frank = observe(local.system, { token: async () => (++issued === 1 ? 'expired-1' : `valid-${issued}`) });

    // WHEN
    frank.client.connect();
    await until('open', () => opens(frank) === 1);

    // THEN the refusal was reported and retried with a fresh token
    expect(frank.errors.map((e) => [e.kind, e.message])).toEqual([['connect', 'could not connect: Unexpected server response: 401 (close code 1006)']]);
    expect(frank.retries).toEqual([expect.objectContaining({ attempt: 1, reason: 'connect-failed' })]);
    expect(tokens).toEqual(['expired-1', 'valid-2']);

    // WHEN the socket is lost, THEN the reconnect asks for a token again
    local.system.emulator.makeStale((await connectionsOf(local.system, 'frank'))[0]);
    await until('reopened', () => opens(frank) === 2);
    expect(tokens).toEqual(['expired-1', 'valid-2', 'valid-3']);
  });
});

describe("API Gateway's limits, shortened", () => {
  describe('the 10-minute idle timeout (here 1 s)', () => {
    const local = useLocalSystem({ app: ENVELOPE, connectionLimits: { idleTimeoutMs: 1_000 } });

    test('pings keep an idle connection open; without them it is closed (1001), and the client reconnects', async () => {
      // GIVEN a client pinging every 250 ms, and one with pings off
      const pinging = observe(local.system, { user: 'grace', pingIntervalMs: 250 });
      const silent = observe(local.system, { user: 'heidi', pingIntervalMs: 0 });
      pinging.client.connect();
      silent.client.connect();
      await until('both open', () => opens(pinging) === 1 && opens(silent) === 1);

      // WHEN both stay idle three idle timeouts long
      await sleep(3_000);

      // THEN the pinging one never left its first connection; the silent one was closed for idleness
      expect(pinging.states).toEqual(['connecting', 'open']);
      expect(pinging.pongs).toBeGreaterThanOrEqual(5);
      expect(pinging.retries).toEqual([]);
      expect(silent.retries[0]).toEqual(expect.objectContaining({ reason: 'closed', code: 1001 }));

      // AND the silent one reconnected on its own, as a new connection, and receives what is published after
      await until('reopened', () => opens(silent) >= 2);
      expect(silent.states.slice(0, 4)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
      await publishUntilReceived(local.pusher, silent, 'heidi', 'after the idle close');
      expect(silent.messages.map((m) => m.data)).toEqual(['after the idle close']);
    });
  });

  describe('the 2-hour limit (here 1.5 s), without re-dialing', () => {
    const local = useLocalSystem({ app: ENVELOPE, connectionLimits: { maxDurationMs: 1_500 } });

    test('the emulator closes the connection at the limit (1001); the client reconnects and receives what is published after', async () => {
      // GIVEN a client that never re-dials, so that the emulator's close at the limit is what happens
      const judy = observe(local.system, { user: 'judy', redial: { afterMs: 0 } });
      let closedAt = 0;
      judy.client.on('retry', () => {
        closedAt ||= Date.now();
      });
      // Before the dial: the emulator's timer starts later (at its accept), so the close comes at least 1.5 s after this.
      const dialedAt = Date.now();
      judy.client.connect();
      await until('open', () => opens(judy) === 1);

      // WHEN the limit passes, THEN its socket is closed (1001), not before, and the client reconnects
      await until('reopened', () => opens(judy) === 2);
      expect(judy.retries[0]).toEqual(expect.objectContaining({ attempt: 1, reason: 'closed', code: 1001, redial: false }));
      expect(closedAt - dialedAt).toBeGreaterThanOrEqual(1_450);
      expect(judy.redials).toBe(0);

      // AND it receives a message published after the close
      await publishUntilReceived(local.pusher, judy, 'judy', 'after the 2-hour close');
      expect(judy.messages.map((m) => m.data)).toEqual(['after the 2-hour close']);
    });
  });

  describe('the 2-hour limit (here 3 s)', () => {
    const local = useLocalSystem({ app: ENVELOPE, queues: true, connectionLimits: { maxDurationMs: 3_000 } });

    test('the client re-dials at 1.5 s: every message published around the switches is received exactly once', async () => {
      // GIVEN a client re-dialing 1.5 s after each connect, the old socket kept 1 s after the switch (the margins cover a
      // loaded machine: a new socket open within 0.5 s, a delivery read before the switch posted within 1 s)
      const ivan = observe(local.system, { user: 'ivan', pingIntervalMs: 0, redial: { afterMs: 1_500, jitterMs: 0, graceMs: 1_000 } });
      ivan.client.connect();
      await until('open', () => opens(ivan) === 1);

      // WHEN a steady stream is published through the request queue across two re-dials
      const published: string[] = [];
      const started = Date.now();
      while (Date.now() - started < 3_600) {
        const id = `s-${published.length}`;
        await local.system.sendToQueue({ id, data: published.length, users: ['ivan'] });
        published.push(id);
        await sleep(40);
      }
      await local.system.drained();
      await until('every message', () => ivan.messages.length >= published.length, 15_000).catch(() => undefined);
      await sleep(200);

      // THEN the client never lost its connection, and every id arrived once as a message (the overlap's copies dropped)
      expect(ivan.states).toEqual(['connecting', 'open']);
      expect(ivan.retries).toEqual([]);
      expect(ivan.redials).toBeGreaterThanOrEqual(2);
      // (A standard queue and concurrent batches need not keep publishing order: compared as sets, counted exactly.)
      const byIndex = (a: string, b: string) => Number(a.slice(2)) - Number(b.slice(2));
      expect(ivan.messages.map((m) => m.envelope!.id).sort(byIndex)).toEqual(published);
      // The sockets overlapped (make-before-break): what was sent to ivan meanwhile reached both, and was dropped once.
      expect(ivan.duplicates.length).toBeGreaterThan(0);
      expect(ivan.retries).toEqual([]);
    });
  });
});

describe("the default messageFormat, the construct's (MessageFormat.DATA)", () => {
  const local = useLocalSystem({});

  test('data with a type field is delivered as a message, as it was published', async () => {
    // GIVEN a client with every default but the token, of an API with the default format
    const kate = observeClient(local.system, { user: 'kate' });
    const frames: unknown[] = [];
    kate.client.on('frame', (frame) => frames.push(frame));
    kate.client.connect();
    await until('open', () => opens(kate) === 1);

    // WHEN
    await local.pusher.invoke(sqsEvent([{ data: { type: 'notification', text: 'hi' }, users: ['kate'] }], { messageIds: ['m-1'] }));

    // THEN
    await until('received', () => kate.messages.length === 1);
    expect(kate.messages).toEqual([{ data: { type: 'notification', text: 'hi' }, envelope: undefined }]);
    expect(frames).toEqual([]);
  });
});
