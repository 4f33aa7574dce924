import { memberWorld, NOW_MS } from './fakes';
import { CHECK_MARGIN_SECONDS, checkMember, join, leaveLater, leaveNow, MEMBER_ATTEMPTS, MemberConflictError } from '../../../lambda/channel-presence/core/members';

const ROOM = 'room/42';
const NOW_SECONDS = Math.floor(NOW_MS / 1000);
const EXPIRES = NOW_SECONDS + 7_200;
const departure = (token = 'ev-1') => ({ channel: ROOM, userId: 'alice', connectionId: 'c1', token });
const subscribing = (id: string, expiresAt = EXPIRES) => ({ id, expiresAt });
const unavailable = () => Object.assign(new Error('the work queue is unavailable'), { name: 'ServiceUnavailable' });
/** A tombstone is listed until the time it left (not at all); the store keeps it a day past that. */
const TOMBSTONE = NOW_SECONDS;

describe('join (after the subscription row is written)', () => {
  test('not a member: the row joined with the connection\'s expiry and its join pending, then the join frame, then the token dropped', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-1'))).toBe('joined');
    expect(w.log).toEqual(['write alice joined:req-1', 'frame join alice', 'write alice joined']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'join', userId: 'alice', version: NOW_MS, id: 'req-1' }]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS, expiresAt: EXPIRES });
    // Before the write, and again after it (made a member): no connection excluded.
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', nowSeconds: NOW_SECONDS }, { channel: ROOM, userId: 'alice', nowSeconds: NOW_SECONDS }]);
  });

  test('already joined (another connection): written again with a later version and the later expiry, no frame', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'joined', version: NOW_MS + 5, expiresAt: EXPIRES - 60 });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-2'))).toBe('none');
    expect(w.log).toEqual(['write alice joined']);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS + 6, expiresAt: EXPIRES });
    expect(w.frames.sent).toEqual([]);
  });

  test('devices subscribing at once: a keep that lost to another device\'s write, re-read joined at a later version and expiry, is done without writing', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'joined', version: 5, expiresAt: EXPIRES });
    w.members.beforeReplace = () => {
      w.members.beforeReplace = undefined;
      w.members.set(ROOM, 'alice', { state: 'joined', version: 6, expiresAt: EXPIRES }); // the other device's keep
    };
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-2b'))).toBe('none');
    expect(w.log).toEqual(['conflict alice']);
    expect(w.members.row(ROOM, 'alice')?.version).toBe(6);
  });

  test('... but not when the row re-read lists the user for less long than this connection: written again with its expiry', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'joined', version: 5, expiresAt: EXPIRES - 600 });
    w.members.beforeReplace = () => {
      w.members.beforeReplace = undefined;
      w.members.set(ROOM, 'alice', { state: 'joined', version: 6, expiresAt: EXPIRES - 600 });
    };
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-2c'))).toBe('none');
    expect(w.log).toEqual(['conflict alice', 'write alice joined']);
    expect(w.members.row(ROOM, 'alice')?.expiresAt).toBe(EXPIRES);
  });

  test('a member past its expiry (no departure reached it): announced again, a join frame, listed until the new connection\'s expiry', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'joined', version: 5, expiresAt: NOW_SECONDS });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-2d'))).toBe('joined');
    expect(w.frames.sent.map((f) => [f.event, f.version])).toEqual([['join', NOW_MS]]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS, expiresAt: EXPIRES });
  });

  test('leaving (dropped within the grace period): back to joined without a frame, the token gone', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 10, token: 'ev-1', expiresAt: EXPIRES });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-3'))).toBe('rejoined');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS, expiresAt: EXPIRES });
    expect(w.log).toEqual(['write alice joined']);
  });

  test('a tombstone: the join\'s version is after the leave\'s, even when that one is ahead of this clock', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'left', version: NOW_MS + 40, expiresAt: TOMBSTONE });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-4'))).toBe('joined');
    expect(w.frames.sent.map((f) => f.version)).toEqual([NOW_MS + 41]);
  });

  test('a tombstone whose leave is still pending: that leave first, then the join after it', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'left', version: NOW_MS, token: 'req-0' });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-5'))).toBe('joined');
    expect(w.frames.sent.map((f) => [f.event, f.version, f.id])).toEqual([['leave', NOW_MS, 'req-0'], ['join', NOW_MS + 1, 'req-5']]);
  });

  test('its subscription gone by the time it is a member (an unsubscribe or a disconnect raced it): it leaves again, after its join', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.beforeReplace = () => {
      // the unsubscribe deletes the row and finds no member (this step has not written yet): it has nothing to undo
      w.members.beforeReplace = undefined;
      w.subscribed.remove(ROOM, 'alice', 'c1');
    };
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-6'))).toBe('left');
    // the join is never sent: only its leave, with a later version
    expect(w.log).toEqual(['write alice joined:req-6', 'write alice left:req-6:gone', 'frame leave alice', 'write alice left']);
    expect(w.frames.sent.map((f) => [f.event, f.version])).toEqual([['leave', NOW_MS + 1]]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS + 1, expiresAt: TOMBSTONE });
    expect(await w.members.list(ROOM, 100, NOW_SECONDS)).toEqual({ users: [], count: 0 });
  });

  test('its subscription already gone when it looks: not a member, nothing sent; a joined member leaves, a leaving one is written again', async () => {
    const w = memberWorld();
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-7'))).toBe('none');
    expect(w.log).toEqual([]);
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 3, token: 'ev-1' });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-7'))).toBe('none');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', version: NOW_MS, token: 'ev-1' });
    w.members.set(ROOM, 'alice', { state: 'joined', version: 4 });
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-7'))).toBe('left');
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', version: NOW_MS, id: 'req-7:gone' }]);
  });

  test('a row written meanwhile: read again and followed; no frame for the write that failed', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.beforeReplace = () => {
      w.members.beforeReplace = undefined;
      w.members.set(ROOM, 'alice', { state: 'left', version: NOW_MS - 3 });
    };
    expect(await join(w.deps, ROOM, 'alice', subscribing('req-8'))).toBe('joined');
    expect(w.log).toEqual(['conflict alice', 'write alice joined:req-8', 'frame join alice', 'write alice joined']);
    expect(w.frames.sent.map((f) => f.version)).toEqual([NOW_MS]);
  });

  test(`a row changing under every one of ${MEMBER_ATTEMPTS} attempts: MemberConflictError`, async () => {
    const w = memberWorld();
    let n = 0;
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 1, token: 't0', expiresAt: EXPIRES });
    w.members.beforeReplace = () => w.members.set(ROOM, 'alice', { state: 'leaving', version: 100 + ++n, token: `t${n}`, expiresAt: EXPIRES });
    await expect(join(w.deps, ROOM, 'alice', subscribing('req-8'))).rejects.toThrow(MemberConflictError);
    expect(n).toBe(MEMBER_ATTEMPTS);
    expect(w.log).toEqual(['conflict alice', 'conflict alice', 'conflict alice']);
  });

  test('a join frame that could not be sent is pending on the row (listed): the retry, or any later step, sends it first', async () => {
    const w = memberWorld();
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.frames.fail = unavailable();
    await expect(join(w.deps, ROOM, 'alice', subscribing('req-9'))).rejects.toThrow('the work queue is unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS, token: 'req-9', expiresAt: EXPIRES });
    expect(await w.members.list(ROOM, 100, NOW_SECONDS)).toEqual({ users: ['alice'], count: 1 });
    w.frames.fail = undefined;
    // the connection unsubscribes rather than retrying: the pending join goes first, then the leave after it
    w.subscribed.remove(ROOM, 'alice', 'c1');
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-10')).toBe('left');
    expect(w.frames.sent.map((f) => [f.event, f.version, f.id])).toEqual([['join', NOW_MS, 'req-9'], ['leave', NOW_MS + 1, 'req-10']]);
  });
});

