import { parseFrame } from '../../../lambda/channels/core/frame';
import { Payloads } from '../../../lambda/core/delivery/payloads';
import { postedPayload } from '../../../lambda/core/envelope';
import { parseRequestValue } from '../../../lambda/core/request';
import { parseWorkItem } from '../../../lambda/work/parse-work-item';
import { serializeWorkItem } from '../../../lambda/work/work-item';
import { LIMITS } from '../../../src/shared/constants';
import { historyRetention } from '../../../src/shared/history';

const positions = new Map([['room/1', { seq: 18, epoch: 'E1' }], ['inbox/u1', { seq: 5, epoch: 'E2' }]]);

describe('the envelope on history channels', () => {
  test('seq and epoch of the channel it came through, positions of every history channel the connection is in', () => {
    const text = postedPayload('envelope', '{"a":1}', 'id-1', 'room/1', { positions, subscribed: ['inbox/u1'] }).toString();
    expect(text).toBe('{"type":"message","id":"id-1","channel":"room/1","seq":18,"epoch":"E1","positions":{"room/1":18,"inbox/u1":5},"data":{"a":1}}');
  });

  test('a history channel the connection is not in is left out of positions (its name is not disclosed)', () => {
    const text = postedPayload('envelope', '1', 'i', 'room/1', { positions, subscribed: [] }).toString();
    expect(JSON.parse(text)).toEqual({ type: 'message', id: 'i', channel: 'room/1', seq: 18, epoch: 'E1', positions: { 'room/1': 18 }, data: 1 });
  });

  test('reached through a channel without history, or as a user: positions only, no seq', () => {
    expect(JSON.parse(postedPayload('envelope', '1', 'i', 'news/1', { positions, subscribed: ['room/1'] }).toString()))
      .toEqual({ type: 'message', id: 'i', channel: 'news/1', positions: { 'room/1': 18 }, data: 1 });
    expect(JSON.parse(postedPayload('envelope', '1', 'i', undefined, { positions, subscribed: ['inbox/u1'] }).toString()))
      .toEqual({ type: 'message', id: 'i', positions: { 'inbox/u1': 5 }, data: 1 });
  });

  test('hostile channel names are JSON-escaped keys, and __proto__ is an ordinary key', () => {
    const hostile = new Map([['__proto__', { seq: 1, epoch: 'e' }]]);
    const parsed = JSON.parse(postedPayload('envelope', '1', 'i', '__proto__', { positions: hostile, subscribed: [] }).toString());
    expect(Object.keys(parsed.positions)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.positions)).toBe(Object.prototype);
  });

  test('Payloads builds one envelope per channel and set of history channels', () => {
    const payloads = new Payloads({ dataText: '1', envelopeId: 'i', payload: Buffer.from('x') }, positions);
    expect(payloads.for('room/1')).toBe(payloads.for('room/1'));
    expect(payloads.for('room/1', ['inbox/u1'])?.toString()).toContain('"positions":{"room/1":18,"inbox/u1":5}');
    expect(payloads.for(undefined)?.toString()).toBe('x');
  });
});

describe('requests to history channels', () => {
  const rules = { disconnectEnabled: false, messageFormat: 'envelope' as const, channelsEnabled: true, history: [{ pattern: 'room/*', history: 60 }] };

  test('the size check counts the positions: data that fits without them is refused when they would not fit', () => {
    const channels = Array.from({ length: 100 }, (_, i) => `room/${'x'.repeat(60)}${String(i).padStart(3, '0')}`);
    const size = LIMITS.MAX_PAYLOAD_BYTES - 2_000 - 200;
    const data = 'y'.repeat(size);
    expect(parseRequestValue({ data, channels }, { ...rules, history: [] }).ok).toBe(true);
    const refused = parseRequestValue({ data, channels }, rules);
    expect(refused).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('history belongs to the channel: the first rule covering the name, placeholders read as *', () => {
    const specs = [{ pattern: 'user/{userId}/inbox' }, { pattern: 'user/*/inbox', history: 60 }, { pattern: 'room/{context.tenant}', history: 120 }];
    expect(historyRetention(specs, 'user/bob/inbox')).toBeUndefined();
    expect(historyRetention(specs, 'room/acme')).toBe(120);
    expect(historyRetention(specs, 'room/acme/x')).toBeUndefined();
  });
});

describe('work items carry positions', () => {
  const rules = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', maxCarryForwardAttempts: 3, messageFormat: 'envelope' as const };
  const fields = { requestId: 'r', segment: 0, totalSegments: 1, attempt: 1, startedAt: 1, connections: [{ connectionId: 'c' }] };

  test('as [channel, seq, epoch] triples, read back as they were', () => {
    const body = serializeWorkItem({ ...fields, positions }, '1');
    expect(JSON.parse(body).positions).toEqual([['room/1', 18, 'E1'], ['inbox/u1', 5, 'E2']]);
    const parsed = parseWorkItem(body, rules);
    expect(parsed.ok && [...parsed.item.positions!]).toEqual([...positions]);
  });

  test.each([
    [[['room/1', 0, 'e']]], [[['room/1', 1.5, 'e']]], [[['room/1', 1, '']]], [[['room 1', 1, 'e']]], [{ 'room/1': 1 }], [[['room/1', 1]]],
  ])('a malformed list is an invalid item: %j', (value) => {
    const body = JSON.stringify({ ...JSON.parse(serializeWorkItem(fields, '1')), positions: value });
    expect(parseWorkItem(body, rules)).toMatchObject({ ok: false, reason: expect.stringContaining('positions') });
  });
});

describe('resume frames', () => {
  test('since and epoch are read; since is required, a non-negative integer; epoch a string of 1 to 64', () => {
    expect(parseFrame('{"action":"resume","channel":"room/1","since":17,"epoch":"E","ref":"r"}'))
      .toEqual({ ok: true, frame: { action: 'resume', channel: 'room/1', since: 17, epoch: 'E', ref: 'r' } });
    expect(parseFrame('{"action":"resume","channel":"room/1","since":0}')).toEqual({ ok: true, frame: { action: 'resume', channel: 'room/1', since: 0 } });
    for (const bad of ['{"since":-1}', '{"since":1.5}', '{"since":"3"}', '{}', '{"since":1e300}']) {
      const frame = JSON.stringify({ action: 'resume', channel: 'room/1', ...JSON.parse(bad) });
      expect(parseFrame(frame)).toMatchObject({ ok: false, problem: { code: 'INVALID_FRAME', message: expect.stringContaining('since'), echo: { action: 'resume', channel: 'room/1' } } });
    }
    for (const epoch of ['', 'x'.repeat(65), 5, null]) {
      expect(parseFrame(JSON.stringify({ action: 'resume', channel: 'room/1', since: 1, epoch }))).toMatchObject({ ok: false, problem: { message: expect.stringContaining('epoch') } });
    }
  });

  test('a subscribe ignores since and epoch', () => {
    expect(parseFrame('{"action":"subscribe","channel":"room/1","since":"x","epoch":5}')).toEqual({ ok: true, frame: { action: 'subscribe', channel: 'room/1' } });
  });
});
