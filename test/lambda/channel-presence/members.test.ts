import { memberWorld, NOW_MS } from './fakes';
import { checkMember, join, leaveLater, leaveNow, MEMBER_ATTEMPTS, MemberConflictError } from '../../../lambda/channel-presence/core/members';

const ROOM = 'room/42';
const NOW_SECONDS = Math.floor(NOW_MS / 1000);
const departure = (token = 'ev-1') => ({ channel: ROOM, userId: 'alice', connectionId: 'c1', token });
const unavailable = () => Object.assign(new Error('the work queue is unavailable'), { name: 'ServiceUnavailable' });

describe('join', () => {
  test('not a member: the join frame is sent, then the row written joined', async () => {
    const w = memberWorld();
    expect(await join(w.deps, ROOM, 'alice', 'req-1')).toBe('joined');
    expect(w.log).toEqual(['frame join alice', 'write alice joined']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'join', userId: 'alice', id: 'req-1' }]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
  });

  test('already joined (another connection): nothing sent, nothing written', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    expect(await join(w.deps, ROOM, 'alice', 'req-2')).toBe('none');
    expect(w.log).toEqual([]);
  });

  test('leaving (dropped within the grace period): back to joined without a frame, the token gone', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-1' });
    expect(await join(w.deps, ROOM, 'alice', 'req-3')).toBe('rejoined');
    expect(w.log).toEqual(['write alice joined']);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
  });

  test('a row written meanwhile: the join is read again and follows it', async () => {
    const w = memberWorld();
    w.members.beforeReplace = () => {
      w.members.beforeReplace = undefined;
      w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-9' });
    };
    expect(await join(w.deps, ROOM, 'alice', 'req-4')).toBe('rejoined');
    expect(w.log).toEqual(['frame join alice', 'conflict alice', 'write alice joined']);
  });

  test(`a row changing under every one of ${MEMBER_ATTEMPTS} attempts: MemberConflictError`, async () => {
    const w = memberWorld();
    let n = 0;
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 't0' });
    w.members.beforeReplace = () => w.members.set(ROOM, 'alice', { state: 'leaving', token: `t${++n}` });
    await expect(join(w.deps, ROOM, 'alice', 'req-5')).rejects.toThrow(MemberConflictError);
    expect(n).toBe(MEMBER_ATTEMPTS);
    expect(w.log).toEqual(['conflict alice', 'conflict alice', 'conflict alice']);
  });

  test('a frame that could not be sent: the row stays absent, so the retry sends it (at least once)', async () => {
    const w = memberWorld();
    w.frames.fail = unavailable();
    await expect(join(w.deps, ROOM, 'alice', 'req-6')).rejects.toThrow('the work queue is unavailable');
    expect(w.members.row(ROOM, 'alice')).toBeUndefined();
    w.frames.fail = undefined;
    expect(await join(w.deps, ROOM, 'alice', 'req-6')).toBe('joined');
    expect(w.frames.sent).toHaveLength(1);
  });
});

describe('leaveNow', () => {
  test('another connection of the user still subscribed: kept, no frame; the unsubscribing one is excluded', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.subscribed.add(ROOM, 'alice', 'c2');
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-1')).toBe('kept');
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', excluding: 'c1', nowSeconds: NOW_SECONDS }]);
    expect(w.log).toEqual([]);
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
  });

  test('no other live subscribed connection (the excluded one, an expired one, another channel\'s): the leave frame, then the row deleted', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.subscribed.add(ROOM, 'alice', 'c1');
    w.subscribed.add(ROOM, 'alice', 'c-expired', NOW_SECONDS);
    w.subscribed.add('room/other', 'alice', 'c3');
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-2')).toBe('left');
    expect(w.log).toEqual(['frame leave alice', 'write alice deleted']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', id: 'req-2' }]);
    expect(w.members.row(ROOM, 'alice')).toBeUndefined();
  });

  test('a leaving member (a check pending) leaves at once too; the check then finds no row', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-1' });
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-3')).toBe('left');
    expect(await checkMember(w.deps, { userId: 'alice', token: 'ev-1', channel: ROOM })).toBe('none');
    expect(w.frames.sent).toHaveLength(1);
  });

  test('no row: none, no frame', async () => {
    const w = memberWorld();
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-4')).toBe('none');
    expect(w.log).toEqual([]);
  });

  test('a frame that could not be sent: the row stays, so the retry sends it', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.frames.fail = unavailable();
    await expect(leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-5')).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
    w.frames.fail = undefined;
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-5')).toBe('left');
    expect(w.log).toEqual(['frame leave alice', 'write alice deleted']);
  });

  test('the row changed after the frame: read again, the frame sent again (at least once), then deleted', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.members.beforeReplace = () => {
      w.members.beforeReplace = undefined;
      w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-2' });
    };
    expect(await leaveNow(w.deps, ROOM, 'alice', 'c1', 'req-6')).toBe('left');
    expect(w.log).toEqual(['frame leave alice', 'conflict alice', 'frame leave alice', 'write alice deleted']);
  });
});

