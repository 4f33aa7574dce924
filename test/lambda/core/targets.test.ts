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
