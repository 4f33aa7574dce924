import { planFollowUps, type FollowUpOrigin } from '../../../lambda/work/follow-ups';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';
import { serializeWorkItem, workItemKind, WORK_ITEM_VERSION } from '../../../lambda/work/work-item';
import { CHANNEL_SHARDS } from '../../../src/shared/channels';

const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };
const base = { requestId: 'req-1', segment: 2, totalSegments: 4, attempt: 1, startedAt: 1_700_000_000_000 };
const shardKey = { channel_key: { S: 'room/42#2' }, connection_id: { S: 'c9' } };
const valid = { v: WORK_ITEM_VERSION, ...base, channel: 'room/42', data: { hello: 'world' } };
const parse = (value: unknown, extra = {}) => parseWorkItem(JSON.stringify(value), { ...rules, ...extra });

describe('channel work items: serialize / parse', () => {
  test('a channel shard item with exclusions and a shard start key round-trips', () => {
    // WHEN
    const body = serializeWorkItem({
      ...base, channel: 'room/42', exclusiveStartKey: shardKey, excludeUsers: new Set(['mallory']), excludeConnections: new Set(['sender']),
    }, '{"hello":"world"}');
    const parsed = parseWorkItem(body, rules);

    // THEN
    expect(JSON.parse(body)).toEqual({
      v: 1, ...base, channel: 'room/42', targeting: { exclude_users: ['mallory'], exclude_connections: ['sender'] }, exclusiveStartKey: shardKey, data: { hello: 'world' },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.item).toMatchObject({ ...base, channel: 'room/42', exclusiveStartKey: shardKey });
    expect([...parsed.item.excludeUsers, ...parsed.item.excludeConnections]).toEqual(['mallory', 'sender']);
    expect(workItemKind(parsed.item)).toBe('channel');
  });

  test('with the envelope, the item knows its envelope id (the request\'s own, else its message id) for each channel\'s envelope', () => {
    // WHEN
    const own = parse({ ...valid, id: 'order-7' }, { messageFormat: 'envelope' });
    const none = parse(valid, { messageFormat: 'envelope' });
    const bare = parse(valid);

    // THEN the item's own payload names no channel: the worker envelopes per channel
    expect(own.ok && own.item.envelopeId).toBe('order-7');
    expect(none.ok && none.item.envelopeId).toBe('req-1');
    expect(none.ok && none.item.payload!.toString()).toBe('{"type":"message","id":"req-1","data":{"hello":"world"}}');
    expect(bare.ok && bare.item.envelopeId).toBeUndefined();
  });

  test(`a channel of ${CHANNEL_SHARDS.MAX} shards is valid`, () => {
    expect(parse({ ...valid, segment: 99, totalSegments: CHANNEL_SHARDS.MAX }).ok).toBe(true);
  });

  test('carried connections keep their channel (with their owner), and round-trip', () => {
    // WHEN
    const connections = [{ userId: 'u1', connectionId: 'c1', channel: 'room/42' }, { userId: 'u2', connectionId: 'c2' }, { connectionId: 'c3' }];
    const parsed = parseWorkItem(serializeWorkItem({ ...base, attempt: 2, connections }, '1'), rules);

    // THEN
    expect(parsed).toMatchObject({ ok: true, item: { connections } });
    expect(parsed.ok && workItemKind(parsed.item)).toBe('carry-forward');
  });

  test.each([
    ['an empty segment', 'room//42'],
    ['nine segments', 'a/b/c/d/e/f/g/h/i'],
    ['a segment of 65 characters', 'x'.repeat(65)],
    ['the shard separator', 'room#2'],
    ['non-ASCII', 'ïnbox'],
    ['an empty name', ''],
    ['a number', 42],
    ['null', null],
  ])('a channel that is not a channel name (%s) is invalid', (_label, channel) => {
    expect(parse({ ...valid, channel })).toEqual({ ok: false, reason: '`channel` must be a channel name' });
  });

  test.each([
    ['over the most shards', { totalSegments: CHANNEL_SHARDS.MAX + 1 }, /`totalSegments` must be an integer from 1 to 100/],
    ['a shard out of range', { segment: 4 }, /`segment` must be an integer from 0 to totalSegments - 1/],
    ['no shard', { segment: undefined, totalSegments: undefined }, /`totalSegments`/],
    ['with users', { users: ['u1'] }, /`channel` names a shard to read: not with `connections` or `users`/],
    ['with connections', { connections: [{ userId: 'u', connectionId: 'c' }] }, /not with `connections` or `users`/],
    ['a connections-table start key', { exclusiveStartKey: { user_id: { S: 'u' }, connection_id: { S: 'c' } } }, /channel_key/],
    ['a start key missing the connection', { exclusiveStartKey: { channel_key: { S: 'room/42#2' } } }, /exclusiveStartKey/],
    ['a start key with a third attribute', { exclusiveStartKey: { ...shardKey, user_id: { S: 'u' } } }, /exclusiveStartKey/],
    ['a start key of numbers', { exclusiveStartKey: { channel_key: { N: '1' }, connection_id: { S: 'c' } } }, /exclusiveStartKey/],
  ])('a channel item (%s) is invalid', (_label, fields, reason) => {
    const parsed = parse({ ...valid, ...fields });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  test('a segment item (no channel) with a shard start key is invalid', () => {
    const { channel: _channel, ...segmentItem } = valid;
    expect(parse({ ...segmentItem, exclusiveStartKey: shardKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/user_id/) });
  });

  test.each([
    ['without its owner', { connectionId: 'c1', channel: 'room' }],
    ['with a bad channel', { userId: 'u', connectionId: 'c1', channel: 'room//x' }],
    ['with a numeric channel', { userId: 'u', connectionId: 'c1', channel: 7 }],
  ])('a carried connection %s is invalid', (_label, entry) => {
    const { channel: _channel, ...carry } = valid;
    expect(parse({ ...carry, attempt: 2, connections: [entry] })).toMatchObject({ ok: false, reason: expect.stringMatching(/^`connections` must be/) });
  });
});

describe('planFollowUps: channels', () => {
  const origin: FollowUpOrigin = {
    requestId: 'req-1',
    startedAt: 42,
    attempt: 1,
    segment: 0,
    totalSegments: 1,
    action: 'send',
    dataText: '"hi"',
    excludeUsers: new Set(['mallory']),
    excludeConnections: new Set(['sender']),
  };

  test('an unread shard is a channel item from its start key, with the request\'s exclusions and the connections reached otherwise', () => {
    // WHEN
    const plan = planFollowUps(origin, {
      connections: [],
      users: [],
      alreadyReached: [],
      segments: [{ segment: 3, totalSegments: 8, channel: 'room/42', startKey: shardKey, excludeConnections: ['x', 'd'] }],
    }, 3);

    // THEN
    expect(plan.messages.map((m) => JSON.parse(m.body))).toEqual([{
      v: 1,
      requestId: 'req-1',
      channel: 'room/42',
      segment: 3,
      totalSegments: 8,
      attempt: 1,
      startedAt: 42,
      targeting: { exclude_users: ['mallory'], exclude_connections: ['sender', 'x', 'd'] },
      exclusiveStartKey: shardKey,
      data: 'hi',
    }]);
    expect(plan.messages[0].delaySeconds).toBeUndefined();
    expect(parseWorkItem(plan.messages[0].body, rules).ok).toBe(true);
  });

  test('subscribers still failing are carried with their channel, at the next attempt', () => {
    // WHEN
    const plan = planFollowUps(origin, {
      connections: [{ userId: 'u1', connectionId: 'c1', channel: 'room/42' }], users: [], segments: [], alreadyReached: [],
    }, 3);

    // THEN
    const parsed = parseWorkItem(plan.messages[0].body, rules);
    expect(parsed).toMatchObject({ ok: true, item: { attempt: 2, connections: [{ userId: 'u1', connectionId: 'c1', channel: 'room/42' }] } });
    expect(plan).toMatchObject({ requeued: 1, givenUp: [] });
  });
});
