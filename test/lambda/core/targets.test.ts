import { parseRequestValue, type NotificationRequest } from '../../../lambda/core/request';
import { excludedUsersToQuery, isExpired, requestKind, TargetSet, usersToQuery } from '../../../lambda/core/targets';

function request(body: Record<string, unknown>): NotificationRequest {
  const result = parseRequestValue({ data: 1, ...body });
  if (!result.ok) throw new Error(result.error.message);
  return result.request;
}

describe('requestKind', () => {
  test.each([
    [{}, 'broadcast'],
    [{ users: [] }, 'broadcast'],
    [{ users: null, connections: [] }, 'broadcast'],
    [{ exclude_users: ['u1'] }, 'exclusion'],
    [{ exclude_connections: ['c1'] }, 'exclusion'],
    [{ users: ['u1'] }, 'multicast'],
    [{ users: ['u1'], connections: ['c1'] }, 'multicast'],
    [{ connections: ['c1'] }, 'direct'],
    [{ connections: ['c1'], exclude_users: ['u1'] }, 'direct'],
  ])('%j is a %s', (body, kind) => {
    // WHEN / THEN
    expect(requestKind(request(body))).toBe(kind);
  });
});

describe('users to read', () => {
  test('users and exclude_users: only the difference is queried', () => {
    // WHEN / THEN the seed ignored exclude_users here
    expect(usersToQuery(request({ users: ['u1', 'u2', 'u3', 'u2'], exclude_users: ['u2'] }))).toEqual(['u1', 'u3']);
  });

  test.each([
    [{ connections: ['c1'], exclude_users: ['u9'] }, ['u9']],
    [{ users: ['u1'], exclude_users: ['u9'] }, []],
    [{ exclude_users: ['u9'] }, []],
  ])('%j: the excluded users read for subtraction are %j', (body, users) => {
    // WHEN / THEN
    expect(excludedUsersToQuery(request(body))).toEqual(users);
  });
});

describe('isExpired', () => {
  test.each([
    [{ expiresAt: 99 }, true],
    [{ expiresAt: 100 }, true],
    [{ expiresAt: 101 }, false],
    [{}, false],
  ])('row %j at second 100: expired is %s', (ttl, expired) => {
    // WHEN / THEN
    expect(isExpired({ userId: 'u', connectionId: 'c', ...ttl }, 100)).toBe(expired);
  });
});

describe('TargetSet', () => {
  const now = 1_000;

  test('rows from several users, segments and duplicates: each connection claimed once', () => {
    // GIVEN a multicast to u1 and u2
    const set = new TargetSet(request({ users: ['u1', 'u2'] }), now);

    // WHEN rows are admitted, one connection id under two users, one row twice
    const admitted = [
      { userId: 'u1', connectionId: 'a' }, { userId: 'u1', connectionId: 'b' },
      { userId: 'u2', connectionId: 'a' }, { userId: 'u1', connectionId: 'b' },
    ].filter((row) => set.admitRow(row));

    // THEN
    expect(admitted.map((r) => r.connectionId)).toEqual(['a', 'b']);
    expect(set.size).toBe(2);
  });

  test('rows of excluded users and excluded connections are refused', () => {
    // GIVEN exclusions
    const set = new TargetSet(request({ exclude_users: ['bad'], exclude_connections: ['x'] }), now);

    // WHEN / THEN rows are admitted
    expect(set.admitRow({ userId: 'bad', connectionId: 'a' })).toBe(false);
    expect(set.admitRow({ userId: 'ok', connectionId: 'x' })).toBe(false);
    expect(set.admitRow({ userId: 'ok', connectionId: 'y' })).toBe(true);
  });

  test('a broadcast remembers nothing per connection admitted (memory independent of the table)', () => {
    // GIVEN an exclusion (a broadcast minus some users) and 1,000 rows
    const set = new TargetSet(request({ exclude_users: ['bad'] }), now);
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ userId: `u${i}`, connectionId: `c${i}` }));

    // WHEN / THEN rows are admitted
    expect(rows.filter((r) => set.admitRow(r))).toHaveLength(1_000);
    expect(set.size).toBe(0);
  });

  test('an expired row is refused', () => {
    // GIVEN
    const set = new TargetSet(request({}), now);

    // WHEN / THEN rows are admitted
    expect(set.admitRow({ userId: 'u', connectionId: 'old', expiresAt: now - 1 })).toBe(false);
    expect(set.admitRow({ userId: 'u', connectionId: 'new', expiresAt: now + 1 })).toBe(true);
  });

  test('direct ids: excluded ones and those of excluded users refused, duplicates folded', () => {
    // GIVEN direct ids, one excluded, one of an excluded user
    const set = new TargetSet(request({ connections: ['c1', 'c2', 'c3'], exclude_connections: ['c2'] }), now);
    const ofExcludedUsers = new Set(['c3']);

    // WHEN / THEN they are admitted
    expect(['c1', 'c2', 'c3', 'c1'].filter((c) => set.admitDirect(c, ofExcludedUsers))).toEqual(['c1']);
  });

  test('a direct id later read as a row: its owner becomes known, it is not claimed twice', () => {
    // GIVEN
    const set = new TargetSet(request({ users: ['u1'], connections: ['c1'] }), now);

    // WHEN / THEN a direct id admitted, then read as a row
    expect(set.admitDirect('c1', new Set())).toBe(true);
    expect(set.ownerOf('c1')).toBeUndefined();
    expect(set.admitRow({ userId: 'u1', connectionId: 'c1' })).toBe(false);
    expect(set.ownerOf('c1')).toBe('u1');
  });
});

