import { open, subscribes, track } from '../support/channels';
import { envelope, setup } from '../support/fake-client';
import { settle } from '../support/fakes';

// The channels across sockets: waiting for one, subscribed again after every reconnect and re-dial (make-before-break:
// the old socket kept until the new one is subscribed), on a fake clock (support/fake-client: random 0.5, so the first
// reconnect comes 0.5 s after a drop; the re-dial an hour after the open).

describe('while no socket is open', () => {
  test('subscribe waits for the connection, however long: sent on open before the buffered frames, then resolved', async () => {
    // GIVEN a client not yet connected, and one whose dials fail for a while
    const { client, ws, advance, retries, states } = await setup({}, false);
    const subscribed = track(client.subscribe('room/1'));
    client.send('app frame');
    client.connect();
    await settle();
    for (let i = 0; i < 6; i++) {
      ws.last().refuse();
      await advance(retries[retries.length - 1].delayMs);
    }
    expect(subscribed.result).toBe('pending');

    // WHEN a socket opens
    let sentWhenOpen: string[] = [];
    client.on('state', (state) => {
      if (state === 'open') sentWhenOpen = [...ws.last().sent];
    });
    ws.last().accept();

    // THEN the subscribe went out first, before the state was announced
    expect(sentWhenOpen).toEqual(['{"action":"subscribe","channel":"room/1","ref":"wp1"}', 'app frame']);
    ws.last().push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await settle();
    expect(subscribed.result).toBe('resolved');
    expect(states[states.length - 1]).toBe('open');
  });

  test('a subscribe in flight when the socket drops is not timed out: sent again on the next socket', async () => {
    const { client, socket, ws, advance, retries } = await open({ replyTimeoutMs: 3_000 });
    const subscribed = track(client.subscribe('room/1'));
    socket.drop();
    // Far past the reply timeout and its retries, while reconnecting
    ws.last().refuse();
    await advance(retries[0].delayMs);
    for (let i = 0; i < 10; i++) {
      ws.last().refuse();
      await advance(retries[retries.length - 1].delayMs);
    }
    expect(subscribed.result).toBe('pending');
    ws.last().accept();
    expect(subscribes(ws.last())).toEqual([['room/1', expect.any(String)]]);
    ws.last().push({ type: 'subscribed', channel: 'room/1', ref: subscribes(ws.last())[0][1] });
    await settle();
    expect(subscribed.result).toBe('resolved');
  });
});

describe('after a reconnect', () => {
  test('every kept channel is subscribed again on the new socket, reported by a subscription event', async () => {
    // GIVEN two channels subscribed, one refused
    const { client, socket, ws, advance, retries, reports } = await open();
    const done = Promise.all([client.subscribe('room/1'), client.subscribe('user/u1/inbox')]);
    void client.subscribe('secret').catch(() => undefined);
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    socket.push({ type: 'subscribed', channel: 'user/u1/inbox', ref: 'wp2' });
    socket.push({ type: 'error', action: 'subscribe', channel: 'secret', code: 'FORBIDDEN', ref: 'wp3' });
    await done;

    // WHEN the socket is lost, and another opens
    socket.drop(1001);
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();

    // THEN
    expect(subscribes(fresh)).toEqual([['room/1', 'wp4'], ['user/u1/inbox', 'wp5']]);
    fresh.push({ type: 'subscribed', channel: 'room/1', ref: 'wp4' });
    fresh.push({ type: 'subscribed', channel: 'user/u1/inbox', ref: 'wp5' });
    expect(reports).toEqual([['room/1', undefined], ['user/u1/inbox', undefined], ['secret', 'FORBIDDEN'], ['room/1', undefined], ['user/u1/inbox', undefined]]);
    expect(client.subscriptions).toEqual(['room/1', 'user/u1/inbox']);
  });

  test('a re-subscribe refused (FORBIDDEN) forgets the channel, and tells the app: subscription and error events', async () => {
    const { client, socket, ws, advance, retries, reports, errors } = await open();
    const subscribed = client.subscribe('room/1');
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await subscribed;
    socket.drop();
    await advance(retries[0].delayMs);
    ws.last().accept();
    ws.last().push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'FORBIDDEN', message: 'not allowed', ref: 'wp2' });
    expect(reports).toEqual([['room/1', undefined], ['room/1', 'FORBIDDEN']]);
    expect(errors.map((e) => [e.kind, e.message, e.details.channel])).toEqual([['subscription', 'room/1: FORBIDDEN: not allowed', 'room/1']]);
    expect(client.subscriptions).toEqual([]);
  });

  test('a re-subscribe answered UNAVAILABLE is retried with backoff on the new socket', async () => {
    const { client, socket, ws, advance, retries, reports } = await open();
    const subscribed = client.subscribe('room/1');
    socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await subscribed;
    socket.drop();
    await advance(retries[0].delayMs);
    const fresh = ws.last();
    fresh.accept();
    fresh.push({ type: 'error', action: 'subscribe', channel: 'room/1', code: 'UNAVAILABLE', ref: 'wp2' });
    await advance(500);
    expect(subscribes(fresh)).toEqual([['room/1', 'wp2'], ['room/1', 'wp3']]);
    fresh.push({ type: 'subscribed', channel: 'room/1', ref: 'wp3' });
    expect(reports).toEqual([['room/1', undefined], ['room/1', undefined]]);
  });
});

