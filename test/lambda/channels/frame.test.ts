import { FRAME_MESSAGES, MAX_FRAME_CHARACTERS, parseFrame } from '../../../lambda/channels/core/frame';

const invalidFrame = (message: string, echo: object = {}) => ({ ok: false, problem: { code: 'INVALID_FRAME', message, echo } });
const invalidChannel = (echo: object = {}) => ({ ok: false, problem: { code: 'INVALID_CHANNEL', message: FRAME_MESSAGES.INVALID_CHANNEL, echo } });

describe('valid frames', () => {
  test.each([
    ['{"action":"subscribe","channel":"room/42","ref":"r1"}', { action: 'subscribe', channel: 'room/42', ref: 'r1' }],
    ['{"action":"unsubscribe","channel":"room/42"}', { action: 'unsubscribe', channel: 'room/42' }],
    ['  {"channel":"a","action":"subscribe"}\n', { action: 'subscribe', channel: 'a' }],
    ['{"action":"subscribe","channel":"a","ref":""}', { action: 'subscribe', channel: 'a', ref: '' }],
    [`{"action":"subscribe","channel":"a","ref":"${'r'.repeat(64)}"}`, { action: 'subscribe', channel: 'a', ref: 'r'.repeat(64) }],
    // other fields are ignored, a forged userId among them
    ['{"action":"subscribe","channel":"inbox/u2","userId":"u2","extra":{"deep":[1,2]}}', { action: 'subscribe', channel: 'inbox/u2' }],
    // duplicate keys: JSON.parse keeps the last
    ['{"action":"unsubscribe","action":"subscribe","channel":"a"}', { action: 'subscribe', channel: 'a' }],
  ])('%s', (body, frame) => {
    expect(parseFrame(body)).toEqual({ ok: true, frame });
  });

  test.each([
    ['8 segments of 64 characters', Array.from({ length: 8 }, (_, i) => String(i).repeat(64)).join('/')],
    ['every allowed punctuation mark', 'A-Z_a.z=0@9:+|~/x'],
  ])('a channel of %s', (_, channel) => {
    expect(parseFrame(JSON.stringify({ action: 'subscribe', channel }))).toEqual({ ok: true, frame: { action: 'subscribe', channel } });
  });
});

describe('frames that are not a JSON object', () => {
  test.each([
    ['no body', undefined, FRAME_MESSAGES.MISSING],
    ['an empty body', '', FRAME_MESSAGES.MISSING],
    ['a body that is not a string', 42, FRAME_MESSAGES.MISSING],
    ['truncated JSON', '{"action":"subscribe"', FRAME_MESSAGES.NOT_JSON],
    ['text', 'subscribe room/42', FRAME_MESSAGES.NOT_JSON],
    ['null', 'null', FRAME_MESSAGES.NOT_AN_OBJECT],
    ['an array', '[{"action":"subscribe","channel":"a"}]', FRAME_MESSAGES.NOT_AN_OBJECT],
    ['a number', '42', FRAME_MESSAGES.NOT_AN_OBJECT],
    ['a string', '"subscribe"', FRAME_MESSAGES.NOT_AN_OBJECT],
    ['a boolean', 'true', FRAME_MESSAGES.NOT_AN_OBJECT],
  ])('%s', (_, body, message) => {
    expect(parseFrame(body)).toEqual(invalidFrame(message));
  });

  test('a binary frame (base64) is refused unread', () => {
    expect(parseFrame(Buffer.from('{"action":"subscribe","channel":"a"}').toString('base64'), true)).toEqual(invalidFrame(FRAME_MESSAGES.BINARY));
  });

  test('a body over 128 KB is refused unread; one of exactly 128 KB is parsed', () => {
    const frame = '{"action":"subscribe","channel":"a"}';
    const exact = frame + ' '.repeat(MAX_FRAME_CHARACTERS - frame.length);
    expect(parseFrame(exact)).toEqual({ ok: true, frame: { action: 'subscribe', channel: 'a' } });
    expect(parseFrame(exact + ' ')).toEqual(invalidFrame(FRAME_MESSAGES.TOO_LARGE));
  });

  test('deeply nested JSON: an array is not a frame, an object with a deep field is read', () => {
    const depth = 50_000;
    expect(parseFrame('['.repeat(depth) + ']'.repeat(depth))).toEqual(invalidFrame(FRAME_MESSAGES.NOT_AN_OBJECT));
    expect(parseFrame('{"action":"subscribe","channel":"a","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}'))
      .toEqual({ ok: true, frame: { action: 'subscribe', channel: 'a' } });
    expect(parseFrame('{"a":'.repeat(20_000))).toEqual(invalidFrame(FRAME_MESSAGES.NOT_JSON));
  });
});