describe('TargetSet: channel subscribers', () => {
  const channelRequest = (body: Record<string, unknown>) => {
    const result = parseRequestValue({ data: 1, ...body }, { disconnectEnabled: false, channelsEnabled: true });
    if (!result.ok) throw new Error(result.error.message);
    return result.request;
  };
  const sub = (channel: string, userId: string, connectionId: string, expiresAt?: number) => ({ channel, userId, connectionId, expiresAt });

  test('a connection is claimed through the first channel it is offered by; every subscription seen is remembered', () => {
    // GIVEN
    const set = new TargetSet(channelRequest({ channels: ['a', 'b'] }), 1_000);

    // WHEN c1 is offered through a, then through b
    const first = set.admitSubscriber(sub('a', 'u1', 'c1'));
    const second = set.admitSubscriber(sub('b', 'u1', 'c1'));

    // THEN
    expect([first, second]).toEqual([true, false]);
    expect(set.channelOf('c1')).toBe('a');
    expect(set.channelsOf('c1')).toEqual(['a', 'b']);
    expect(set.claimedIds()).toEqual(['c1']);
    expect(set.ownerOf('c1')).toBe('u1');
  });

  test('excluded users and connections are not claimed, but their subscriptions are still seen', () => {
    // GIVEN
    const set = new TargetSet(channelRequest({ channels: ['a'], exclude_users: ['mallory'], exclude_connections: ['sender'] }), 1_000);

    // WHEN / THEN
    expect(set.admitSubscriber(sub('a', 'mallory', 'm1'))).toBe(false);
    expect(set.admitSubscriber(sub('a', 'alice', 'sender'))).toBe(false);
    expect(set.admitSubscriber(sub('a', 'alice', 'a1'))).toBe(true);
    expect(set.claimedIds()).toEqual(['a1']);
    expect(set.channelOf('sender')).toBeUndefined();
  });

  test('an expired subscription is neither claimed nor remembered; a live one of the same connection still is', () => {
    // GIVEN
    const set = new TargetSet(channelRequest({ channels: ['a', 'b'] }), 1_000);

    // WHEN / THEN expiring at now is expired
    expect(set.admitSubscriber(sub('a', 'u1', 'c1', 1_000))).toBe(false);
    expect(set.channelsOf('c1')).toEqual([]);
    expect(set.admitSubscriber(sub('b', 'u1', 'c1', 1_001))).toBe(true);
    expect(set.channelOf('c1')).toBe('b');
  });

  test('a connection claimed through a channel is not claimed again as a user\'s row or a direct id, and keeps its channel', () => {
    // GIVEN
    const set = new TargetSet(channelRequest({ channels: ['a'], users: ['u1'], connections: ['c1'] }), 1_000);
    set.admitSubscriber(sub('a', 'u1', 'c1'));

    // WHEN / THEN
    expect(set.admitRow({ userId: 'u1', connectionId: 'c1' })).toBe(false);
    expect(set.admitDirect('c1', new Set())).toBe(false);
    expect(set.channelOf('c1')).toBe('a');
    expect(set.reachedDirectly()).toEqual([]);
  });
});