describe('leaveNow (after the subscription row is deleted)', () => {
  test('another connection of the user still subscribed: kept, written again with a later version; no connection excluded', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7, expiresAt: EXPIRES });
    w.subscribed.add(ROOM, 'alice', 'c2');
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-1')).toBe('kept');
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', nowSeconds: NOW_SECONDS }]);
    expect(w.log).toEqual(['write alice joined']);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS, expiresAt: EXPIRES });
  });

  test('the same connection subscribed again after its unsubscribe (a connection\'s frames run concurrently): kept', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.subscribed.add(ROOM, 'alice', 'c1'); // the unsubscribe deleted c1's row; the subscribe after it wrote it again
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-1b')).toBe('kept');
    expect(w.frames.sent).toEqual([]);
  });

  test('no live subscribed connection (an expired one, another channel\'s): left, then the leave frame, then a tombstone', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.subscribed.add(ROOM, 'alice', 'c-expired', NOW_SECONDS);
    w.subscribed.add('room/other', 'alice', 'c3');
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-2')).toBe('left');
    expect(w.log).toEqual(['write alice left:req-2', 'frame leave alice', 'write alice left']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', version: NOW_MS, id: 'req-2' }]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS, expiresAt: TOMBSTONE });
  });

  test('a leaving member (a check pending) leaves at once too; the check then finds it left', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 7, token: 'ev-1' });
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-3')).toBe('left');
    expect(await checkMember(w.deps, { userId: 'alice', token: 'ev-1', channel: ROOM })).toBe('none');
    expect(w.frames.sent).toHaveLength(1);
  });

  test('not a member (no row, a tombstone): none, nothing written', async () => {
    const w = memberWorld();
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-4')).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'left', version: 3, expiresAt: TOMBSTONE });
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-4')).toBe('none');
    expect(w.log).toEqual([]);
  });

  test('a leave frame that could not be sent is pending on the row: the retry (the row found left) sends it', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.frames.fail = unavailable();
    await expect(leaveNow(w.deps, ROOM, 'alice', 'req-5')).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS, token: 'req-5', expiresAt: TOMBSTONE });
    expect(await w.members.list(ROOM, 100, NOW_SECONDS)).toEqual({ users: [], count: 0 });
    w.frames.fail = undefined;
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-5')).toBe('none');
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', version: NOW_MS, id: 'req-5' }]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS, expiresAt: TOMBSTONE });
  });

  test('device A unsubscribes while device B subscribes: the leave loses to B\'s join, is read again, and keeps the user; no leave sent', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.members.beforeReplace = () => {
      // A read the row and found no other subscription; B's row is written and B's join runs before A's write.
      w.members.beforeReplace = undefined;
      w.subscribed.add(ROOM, 'alice', 'cB');
      return join(w.deps, ROOM, 'alice', subscribing('req-B')).then(() => undefined);
    };
    expect(await leaveNow(w.deps, ROOM, 'alice', 'req-A')).toBe('kept');
    expect(w.frames.sent).toEqual([]);
    expect(w.members.row(ROOM, 'alice')?.state).toBe('joined');
    expect(w.log).toEqual(['write alice joined', 'conflict alice', 'write alice joined']);
  });
});