describe('action', () => {
  test.each([
    ['missing', { channel: 'a', ref: 'r' }],
    ['unknown', { action: 'publish', channel: 'a', ref: 'r' }],
    ['of another case', { action: 'Subscribe', channel: 'a', ref: 'r' }],
    ['an Object.prototype member', { action: 'toString', channel: 'a', ref: 'r' }],
    ['__proto__', { action: '__proto__', channel: 'a', ref: 'r' }],
    ['a number', { action: 1, channel: 'a', ref: 'r' }],
    ['an array', { action: ['subscribe'], channel: 'a', ref: 'r' }],
    ['null', { action: null, channel: 'a', ref: 'r' }],
  ])('%s: INVALID_FRAME, echoing the valid channel and ref only', (_, frame) => {
    expect(parseFrame(JSON.stringify(frame))).toEqual(invalidFrame(FRAME_MESSAGES.UNKNOWN_ACTION, { channel: 'a', ref: 'r' }));
  });

  test('an action under __proto__ is not the frame\'s, and Object.prototype is left alone', () => {
    expect(parseFrame('{"__proto__":{"action":"subscribe","channel":"a"}}')).toEqual(invalidFrame(FRAME_MESSAGES.UNKNOWN_ACTION));
    expect(parseFrame('{"constructor":{"prototype":{"action":"subscribe"}},"channel":"a"}')).toEqual(invalidFrame(FRAME_MESSAGES.UNKNOWN_ACTION, { channel: 'a' }));
    expect(({} as Record<string, unknown>).action).toBeUndefined();
  });
});

describe('ref', () => {
  test.each([
    ['65 characters', 'r'.repeat(65)],
    ['a number', 7],
    ['null', null],
    ['an object', { id: 'r1' }],
    ['an array', ['r1']],
    ['a boolean', true],
  ])('%s: INVALID_FRAME, not echoed', (_, ref) => {
    expect(parseFrame(JSON.stringify({ action: 'subscribe', channel: 'room/42', ref }))).toEqual(
      invalidFrame(FRAME_MESSAGES.BAD_REF, { action: 'subscribe', channel: 'room/42' }));
  });

  test('a ref under __proto__ is not the frame\'s', () => {
    expect(parseFrame('{"action":"subscribe","channel":"a","__proto__":{"ref":"r1"}}')).toEqual({ ok: true, frame: { action: 'subscribe', channel: 'a' } });
  });

  test('a bad ref is reported before a bad channel', () => {
    expect(parseFrame(JSON.stringify({ action: 'unsubscribe', channel: 7, ref: 7 }))).toEqual(invalidFrame(FRAME_MESSAGES.BAD_REF, { action: 'unsubscribe' }));
  });
});

describe('channel', () => {
  test.each([
    ['missing', { action: 'subscribe', ref: 'r' }, FRAME_MESSAGES.MISSING_CHANNEL],
    ['null', { action: 'subscribe', channel: null, ref: 'r' }, FRAME_MESSAGES.BAD_CHANNEL_TYPE],
    ['a number', { action: 'subscribe', channel: 42, ref: 'r' }, FRAME_MESSAGES.BAD_CHANNEL_TYPE],
    ['an array', { action: 'subscribe', channel: ['room/42'], ref: 'r' }, FRAME_MESSAGES.BAD_CHANNEL_TYPE],
    ['an object', { action: 'subscribe', channel: { name: 'room/42' }, ref: 'r' }, FRAME_MESSAGES.BAD_CHANNEL_TYPE],
  ])('%s: INVALID_FRAME', (_, frame, message) => {
    expect(parseFrame(JSON.stringify(frame))).toEqual(invalidFrame(message, { action: 'subscribe', ref: 'r' }));
  });

  test.each([
    ['empty', ''],
    ['an empty segment', 'room//42'],
    ['a leading slash', '/room'],
    ['a trailing slash', 'room/'],
    ['9 segments', 'a/b/c/d/e/f/g/h/i'],
    ['a 65-character segment', `room/${'x'.repeat(65)}`],
    ['a NUL', 'room/4\u00002'],
    ['a line break', 'room/4\n2'],
    ['an escape sequence', 'room/\u001b[31m'],
    ['a space', 'room 42'],
    ['a wildcard', 'room/*'],
    ['a placeholder', 'inbox/{userId}'],
    ['a #, the shard separator', 'room#0'],
    ['non-ASCII letters', 'salle/été'],
    ['an emoji', 'room/\u{1F600}'],
    ['a huge name', 'x'.repeat(100_000)],
  ])('%s: INVALID_CHANNEL, the channel not echoed', (_, channel) => {
    expect(parseFrame(JSON.stringify({ action: 'unsubscribe', channel, ref: 'r' }))).toEqual(invalidChannel({ action: 'unsubscribe', ref: 'r' }));
  });
});
