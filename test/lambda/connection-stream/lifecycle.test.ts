import { streamRecord } from './stream-records';
import { changeOf } from '../../../lambda/connection-stream/core/lifecycle';

const attributes = { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', contextAttributes: ['tenant', 'admin', 'level', 'absent'] };

test('a change: the record\'s eventID, keys, the listed context attributes as text (S, N, BOOL), its creation time', () => {
  const record = streamRecord('INSERT', 'c1', '7', { userId: 'alice', timeSeconds: 1_700_000_001.5 });
  Object.assign(record.dynamodb!.NewImage!, { tenant: { S: 'acme' }, admin: { BOOL: false }, level: { N: '3' }, other: { S: 'not listed' } });
  expect(changeOf(record, attributes, () => 0)).toEqual({
    eventId: 'event-7', userId: 'alice', connectionId: 'c1', context: { tenant: 'acme', admin: 'false', level: '3' }, timeMs: 1_700_000_001_500,
  });
});

test('a REMOVE reads the old image; without a creation time, the clock', () => {
  const record = streamRecord('REMOVE', 'c1', '8', { context: { tenant: 'acme' } });
  delete record.dynamodb!.ApproximateCreationDateTime;
  expect(changeOf(record, attributes, () => 42)).toMatchObject({ context: { tenant: 'acme' }, timeMs: 42 });
});

test('no connection id or no eventID: an error, never a guess', () => {
  const noConnection = streamRecord('INSERT', 'c1', '9');
  delete noConnection.dynamodb!.Keys!.connection_id;
  expect(() => changeOf(noConnection, attributes, Date.now)).toThrow('hold no string connection_id');
  const noId = streamRecord('INSERT', 'c1', '9');
  delete noId.eventID;
  expect(() => changeOf(noId, attributes, Date.now)).toThrow('no eventID');
});
