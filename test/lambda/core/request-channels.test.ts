import { postedPayload } from '../../../lambda/core/envelope';
import { parseRequestValue, type RequestRules } from '../../../lambda/core/request';
import { isBroadcast, isChannelOnly, requestKind } from '../../../lambda/core/targets';
import { LIMITS } from '../../../src/shared/constants';

const channelsOn: RequestRules = { disconnectEnabled: false, messageFormat: 'envelope', channelsEnabled: true };
const parse = (channels: unknown, rules: RequestRules = channelsOn, extra: object = {}) => parseRequestValue({ data: 1, channels, ...extra }, rules, 'msg-1');
const errorCode = (result: ReturnType<typeof parse>) => (result.ok ? 'ok' : result.error.code);

describe('a request\'s channels: the rules', () => {
  test('without the construct\'s channels, a request naming channels is refused with CHANNELS_DISABLED', () => {
    // WHEN channels are named on a pusher without the subscriptions table
    const result = parse(['room/42'], { disconnectEnabled: false });

    // THEN
    expect(result).toEqual({ ok: false, error: { code: 'CHANNELS_DISABLED', message: expect.stringContaining('`channels`') } });
  });

  test.each([
    ['enabled', channelsOn],
    ['disabled', { disconnectEnabled: false }],
  ])('null and absent are no channels (channels %s): the request keeps its kind', (_label, rules) => {
    // WHEN / THEN
    for (const result of [parse(null, rules), parseRequestValue({ data: 1 }, rules)]) {
      expect(result.ok && result.request.channels).toEqual([]);
      expect(result.ok && requestKind(result.request)).toBe('broadcast');
    }
  });

  test('an empty list is invalid, never a broadcast', () => {
    // WHEN / THEN (without the construct's channels it is refused all the same)
    expect(parse([])).toEqual({ ok: false, error: { code: 'INVALID_FIELD', message: expect.stringMatching(/1 to 100 channel names, got 0 names/) } });
    expect(errorCode(parse([], { disconnectEnabled: false }))).toBe('CHANNELS_DISABLED');
  });

  test.each([
    ['a string', 'room/42'],
    ['an object', { 0: 'room/42' }],
    ['a number', 42],
    ['true', true],
  ])('channels as %s is INVALID_FIELD', (_label, channels) => {
    expect(errorCode(parse(channels))).toBe('INVALID_FIELD');
  });

  test('100 names are accepted, 101 refused', () => {
    // GIVEN
    const names = (n: number) => Array.from({ length: n }, (_, i) => `room/${i}`);

    // WHEN / THEN
    expect(parse(names(100)).ok && (parse(names(100)) as any).request.channels).toHaveLength(100);
    expect(errorCode(parse(names(101)))).toBe('INVALID_FIELD');
  });

  test('repeats are counted once, the first place kept, the request\'s order otherwise', () => {
    // WHEN
    const result = parse(['b', 'a', 'b', 'c/1', 'a', 'c/1']);

    // THEN
    expect(result.ok && result.request.channels).toEqual(['b', 'a', 'c/1']);
  });

  test.each([
    ['nine segments', 'a/b/c/d/e/f/g/h/i'],
    ['a segment of 65 characters', `room/${'x'.repeat(65)}`],
    ['an empty segment', 'room//42'],
    ['a leading slash', '/room'],
    ['a trailing slash', 'room/'],
    ['nothing', ''],
    ['the key\'s shard separator', 'room#1'],
    ['non-ASCII letters', 'ïnbox'],
    ['an emoji', 'room/🎉'],
    ['a space', 'room 42'],
    ['a newline', 'room\n42'],
    ['a NUL', 'room\u000042'],
    ['a quote', 'room"42'],
    ['a backslash', 'room\\42'],
    ['a pattern\'s wildcard', 'room/*'],
    ['a pattern\'s placeholder', 'user/{userId}'],
    ['a number', 42],
    ['null', null],
    ['an object', { name: 'room' }],
    ['an array', ['room']],
  ])('%s is INVALID_CHANNEL, its index named', (_label, bad) => {
    // WHEN a bad name is the third
    const result = parse(['room/1', 'room/2', bad]);

    // THEN
    expect(result).toEqual({ ok: false, error: { code: 'INVALID_CHANNEL', message: expect.stringMatching(/^`channels\[2\]` is not a channel name/) } });
  });

  test.each([
    ['eight segments', 'a/b/c/d/e/f/g/h'],
    ['a segment of 64 characters', `room/${'x'.repeat(64)}`],
    ['every allowed character', 'AZaz09_-.=@:+|~'],
    // '.' is a segment character: a name is a key, never a path, so '..' means nothing more than 'ab' would.
    ['dots', '../x'],
  ])('%s is a channel name, kept as it is', (_label, name) => {
    expect(parse([name]).ok && (parse([name]) as any).request.channels).toEqual([name]);
  });

  test('channels without the construct\'s channels are refused before their names are judged', () => {
    expect(errorCode(parse(['room//bad'], { disconnectEnabled: false }))).toBe('CHANNELS_DISABLED');
  });
});