describe('leaveLater', () => {
  test('joined: leaving with the departure\'s token, then a check {userId, token, channel} after the grace period; no frame', async () => {
    const w = memberWorld(45);
    w.members.set(ROOM, 'alice', { state: 'joined' });
    expect(await leaveLater(w.deps, departure())).toBe('leaving');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', token: 'ev-1' });
    expect(w.checks.sent).toEqual([{ check: { userId: 'alice', token: 'ev-1', channel: ROOM }, delaySeconds: 45 }]);
    expect(w.log).toEqual(['write alice leaving:ev-1', 'check alice ev-1']);
    expect(w.frames.sent).toEqual([]);
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', excluding: 'c1', nowSeconds: NOW_SECONDS }]);
  });

  test('a retry with the same token (the check was not sent): the check is sent again, the row not rewritten', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.checks.fail = unavailable();
    await expect(leaveLater(w.deps, departure())).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', token: 'ev-1' });
    w.checks.fail = undefined;
    expect(await leaveLater(w.deps, departure())).toBe('leaving');
    expect(w.log).toEqual(['write alice leaving:ev-1', 'check alice ev-1']);
    expect(w.checks.sent).toEqual([{ check: { userId: 'alice', token: 'ev-1', channel: ROOM }, delaySeconds: 30 }]);
  });

  test('another subscribed connection of the user: kept, still joined, no check', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    w.subscribed.add(ROOM, 'alice', 'c2');
    expect(await leaveLater(w.deps, departure())).toBe('kept');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
    expect(w.log).toEqual([]);
  });

  test('no row, or leaving under another departure\'s token: none', async () => {
    const w = memberWorld();
    expect(await leaveLater(w.deps, departure())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-0' });
    expect(await leaveLater(w.deps, departure())).toBe('none');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', token: 'ev-0' });
    expect(w.log).toEqual([]);
  });

  test('the row changing under every attempt: MemberConflictError, no check sent', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'joined' });
    let n = 0;
    w.members.beforeReplace = () => w.members.set(ROOM, 'alice', { state: 'joined', token: `other-${++n}` });
    await expect(leaveLater(w.deps, departure())).rejects.toBeInstanceOf(MemberConflictError);
    expect(n).toBe(MEMBER_ATTEMPTS);
    expect(w.checks.sent).toEqual([]);
  });
});

describe('checkMember', () => {
  const check = (token = 'ev-1') => ({ userId: 'alice', token, channel: ROOM });

  test('a stale token, a joined member or no row: none, nothing sent or written', async () => {
    const w = memberWorld();
    expect(await checkMember(w.deps, check())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-2' });
    expect(await checkMember(w.deps, check())).toBe('none');
    w.members.set(ROOM, 'alice', { state: 'joined' });
    expect(await checkMember(w.deps, check())).toBe('none');
    expect(w.log).toEqual([]);
  });

  test('a connection of the user subscribed again: rejoined without a frame (no connection excluded)', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-1' });
    w.subscribed.add(ROOM, 'alice', 'c1');
    expect(await checkMember(w.deps, check())).toBe('rejoined');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'joined' });
    expect(w.log).toEqual(['write alice joined']);
    expect(w.subscribed.asked).toEqual([{ channel: ROOM, userId: 'alice', nowSeconds: NOW_SECONDS }]);
  });

  test('still gone: the leave frame (named by the token), then the row deleted', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-1' });
    w.subscribed.add(ROOM, 'alice', 'c-expired', NOW_SECONDS - 1);
    expect(await checkMember(w.deps, check())).toBe('left');
    expect(w.log).toEqual(['frame leave alice', 'write alice deleted']);
    expect(w.frames.sent).toEqual([{ channel: ROOM, event: 'leave', userId: 'alice', id: 'leave:ev-1' }]);
    expect(w.members.row(ROOM, 'alice')).toBeUndefined();
  });

  test('a frame that could not be sent: the row stays leaving, so the redelivered check sends it', async () => {
    const w = memberWorld();
    w.members.set(ROOM, 'alice', { state: 'leaving', token: 'ev-1' });
    w.frames.fail = unavailable();
    await expect(checkMember(w.deps, check())).rejects.toThrow('unavailable');
    expect(w.members.row(ROOM, 'alice')).toEqual({ state: 'leaving', token: 'ev-1' });
    w.frames.fail = undefined;
    expect(await checkMember(w.deps, check())).toBe('left');
    expect(w.frames.sent).toHaveLength(1);
  });
});
