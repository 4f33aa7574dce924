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
  ])('GIVEN %j THEN the kind is %s', (body, kind) => {
    expect(requestKind(request(body))).toBe(kind);
  });
});

describe('users to read', () => {
  test('GIVEN users and exclude_users THEN only the difference is queried (the seed ignored exclude_users here)', () => {
    expect(usersToQuery(request({ users: ['u1', 'u2', 'u3', 'u2'], exclude_users: ['u2'] }))).toEqual(['u1', 'u3']);
  });

  test.each([
    [{ connections: ['c1'], exclude_users: ['u9'] }, ['u9']],
    [{ users: ['u1'], exclude_users: ['u9'] }, []],
    [{ exclude_users: ['u9'] }, []],
  ])('GIVEN %j THEN the excluded users read for subtraction are %j', (body, users) => {
    expect(excludedUsersToQuery(request(body))).toEqual(users);
  });
});

describe('isExpired', () => {
  test.each([
    [{ expiresAt: 99 }, true],
    [{ expiresAt: 100 }, true],
    [{ expiresAt: 101 }, false],
    [{}, false],
  ])('GIVEN row %j at second 100 THEN expired is %s', (ttl, expired) => {
    expect(isExpired({ userId: 'u', connectionId: 'c', ...ttl }, 100)).toBe(expired);
  });
});

describe('TargetSet', () => {
  const now = 1_000;

  test('GIVEN rows from several users, segments and duplicates WHEN admitted THEN each connection is claimed once', () => {
    const set = new TargetSet(request({ users: ['u1', 'u2'] }), now);
    const admitted = [
      { userId: 'u1', connectionId: 'a' }, { userId: 'u1', connectionId: 'b' },
      { userId: 'u2', connectionId: 'a' }, { userId: 'u1', connectionId: 'b' },
    ].filter((row) => set.admitRow(row));
    expect(admitted.map((r) => r.connectionId)).toEqual(['a', 'b']);
    expect(set.size).toBe(2);
  });

  test('GIVEN exclusions WHEN rows are admitted THEN rows of excluded users and excluded connections are refused', () => {
    const set = new TargetSet(request({ exclude_users: ['bad'], exclude_connections: ['x'] }), now);
    expect(set.admitRow({ userId: 'bad', connectionId: 'a' })).toBe(false);
    expect(set.admitRow({ userId: 'ok', connectionId: 'x' })).toBe(false);
    expect(set.admitRow({ userId: 'ok', connectionId: 'y' })).toBe(true);
  });

  test('GIVEN a broadcast WHEN rows are admitted THEN nothing is remembered per connection (memory independent of the table)', () => {
    const set = new TargetSet(request({ exclude_users: ['bad'] }), now);
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ userId: `u${i}`, connectionId: `c${i}` }));
    expect(rows.filter((r) => set.admitRow(r))).toHaveLength(1_000);
    expect(set.size).toBe(0);
  });

  test('GIVEN an expired row WHEN admitted THEN it is refused', () => {
    const set = new TargetSet(request({}), now);
    expect(set.admitRow({ userId: 'u', connectionId: 'old', expiresAt: now - 1 })).toBe(false);
    expect(set.admitRow({ userId: 'u', connectionId: 'new', expiresAt: now + 1 })).toBe(true);
  });

  test('GIVEN direct ids WHEN admitted THEN excluded ones and those of excluded users are refused, duplicates folded', () => {
    const set = new TargetSet(request({ connections: ['c1', 'c2', 'c3'], exclude_connections: ['c2'] }), now);
    const ofExcludedUsers = new Set(['c3']);
    expect(['c1', 'c2', 'c3', 'c1'].filter((c) => set.admitDirect(c, ofExcludedUsers))).toEqual(['c1']);
  });

  test('GIVEN a direct id later read as a row WHEN asked THEN its owner becomes known but it is not claimed twice', () => {
    const set = new TargetSet(request({ users: ['u1'], connections: ['c1'] }), now);
    expect(set.admitDirect('c1', new Set())).toBe(true);
    expect(set.ownerOf('c1')).toBeUndefined();
    expect(set.admitRow({ userId: 'u1', connectionId: 'c1' })).toBe(false);
    expect(set.ownerOf('c1')).toBe('u1');
  });
});