describe('leaveLater (after a subscribed connection dropped)', () => {
  test('joined: leaving with the departure\'s token, then a check {userId, token, channel} after the grace period; no frame', async () => {
    const w = memberWorld(45);
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7, expiresAt: EXPIRES });
    expect(await leaveLater(w.deps, departure())).toBe('leaving');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', version: NOW_MS, token: 'ev-1', expiresAt: EXPIRES });
    expect(w.checks.sent).toEqual([{ check: { userId: 'alice', token: 'ev-1', channel: ROOM }, delaySeconds: 45 }]);
    // a connection that expires sooner than the grace period and a margin: listed until then instead
    const soon = memberWorld(900);
    soon.members.set(ROOM, 'alice', { state: 'joined', version: 7, expiresAt: NOW_SECONDS + 60 });
    await leaveLater(soon.deps, departure());
    expect(soon.members.row(ROOM, 'alice')?.expiresAt).toBe(NOW_SECONDS + 900 + CHECK_MARGIN_SECONDS);
    expect(w.log).toEqual(['write alice leaving:ev-1', 'check alice ev-1']);
    expect(w.frames.sent).toEqual([]);
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', excluding: 'c1', nowSeconds: NOW_SECONDS }]);
  });

  test('a retry with the same token (the check was not sent): the check is sent again', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.checks.fail = unavailable();
    await expect(leaveLater(w.deps, departure())).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toMatchObject({ state: 'leaving', token: 'ev-1' });
    w.checks.fail = undefined;
    expect(await leaveLater(w.deps, departure())).toBe('leaving');
    expect(w.checks.sent).toEqual([{ check: { userId: 'alice', token: 'ev-1', channel: ROOM }, delaySeconds: 30 }]);
  });

  test('another subscribed connection of the user: kept (written again), no check', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    w.subscribed.add(ROOM, 'alice', 'c2');
    expect(await leaveLater(w.deps, departure())).toBe('kept');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS });
    expect(w.log).toEqual(['write alice joined']);
  });

  test('no row or a tombstone: none; leaving under another departure\'s token: this departure takes over with its own check', async () => {
    const w = memberWorld();
    expect(await leaveLater(w.deps, departure())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'left', version: 3 });
    expect(await leaveLater(w.deps, departure())).toBe('none');
    expect(w.log).toEqual([]);
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 4, token: 'ev-0' });
    expect(await leaveLater(w.deps, departure())).toBe('leaving');
    expect(w.members.row(ROOM, 'alice')).toMatchObject({ state: 'leaving', token: 'ev-1' });
    expect(await checkMember(w.deps, { userId: 'alice', token: 'ev-0', channel: ROOM })).toBe('none');
  });

  test('the row changing under every attempt: MemberConflictError, no check sent', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined', version: 7 });
    let n = 0;
    w.members.beforeReplace = () => w.members.set(ROOM, 'alice', { state: 'joined', version: 100 + ++n });
    await expect(leaveLater(w.deps, departure())).rejects.toBeInstanceOf(MemberConflictError);
    expect(n).toBe(MEMBER_ATTEMPTS);
    expect(w.checks.sent).toEqual([]);
  });
});

