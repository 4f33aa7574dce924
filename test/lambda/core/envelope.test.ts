import { Payloads } from '../../../lambda/core/delivery/payloads';
import { postedPayload } from '../../../lambda/core/envelope';

describe('postedPayload', () => {
  test('the envelope names the channel between the id and the data; the data spliced in as it is', () => {
    // WHEN
    const text = postedPayload('envelope', '{"a":[1,"two"],"b":1e21}', 'order-7', 'room/42').toString('utf8');

    // THEN
    expect(text).toBe('{"type":"message","id":"order-7","channel":"room/42","data":{"a":[1,"two"],"b":1e21}}');
    expect(JSON.parse(text)).toEqual({ type: 'message', id: 'order-7', channel: 'room/42', data: { a: [1, 'two'], b: 1e21 } });
  });

  test('without a channel there is no `channel` field at all', () => {
    expect(postedPayload('envelope', 'null', 'm-1').toString()).toBe('{"type":"message","id":"m-1","data":null}');
    expect(postedPayload('envelope', 'null', 'm-1', undefined).toString()).not.toContain('channel');
  });

  test('the id is JSON-escaped; every channel character needs no escape', () => {
    // WHEN
    const text = postedPayload('envelope', '1', 'a "quoted" \\ id', 'AZaz09_-.=@:+|~/x').toString();

    // THEN
    expect(JSON.parse(text)).toEqual({ type: 'message', id: 'a "quoted" \\ id', channel: 'AZaz09_-.=@:+|~/x', data: 1 });
  });

  test('the bare data ignores the id and the channel', () => {
    expect(postedPayload('data', '{"a":1}', 'm-1', 'room/42').toString()).toBe('{"a":1}');
  });
});

describe('Payloads', () => {
  const request = { payload: postedPayload('envelope', '"hi"', 'm-1'), dataText: '"hi"', envelopeId: 'm-1' };

  test('a connection reached through a channel gets the envelope naming it, built once per channel', () => {
    // GIVEN
    const payloads = new Payloads(request);

    // WHEN
    const a1 = payloads.for('room/a');
    const a2 = payloads.for('room/a');
    const b = payloads.for('room/b');

    // THEN
    expect(a1!.toString()).toBe('{"type":"message","id":"m-1","channel":"room/a","data":"hi"}');
    expect(a2).toBe(a1);
    expect(JSON.parse(b!.toString()).channel).toBe('room/b');
  });

  test('through no channel: the request\'s own payload', () => {
    expect(new Payloads(request).for(undefined)).toBe(request.payload);
  });

  test('with the bare data (no envelope id), every connection gets the same bytes', () => {
    // GIVEN
    const bare = { payload: Buffer.from('"hi"'), dataText: '"hi"' };

    // WHEN / THEN
    expect(new Payloads(bare).for('room/a')).toBe(bare.payload);
  });

  test('a disconnect without data has nothing to post, through a channel or not', () => {
    expect(new Payloads({ envelopeId: 'm-1' }).for('room/a')).toBeUndefined();
  });
});