describe('a request\'s channels: its kind', () => {
  test('one channel alone is channel-only; never a broadcast, with or without exclusions', () => {
    // WHEN
    const only = parse(['room'], channelsOn, { exclude_connections: ['sender'], exclude_users: ['bob'] });

    // THEN
    if (!only.ok) throw new Error(only.error.message);
    expect(requestKind(only.request)).toBe('channel');
    expect(isBroadcast(only.request)).toBe(false);
    expect(isChannelOnly(only.request)).toBe(true);
  });

  test.each([
    ['two channels', { channels: ['a', 'b'] }],
    ['a channel and users', { channels: ['a'], users: ['u'] }],
    ['a channel and connections', { channels: ['a'], connections: ['c'] }],
  ])('%s: a channel request, not channel-only', (_label, fields) => {
    const result = parseRequestValue({ data: 1, ...fields }, channelsOn);
    if (!result.ok) throw new Error(result.error.message);
    expect(requestKind(result.request)).toBe('channel');
    expect(isChannelOnly(result.request)).toBe(false);
  });
});

describe('a request\'s channels: the payload', () => {
  const longest = `${'x'.repeat(64)}/${'y'.repeat(64)}`;
  /** `data` whose envelope naming `channel` is `bytes` long. */
  const dataFor = (bytes: number, channel: string) => 'p'.repeat(bytes - postedPayload('envelope', '""', 'msg-1', channel).length);

  test('the envelope naming the longest channel must fit: one byte over is PAYLOAD_TOO_LARGE', () => {
    // GIVEN data that fits enveloped with the short channel, and is one byte over with the longest
    const data = dataFor(LIMITS.MAX_PAYLOAD_BYTES + 1, longest);

    // WHEN / THEN
    expect(parseRequestValue({ data, channels: ['a'] }, channelsOn, 'msg-1').ok).toBe(true);
    expect(parseRequestValue({ data, channels: ['a', longest] }, channelsOn, 'msg-1'))
      .toEqual({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/^the serialized envelope is 131073 bytes/) } });
  });

  test('exactly the limit with the longest channel is accepted; the request\'s own payload names no channel', () => {
    // WHEN
    const result = parseRequestValue({ data: dataFor(LIMITS.MAX_PAYLOAD_BYTES, longest), channels: [longest, 'a'] }, channelsOn, 'msg-1');

    // THEN
    if (!result.ok) throw new Error(result.error.message);
    expect(result.request.envelopeId).toBe('msg-1');
    expect(result.request.payload!.length).toBe(LIMITS.MAX_PAYLOAD_BYTES - `"channel":${JSON.stringify(longest)},`.length);
    expect(JSON.parse(result.request.payload!.toString()).channel).toBeUndefined();
  });

  test('with the bare data, channels add no bytes: 128 KB of data is accepted', () => {
    // WHEN
    const result = parseRequestValue({ data: 'p'.repeat(LIMITS.MAX_PAYLOAD_BYTES - 2), channels: [longest] }, { ...channelsOn, messageFormat: 'data' });

    // THEN
    expect(result.ok && result.request.payload!.length).toBe(LIMITS.MAX_PAYLOAD_BYTES);
    expect(result.ok && result.request.envelopeId).toBeUndefined();
  });

  test('the envelope\'s id is the request\'s own id when it has one', () => {
    const result = parse(['room'], channelsOn, { id: 'order-7' });
    expect(result.ok && result.request.envelopeId).toBe('order-7');
  });
});