describe('checkMember (after the grace period)', () => {
  const check = (token = 'ev-1') => ({ userId: 'alice', token, channel: ROOM });

  test('a stale token, a joined member, a tombstone or no row: none, nothing sent or written', async () => {
    const w = memberWorld();
    expect(await checkMember(w.deps, check())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 1, token: 'ev-2' });
    expect(await checkMember(w.deps, check())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'joined', version: 2 });
    expect(await checkMember(w.deps, check())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'left', version: 3 });
    expect(await checkMember(w.deps, check())).toBe('none');
    expect(w.log).toEqual([]);
  });

  test('a connection of the user subscribed again: rejoined without a frame (no connection excluded)', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 7, token: 'ev-1' });
    w.subscribed.add(ROOM, 'alice', 'c1');
    expect(await checkMember(w.deps, check())).toBe('rejoined');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined', version: NOW_MS });
    expect(w.log).toEqual(['write alice joined']);
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', nowSeconds: NOW_SECONDS }]);
  });

  test('still gone: left, the leave frame (named by the token), then a tombstone', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 7, token: 'ev-1' });
    w.subscribed.add(ROOM, 'alice', 'c-expired', NOW_SECONDS - 1);
    expect(await checkMember(w.deps, check())).toBe('left');
    expect(w.log).toEqual(['write alice left:ev-1', 'frame leave alice', 'write alice left']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', version: NOW_MS, id: 'ev-1' }]);
  });

  test('a frame that could not be sent: the row is left with the token, so the redelivered check sends it', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', version: 7, token: 'ev-1' });
    w.frames.fail = unavailable();
    await expect(checkMember(w.deps, check())).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS, token: 'ev-1', expiresAt: TOMBSTONE });
    w.frames.fail = undefined;
    expect(await checkMember(w.deps, check())).toBe('left');
    expect(w.frames.sent).toHaveLength(1);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'left', version: NOW_MS, expiresAt: TOMBSTONE });
  });
});
