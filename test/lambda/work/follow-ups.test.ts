import type { Remainder } from '../../../lambda/core/reports';
import { planFollowUps, type FollowUpOrigin } from '../../../lambda/work/follow-ups';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';

const origin = (fields: Partial<FollowUpOrigin> = {}): FollowUpOrigin => ({
  requestId: 'req-1',
  startedAt: 1_700_000_000_000,
  attempt: 1,
  segment: 2,
  totalSegments: 4,
  action: 'send',
  dataText: '"hi"',
  excludeUsers: new Set(['x']),
  excludeConnections: new Set(['cx']),
  ...fields,
});
const left = (fields: Partial<Remainder> = {}): Remainder => ({ connections: [], users: [], segments: [], alreadyReached: [], ...fields });
const keys = (...ids: string[]) => ids.map((id) => ({ userId: `u-${id}`, connectionId: id }));
const bodies = (messages: Array<{ body: string; delaySeconds?: number }>) =>
  messages.map((m) => ({ ...JSON.parse(m.body), delay: m.delaySeconds }));
const header = { v: 1, requestId: 'req-1', startedAt: 1_700_000_000_000 };

describe('planFollowUps', () => {
  test('nothing left: no message', () => {
    // WHEN
    const plan = planFollowUps(origin(), left(), 3);

    // THEN
    expect(plan).toEqual({ messages: [], deadLetters: [], requeued: 0, givenUp: [] });
  });

  test('connections still failing go to the next attempt, delayed, without targeting', () => {
    // WHEN the second attempt leaves two connections, one of them given directly (no owner)
    const plan = planFollowUps(origin({ attempt: 2 }), left({ connections: [...keys('c1'), { connectionId: 'd1' }] }), 3);

    // THEN one item of attempt 3, delayed 2 s, names exactly them
    expect(plan.requeued).toBe(2);
    expect(bodies(plan.messages)).toEqual([{
      ...header, segment: 2, totalSegments: 4, attempt: 3, connections: [...keys('c1'), { connectionId: 'd1' }], data: 'hi', delay: 2,
    }]);
  });

  test('users whose lookup failed are looked up again, skipping what was reached directly', () => {
    // WHEN a multicast's lookup failed for two users, after it had reached d1 by id
    const plan = planFollowUps(origin(), left({ users: ['u1', 'u2'], alreadyReached: ['d1'] }), 3);

    // THEN one item of attempt 2, delayed 1 s, with the exclusions and d1 excluded
    expect(plan.requeued).toBe(2);
    expect(bodies(plan.messages)).toEqual([{
      ...header,
      segment: 2,
      totalSegments: 4,
      attempt: 2,
      users: ['u1', 'u2'],
      targeting: { exclude_users: ['x'], exclude_connections: ['cx', 'd1'] },
      data: 'hi',
      delay: 1,
    }]);
  });

  test('at the attempt bound, what is left is given up and dead-lettered', () => {
    // WHEN the last attempt leaves a connection and a user
    const plan = planFollowUps(origin({ attempt: 3 }), left({ connections: keys('c1'), users: ['u1'] }), 3);

    // THEN nothing is enqueued; both are given up, with why, and kept in the dead-letter queue as they are
    expect(plan.messages).toEqual([]);
    expect(plan.requeued).toBe(0);
    expect(plan.givenUp).toEqual([{ connections: keys('c1'), users: ['u1'], why: 'still failing after 3 work-item attempts' }]);
    expect(bodies(plan.deadLetters).map((b) => [b.attempt, b.connections ?? b.users])).toEqual([[3, keys('c1')], [3, ['u1']]]);
  });

  test('the unread rest of a segment continues at the same attempt, with its exclusions', () => {
    // GIVEN where the next page starts
    const startKey = { user_id: { S: 'u9' }, connection_id: { S: 'c9' } };

    // WHEN
    const plan = planFollowUps(origin(), left({ segments: [{ segment: 1, totalSegments: 4, startKey }] }), 3);

    // THEN a continuation, not delayed, even at the bound
    const expected = [{
      ...header,
      segment: 1,
      totalSegments: 4,
      attempt: 1,
      targeting: { exclude_users: ['x'], exclude_connections: ['cx'] },
      exclusiveStartKey: startKey,
      data: 'hi',
      delay: undefined,
    }];
    expect(bodies(plan.messages)).toEqual(expected);
    expect(bodies(planFollowUps(origin(), left({ segments: [{ segment: 1, totalSegments: 4, startKey }] }), 1).messages)).toEqual(expected);
  });

  test('a connection too large to carry even alone is given up', () => {
    // GIVEN a payload near the limits and a very long connection id
    const big = origin({ dataText: JSON.stringify('p'.repeat(130_000)) });

    // WHEN
    const plan = planFollowUps(big, left({ connections: keys('c'.repeat(140_000)) }), 3);

    // THEN
    expect(plan.requeued).toBe(0);
    expect(plan.givenUp).toEqual([{ connections: keys('c'.repeat(140_000)), users: [], why: 'too large to carry forward' }]);
  });
});

describe('follow-ups of a raw item (a channel presence frame)', () => {
  const frame = '{"type":"presence","channel":"room/42","event":"leave","user":"alice"}';
  const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3, messageFormat: 'envelope' as const };
  const rawOrigin = (fields: Partial<FollowUpOrigin> = {}) =>
    origin({ raw: true, dataText: frame, segment: 0, totalSegments: 1, excludeUsers: new Set(['alice']), excludeConnections: new Set(), ...fields });
  const shardKey = (shard: number) => ({ channel_key: { S: `room/42#${shard}` }, connection_id: { S: 'c9' } });
  const parsedAll = (messages: Array<{ body: string }>) => messages.map((m) => {
    const parsed = parseWorkItem(m.body, rules);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.item;
  });

  test('retries, shard continuations and reads items stay raw: the bare frame, the user still excluded', () => {
    // WHEN a failing connection, a shard handed on for time, and two channels' shard 1 that failed are left
    const plan = planFollowUps(rawOrigin(), left({
      connections: [{ userId: 'bob', connectionId: 'c1', channel: 'room/42' }],
      segments: [
        { segment: 2, totalSegments: 4, channel: 'room/42', startKey: shardKey(2), progressed: true },
        { segment: 1, totalSegments: 4, channel: 'room/42', failed: true },
        { segment: 1, totalSegments: 4, channel: 'room/43', failed: true },
      ],
    }), 3);

    // THEN every follow-up parses as raw, its payload the frame as it is
    const items = parsedAll(plan.messages);
    expect(items.map((i) => [i.connections ? 'connections' : i.reads ? 'reads' : 'channel', i.raw])).toEqual(
      expect.arrayContaining([['connections', true], ['channel', true], ['reads', true]]));
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item.payload!.toString('utf8')).toBe(frame);
      expect(item.envelopeId).toBeUndefined();
    }
    expect(items.filter((i) => i.connections === undefined).map((i) => [...i.excludeUsers])).toEqual([['alice'], ['alice']]);
  });

  test('what is dead-lettered at the bound stays raw', () => {
    const plan = planFollowUps(rawOrigin({ attempt: 3 }), left({ connections: [{ userId: 'bob', connectionId: 'c1' }] }), 3);
    expect(parsedAll(plan.deadLetters).map((i) => [i.raw, i.payload!.toString('utf8')])).toEqual([[true, frame]]);
  });

  test('a follow-up of an item that is not raw carries no raw', () => {
    const plan = planFollowUps(origin({ dataText: frame }), left({ connections: keys('c1') }), 3);
    expect(JSON.parse(plan.messages[0].body)).not.toHaveProperty('raw');
  });
});
