import { parseRequestText, parseRequestValue } from '../../../lambda/core/request';
import { LIMITS } from '../../../src/shared/constants';

const big = (bytes: number) => 'x'.repeat(bytes - 2); // JSON.stringify adds the two quotes

describe('parseRequestText: invalid requests', () => {
  test.each([
    ['invalid JSON', '{"data": ', 'INVALID_JSON'],
    ['empty body', '', 'INVALID_JSON'],
    ['JSON array', '[{"data":1}]', 'NOT_AN_OBJECT'],
    ['JSON string', '"hello"', 'NOT_AN_OBJECT'],
    ['JSON number', '42', 'NOT_AN_OBJECT'],
    ['JSON null', 'null', 'NOT_AN_OBJECT'],
    ['missing data', '{"users":["u1"]}', 'MISSING_DATA'],
    ['users as a string', '{"users":"u1","data":1}', 'INVALID_FIELD'],
    ['users as an object', '{"users":{"0":"u1"},"data":1}', 'INVALID_FIELD'],
    ['exclude_users as a number', '{"exclude_users":3,"data":1}', 'INVALID_FIELD'],
    ['connections as true', '{"connections":true,"data":1}', 'INVALID_FIELD'],
    ['exclude_connections as a string', '{"exclude_connections":"c1","data":1}', 'INVALID_FIELD'],
    ['null inside users', '{"users":["u1",null],"data":1}', 'INVALID_ID'],
    ['number inside users', '{"users":[1],"data":1}', 'INVALID_ID'],
    ['empty user id', '{"users":[""],"data":1}', 'INVALID_ID'],
    ['empty excluded user id', '{"exclude_users":[""],"data":1}', 'INVALID_ID'],
    ['object inside connections', '{"connections":[{}],"data":1}', 'INVALID_ID'],
    ['empty connection id', '{"connections":["c1",""],"data":1}', 'INVALID_ID'],
    ['null inside exclude_connections', '{"exclude_connections":[null],"data":1}', 'INVALID_ID'],
    ['payload one byte over 128 KB', JSON.stringify({ data: big(LIMITS.MAX_PAYLOAD_BYTES + 1) }), 'PAYLOAD_TOO_LARGE'],
  ])('%s is rejected with %s', (_label, text, code) => {
    // WHEN
    const result = parseRequestText(text);

    // THEN
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe(code);
    expect(!result.ok && result.error.message.length).toBeGreaterThan(10);
  });

  test('a bad id\'s message names the field and index', () => {
    // WHEN
    const result = parseRequestText('{"users":["u1",null],"data":1}');

    // THEN
    expect(!result.ok && result.error.message).toBe('`users[1]` must be a non-empty string, got null');
  });

  test('the size limit counts UTF-8 bytes, not characters', () => {
    // WHEN multi-byte characters are parsed: 'é' is two bytes, so half as many characters as the limit exceed it
    const result = parseRequestValue({ data: 'é'.repeat(LIMITS.MAX_PAYLOAD_BYTES / 2) });

    // THEN
    expect(!result.ok && result.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('parseRequestText: valid requests', () => {
  test.each([
    ['seed multicast', { users: ['u1', 'u2'], data: { type: 'n' } }, ['u1', 'u2'], [], [], []],
    ['seed broadcast', { data: 'hi' }, [], [], [], []],
    ['seed broadcast with "users": null', { users: null, data: 'hi' }, [], [], [], []],
    ['seed exclusion', { exclude_users: ['u1'], data: 1 }, [], ['u1'], [], []],
    ['all null lists', { users: null, exclude_users: null, connections: null, exclude_connections: null, data: 1 }, [], [], [], []],
    ['duplicates folded', { users: ['u1', 'u1'], connections: ['c1', 'c1'], data: 1 }, ['u1'], [], ['c1'], []],
    ['extensions', { connections: ['c1'], exclude_connections: ['c2'], data: 1 }, [], [], ['c1'], ['c2']],
  ])('%s: the id sets are as given', (_label, body, users, excludeUsers, connections, excludeConnections) => {
    // WHEN
    const result = parseRequestText(JSON.stringify(body));

    // THEN
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.request.users]).toEqual(users);
    expect([...result.request.excludeUsers]).toEqual(excludeUsers);
    expect([...result.request.connections]).toEqual(connections);
    expect([...result.request.excludeConnections]).toEqual(excludeConnections);
  });

  test.each([
    ['null', null, 'null'],
    ['false', false, 'false'],
    ['zero', 0, '0'],
    ['empty string', '', '""'],
    ['object', { a: [1, 'b'] }, '{"a":[1,"b"]}'],
  ])('data %s: the payload is its JSON text', (_label, data, text) => {
    // WHEN
    const result = parseRequestValue({ data });

    // THEN
    expect(result.ok && result.request.payload!.toString('utf8')).toBe(text);
  });

  test('a payload of exactly 128 KB is accepted', () => {
    // WHEN
    const result = parseRequestValue({ data: big(LIMITS.MAX_PAYLOAD_BYTES) });

    // THEN
    expect(result.ok && result.request.payload!.length).toBe(LIMITS.MAX_PAYLOAD_BYTES);
  });

  test('unknown extra fields are ignored', () => {
    // WHEN / THEN
    expect(parseRequestValue({ data: 1, priority: 'high' }).ok).toBe(true);
  });
});

describe('parseRequestText: the envelope', () => {
  const envelope = { disconnectEnabled: false, messageFormat: 'envelope' as const };

  test('what connections receive: the request\'s own id, or the message id, and data as JSON', () => {
    // WHEN
    const own = parseRequestText('{"id":"order-7","data":{"a":[1,"two"]},"users":["u"]}', envelope, 'msg-1');
    const none = parseRequestText('{"data":null}', envelope, 'msg-2');

    // THEN
    expect(own.ok && JSON.parse(own.request.payload!.toString())).toEqual({ type: 'message', id: 'order-7', data: { a: [1, 'two'] } });
    expect(own.ok && own.request.dataText).toBe('{"a":[1,"two"]}');
    expect(none.ok && none.request.payload!.toString()).toBe('{"type":"message","id":"msg-2","data":null}');
  });

  test('the bare data without it, as the seed sends it', () => {
    const parsed = parseRequestText('{"id":"x","data":{"a":1}}', { disconnectEnabled: false }, 'msg-1');
    expect(parsed.ok && parsed.request.payload!.toString()).toBe('{"a":1}');
  });

  test('the size limit counts the envelope: data that fits bare can be too large enveloped', () => {
    const text = JSON.stringify({ data: big(LIMITS.MAX_PAYLOAD_BYTES) });
    expect(parseRequestText(text, { disconnectEnabled: false }, 'm').ok).toBe(true);
    expect(parseRequestText(text, envelope, 'm')).toEqual({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/^the serialized envelope is \d+ bytes/) } });
  });
});
