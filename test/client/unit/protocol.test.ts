import { dialTarget, membersOf, parseFrame } from '../../../client/src/protocol';

describe('parseFrame', () => {
  test('an envelope is a message with its id', () => {
    expect(parseFrame('{"type":"message","id":"m-1","data":{"a":1}}', 'envelope'))
      .toEqual({ kind: 'envelope', envelope: { type: 'message', id: 'm-1', data: { a: 1 } } });
    // `data` may be null, like any JSON value.
    expect(parseFrame('{"type":"message","id":"m-2","data":null}', 'envelope')).toMatchObject({ kind: 'envelope' });
  });

  test("pong, a protocol error, and API Gateway's own error answers", () => {
    expect(parseFrame('{"type":"pong"}', 'envelope')).toEqual({ kind: 'pong' });
    expect(parseFrame('{"type":"error","code":"FORBIDDEN","message":"no","ref":"r1"}', 'envelope'))
      .toEqual({ kind: 'error', frame: { type: 'error', code: 'FORBIDDEN', message: 'no', ref: 'r1' } });
    expect(parseFrame('{"message":"Forbidden","connectionId":"abc=","requestId":"req-1"}', 'envelope'))
      .toEqual({ kind: 'gateway-error', message: 'Forbidden', requestId: 'req-1' });
    expect(parseFrame('{"message": "Internal server error", "connectionId":"abc=", "requestId":"req-2"}', 'data'))
      .toEqual({ kind: 'gateway-error', message: 'Internal server error', requestId: 'req-2' });
  });

  test('other typed frames are protocol frames (later features: subscribed, members, ...)', () => {
    expect(parseFrame('{"type":"subscribed","channel":"room/42"}', 'envelope'))
      .toEqual({ kind: 'frame', frame: { type: 'subscribed', channel: 'room/42' } });
  });

  test('a presence frame: only with a channel name, event join or leave, a user and a version; the other fields dropped', () => {
    expect(parseFrame('{"type":"presence","channel":"room/1","event":"join","user":"bob","version":1700000000123,"extra":1}', 'envelope'))
      .toEqual({ kind: 'presence', presence: { channel: 'room/1', event: 'join', user: 'bob', version: 1_700_000_000_123 } });
    expect(parseFrame('{"type":"presence","channel":"room/1","event":"leave","user":"b","version":0}', 'envelope')).toMatchObject({ kind: 'presence' });
    for (const bad of ['{"type":"presence","channel":"room/1","event":"JOIN","user":"bob","version":1}', '{"type":"presence","channel":"room 1","event":"join","user":"bob","version":1}',
      '{"type":"presence","channel":"room/1","event":"join","user":"","version":1}', '{"type":"presence","channel":"room/1","event":"join","user":["bob"],"version":1}',
      '{"type":"presence","channel":"room/1","event":"join","user":"bob"}', '{"type":"presence","channel":"room/1","event":"join","user":"bob","version":"1"}']) {
      expect(parseFrame(bad, 'envelope')).toEqual({ kind: 'frame', frame: JSON.parse(bad) });
    }
    expect(parseFrame('{"type":"presence","channel":"room/1","event":"join","user":"bob"}', 'data')).toMatchObject({ kind: 'data' });
  });

  test('membersOf: user ids and a whole count at least as large, or undefined', () => {
    expect(membersOf({ users: ['a', 'b'], count: 150 })).toEqual({ users: ['a', 'b'], count: 150 });
    expect(membersOf({ users: [], count: 0 })).toEqual({ users: [], count: 0 });
    for (const bad of [{}, { users: ['a'] }, { users: ['a'], count: '1' }, { users: ['a', ''], count: 2 }, { users: ['a', 'b'], count: 1 }, { users: [], count: -1 }, { users: null, count: 0 }]) {
      expect(membersOf(bad)).toBeUndefined();
    }
  });

  test('the data format: every other frame is the pushed data, envelope-looking or not', () => {
    expect(parseFrame('{"type":"message","id":"m-1","data":1}', 'data')).toEqual({ kind: 'data', data: { type: 'message', id: 'm-1', data: 1 } });
    expect(parseFrame('[1,2]', 'data')).toEqual({ kind: 'data', data: [1, 2] });
    expect(parseFrame('"hello"', 'data')).toEqual({ kind: 'data', data: 'hello' });
    expect(parseFrame('{"status":"paid"}', 'data')).toEqual({ kind: 'data', data: { status: 'paid' } });
    expect(parseFrame('{"type":"notification","text":"hi"}', 'data')).toEqual({ kind: 'data', data: { type: 'notification', text: 'hi' } });
  });

  test('in the envelope format, what is not an envelope is still delivered as data; text that is not JSON as its text', () => {
    expect(parseFrame('{"status":"paid"}', 'envelope')).toEqual({ kind: 'data', data: { status: 'paid' } });
    expect(parseFrame('{"type":"message","data":1}', 'envelope')).toEqual({ kind: 'frame', frame: { type: 'message', data: 1 } });
    expect(parseFrame('not json', 'envelope')).toEqual({ kind: 'data', data: 'not json' });
  });
});

describe('dialTarget', () => {
  test('the token in the query string, encoded, after any query the URL has', () => {
    expect(dialTarget('wss://x.example/prod', 'a b&c', 'query', 'token')).toEqual({ url: 'wss://x.example/prod?token=a%20b%26c' });
    expect(dialTarget('wss://x.example/prod?app=1', 't', 'query', 'token')).toEqual({ url: 'wss://x.example/prod?app=1&token=t' });
    expect(dialTarget('wss://x.example/prod?', 't', 'query', 'access_token')).toEqual({ url: 'wss://x.example/prod?access_token=t' });
    expect(dialTarget('wss://x.example/prod#frag', 't', 'query', 'token')).toEqual({ url: 'wss://x.example/prod?token=t' });
  });

  test('the token as the second subprotocol, after websocket-pusher; the URL untouched', () => {
    expect(dialTarget('wss://x.example/prod', 'eyJ.abc.def', 'protocol', 'token'))
      .toEqual({ url: 'wss://x.example/prod', protocols: ['websocket-pusher', 'eyJ.abc.def'] });
  });
});
