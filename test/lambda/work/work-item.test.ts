import { parseWorkItem } from '../../../lambda/work/parse-work-item';
import { carryForwardBodies, serializeWorkItem, WORK_ITEM_VERSION } from '../../../lambda/work/work-item';
import { LIMITS } from '../../../src/shared/constants';

const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3 };
const base = { requestId: 'req-1', segment: 2, totalSegments: 4, attempt: 1, startedAt: 1_700_000_000_000 };
const valid = { v: WORK_ITEM_VERSION, ...base, data: { hello: 'world' } };
const parse = (value: unknown) => parseWorkItem(typeof value === 'string' ? value : JSON.stringify(value), rules);

describe('serializeWorkItem / parseWorkItem', () => {
  test('a segment item with exclusions and a start key round-trips, the payload byte for byte', () => {
    // GIVEN a payload with escapes and a start key
    const dataText = JSON.stringify({ text: 'quotes " and \\ backslashes', n: 1e21, list: [1, 'two', null] });
    const startKey = { user_id: { S: 'u9' }, connection_id: { S: 'c9' } };

    // WHEN
    const body = serializeWorkItem({
      ...base, excludeUsers: new Set(['alice']), excludeConnections: new Set(['c1']), exclusiveStartKey: startKey,
    }, dataText);
    const parsed = parseWorkItem(body, rules);

    // THEN
    expect(JSON.parse(body)).toEqual({
      v: 1, ...base, targeting: { exclude_users: ['alice'], exclude_connections: ['c1'] }, exclusiveStartKey: startKey, data: JSON.parse(dataText),
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.item.payload!.toString('utf8')).toBe(dataText);
    expect(parsed.item).toMatchObject({ ...base, exclusiveStartKey: startKey });
    expect([...parsed.item.excludeUsers]).toEqual(['alice']);
    expect([...parsed.item.excludeConnections]).toEqual(['c1']);
  });

  test('a work item costs its 128 KB payload\'s bytes once (no string escaping)', () => {
    // GIVEN a 128 KB payload of quotes
    const dataText = JSON.stringify('"'.repeat(LIMITS.MAX_PAYLOAD_BYTES / 2 - 2));

    // WHEN
    const body = serializeWorkItem(base, dataText);

    // THEN
    expect(Buffer.byteLength(body)).toBeLessThan(dataText.length + 200);
    expect(Buffer.byteLength(body)).toBeLessThan(LIMITS.MAX_SQS_MESSAGE_BYTES);
  });

  test('a carry-forward item\'s connections are parsed; it has no targeting', () => {
    // WHEN a carry-forward item is serialized and parsed
    const body = serializeWorkItem({ ...base, attempt: 2, connections: [{ userId: 'u', connectionId: 'c' }] }, '"x"');
    const parsed = parseWorkItem(body, rules);

    // THEN
    expect(parsed).toMatchObject({ ok: true, item: { attempt: 2, connections: [{ userId: 'u', connectionId: 'c' }] } });
    expect(JSON.parse(body).targeting).toBeUndefined();
  });

  test('data null is a value like any other', () => {
    // WHEN / THEN
    expect(parse({ ...valid, data: null })).toMatchObject({ ok: true });
  });

  test.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', [], /not a JSON object/],
    ['an unknown field', { ...valid, broadcast: true }, /unknown field\(s\): broadcast/],
    ['users that are not ids', { ...valid, users: ['x', ''] }, /`users` must be a non-empty array/],
    ['connections and users', { ...valid, users: ['x'], connections: [{ connectionId: 'c' }] }, /`connections` and `users` cannot both be given/],
    ['another version', { ...valid, v: 2 }, /unsupported version 2/],
    ['no version', { ...base, data: 1 }, /unsupported version undefined/],
    ['no requestId', { ...valid, requestId: '' }, /requestId/],
    ['a segment out of range', { ...valid, segment: 4 }, /segment/],
    ['a negative segment', { ...valid, segment: -1 }, /segment/],
    ['a fractional totalSegments', { ...valid, totalSegments: 1.5 }, /totalSegments/],
    ['attempt 0', { ...valid, attempt: 0 }, /attempt/],
    ['attempt past the bound (never loops)', { ...valid, attempt: 4 }, /attempt. must be an integer from 1 to 3/],
    ['startedAt as a string', { ...valid, startedAt: '2025' }, /startedAt/],
    ['no data', { ...valid, data: undefined }, /data. is missing/],
    ['targeting not an object', { ...valid, targeting: [] }, /targeting. must be an object/],
    ['an unknown targeting field', { ...valid, targeting: { users: ['a'] } }, /unknown targeting field/],
    ['an empty excluded id', { ...valid, targeting: { exclude_users: [''] } }, /exclude_users/],
    ['a start key with another attribute', { ...valid, exclusiveStartKey: { user_id: { S: 'u' }, other: { S: 'c' } } }, /exclusiveStartKey/],
    ['a start key of numbers', { ...valid, exclusiveStartKey: { user_id: { N: '1' }, connection_id: { S: 'c' } } }, /exclusiveStartKey/],
    ['both a start key and connections', {
      ...valid, exclusiveStartKey: { user_id: { S: 'u' }, connection_id: { S: 'c' } }, connections: [{ userId: 'u', connectionId: 'c' }],
    }, /cannot both be given/],
    ['empty connections', { ...valid, connections: [] }, /connections/],
    ['a connection with an extra field', { ...valid, connections: [{ userId: 'u', connectionId: 'c', x: 1 }] }, /connections/],
    ['data over 128 KB', { ...valid, data: 'x'.repeat(LIMITS.MAX_PAYLOAD_BYTES) }, /over 131072/],
  ])('%s: the work item is invalid, with the reason', (_name, value, reason) => {
    // WHEN
    const parsed = parse(value);

    // THEN
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('carryForwardBodies', () => {
  const key = (i: number) => ({ userId: `user-${i}`, connectionId: `connection-${String(i).padStart(6, '0')}` });

  test('more connections than fit in one message are spread over items, none lost', () => {
    // GIVEN a 100 KB payload and 5,000 connections (about 260 KB of ids)
    const dataText = JSON.stringify('p'.repeat(100_000));
    const keys = Array.from({ length: 5_000 }, (_, i) => key(i));

    // WHEN
    const { bodies, unsendable } = carryForwardBodies({ ...base, attempt: 2 }, dataText, keys);

    // THEN every item is within the SQS limit, and every connection is in one
    expect(unsendable).toEqual([]);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.MAX_SQS_MESSAGE_BYTES);
    const carried = bodies.flatMap((body) => {
      const parsed = parseWorkItem(body, rules);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.item.connections!;
    });
    expect(carried).toEqual(keys);
  });

  test('a connection that cannot fit beside the payload is returned as unsendable', () => {
    // WHEN a 200-byte payload and a connection do not fit in 250 bytes
    const { bodies, unsendable } = carryForwardBodies(base, JSON.stringify('p'.repeat(200)), [key(1)], 250);

    // THEN
    expect(bodies).toEqual([]);
    expect(unsendable).toEqual([key(1)]);
  });
});

describe('work items and the envelope', () => {
  test('the request\'s own id travels in the item, and the envelope is rebuilt from it and the data', () => {
    // WHEN
    const body = serializeWorkItem({ ...base, id: 'order-7' }, '{"n":1}');
    const parsed = parseWorkItem(body, { ...rules, messageFormat: 'envelope' });

    // THEN
    expect(JSON.parse(body)).toMatchObject({ requestId: 'req-1', id: 'order-7', data: { n: 1 } });
    expect(parsed.ok && parsed.item.payload!.toString()).toBe('{"type":"message","id":"order-7","data":{"n":1}}');
    expect(parsed.ok && parsed.item.dataText).toBe('{"n":1}');
  });

  test('without an id of its own, the envelope\'s id is the request\'s message id; without the envelope, the bare data', () => {
    const body = serializeWorkItem(base, '"hi"');
    const enveloped = parseWorkItem(body, { ...rules, messageFormat: 'envelope' });
    expect(enveloped.ok && enveloped.item.payload!.toString()).toBe('{"type":"message","id":"req-1","data":"hi"}');
    const bare = parseWorkItem(body, rules);
    expect(bare.ok && bare.item.payload!.toString()).toBe('"hi"');
  });

  test.each([[''], [7], ['x'.repeat(257)]])('an id that is not a string of 1 to 256 characters (%j) is invalid', (id) => {
    expect(parse({ ...valid, id })).toEqual({ ok: false, reason: '`id` must be a non-empty string of at most 256 characters' });
  });
});

describe('raw work items (channel presence frames)', () => {
  const frame = '{"type":"presence","channel":"room/42","event":"join","user":"alice"}';

  test('raw data is posted as it is with messageFormat envelope too, and raw survives serialize / parse', () => {
    const body = serializeWorkItem({ ...base, id: 'order-7', raw: true }, frame);
    expect(JSON.parse(body)).toMatchObject({ raw: true, data: JSON.parse(frame) });
    const parsed = parseWorkItem(body, { ...rules, messageFormat: 'envelope' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.item.raw).toBe(true);
    expect(parsed.item.payload!.toString('utf8')).toBe(frame);
    expect(parsed.item.envelopeId).toBeUndefined();
  });

  test('an item without raw is enveloped as before, and carries no raw', () => {
    const parsed = parseWorkItem(serializeWorkItem(base, frame), { ...rules, messageFormat: 'envelope' });
    expect(parsed.ok && parsed.item.raw).toBeUndefined();
    expect(parsed.ok && parsed.item.payload!.toString('utf8')).toBe(`{"type":"message","id":"req-1","data":${frame}}`);
  });

  test.each([[false], ['true'], [1]])('raw other than true (%j) is invalid', (raw) => {
    expect(parse({ ...valid, raw })).toEqual({ ok: false, reason: '`raw` must be true when present' });
  });
});