describe('a re-dial (make-before-break)', () => {
  const redial = { afterMs: 3_600_000, jitterMs: 0, graceMs: 2_000 };

  /** An open client subscribed to room/1, re-dialed: its new socket open. */
  async function redialed(overrides = {}) {
    const fixture = await open({ redial, pingIntervalMs: 0, ...overrides });
    const subscribed = fixture.client.subscribe('room/1');
    fixture.socket.push({ type: 'subscribed', channel: 'room/1', ref: 'wp1' });
    await subscribed;
    await fixture.advance(3_600_000);
    const fresh = fixture.ws.last();
    fresh.accept();
    return { ...fixture, old: fixture.socket, fresh };
  }

  test('the new socket subscribes before anything else; the old one is kept past the grace period until it is subscribed', async () => {
    // GIVEN
    const { client, old, fresh, advance, messages, redials } = await redialed();
    client.send('app');
    expect(fresh.sent).toEqual(['{"action":"subscribe","channel":"room/1","ref":"wp2"}', 'app']);
    expect(redials()).toBe(1);

    // WHEN the grace period passes before the new socket is subscribed
    await advance(5_000);

    // THEN the old socket, still subscribed, is kept and delivers what the channel gets meanwhile (once by id)
    expect(old.closedWith).toBeUndefined();
    old.push({ ...envelope('m-1'), channel: 'room/1' });
    fresh.push({ type: 'subscribed', channel: 'room/1', ref: 'wp2' });
    old.push({ ...envelope('m-2'), channel: 'room/1' });
    fresh.push({ ...envelope('m-2'), channel: 'room/1' });
    await settle();
    expect(old.closedWith).toEqual({ code: 1000, reason: 're-dialed' });
    expect(messages).toEqual(['m-1', 'm-2']);
  });

  test('subscribed within the grace period: the old socket is closed when the grace period ends, as without channels', async () => {
    const { old, fresh, advance } = await redialed();
    fresh.push({ type: 'subscribed', channel: 'room/1', ref: 'wp2' });
    await advance(1_999);
    expect(old.closedWith).toBeUndefined();
    await advance(1);
    expect(old.closedWith).toEqual({ code: 1000, reason: 're-dialed' });
  });

  test('never answered: the old socket is kept only until the re-subscribe is given up (bounded), which the app is told', async () => {
    const { old, client, advance, errors, reports } = await redialed({ replyTimeoutMs: 1_000 });
    await advance(3_000);
    expect(old.closedWith).toBeUndefined();
    await advance(20_000);
    expect(old.closedWith).toEqual({ code: 1000, reason: 're-dialed' });
    expect(reports).toEqual([['room/1', undefined], ['room/1', 'TIMEOUT']]);
    expect(errors.map((e) => e.details.code)).toEqual(['TIMEOUT']);
    expect(client.subscriptions).toEqual([]);
  });
});
