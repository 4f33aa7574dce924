import type { DynamoDBRecord } from 'aws-lambda';
import { streamRecord } from './stream-records';
import { PowertoolsStreamReporter } from '../../../lambda/connection-stream/adapters/powertools-stream-reporter';
import type { SubscriptionKey, SubscriptionStore } from '../../../lambda/connection-stream/core/ports';
import { InvalidCheckError, parseCheck } from '../../../lambda/connection-stream/core/presence-check';
import { processBatch } from '../../../lambda/connection-stream/core/process-batch';
import { orderKeyOf, recordHandlers, type HandlerDeps } from '../../../lambda/connection-stream/core/record-handlers';
import { memberWorld, NOW_MS } from '../channel-presence/fakes';
import { captureLogLines } from '../support/log-lines';

// The connection stream function with channel presence: a gone connection's subscriptions are deleted page by page,
// each page's departures first (its members leave after the grace period, a check sent), so that a retried record
// finds the rows, and the departures, again.

/** A connection's subscription rows, paged, recording each page's delete in the shared log. */
class PagedSubscriptions implements SubscriptionStore {
  readonly rows = new Map<string, string[]>();
  fail?: Error;
  constructor(private readonly log: string[], private readonly pageSize = 2) {}

  async* subscriptionsOf(connectionId: string): AsyncIterable<readonly SubscriptionKey[]> {
    const keys = [...this.rows.get(connectionId) ?? []];
    for (let i = 0; i < keys.length; i += this.pageSize) {
      yield keys.slice(i, i + this.pageSize).map((channelKey) => ({ channelKey, connectionId }));
    }
  }

  async delete(keys: readonly SubscriptionKey[]): Promise<number> {
    if (this.fail) throw this.fail;
    for (const key of keys) this.rows.set(key.connectionId, this.rows.get(key.connectionId)!.filter((k) => k !== key.channelKey));
    this.log.push(`delete ${keys.map((k) => k.channelKey).join(' ')}`);
    return keys.length;
  }
}

function streamWorld() {
  const w = memberWorld(20);
  const subscriptions = new PagedSubscriptions(w.log);
  const deps: HandlerDeps = {
    attributes: { userIdAttribute: 'user_id', connectionIdAttribute: 'connection_id', contextAttributes: [] },
    subscriptions,
    members: w.deps,
  };
  const stream = async (...records: DynamoDBRecord[]) => (await processBatch(records, {
    handlers: recordHandlers(deps),
    orderKey: orderKeyOf(deps),
    concurrency: 2,
    connectionIdOf: (r) => r.dynamodb?.Keys?.connection_id?.S,
    userIdOf: (r) => r.dynamodb?.Keys?.user_id?.S,
    now: () => 1_700_000_000_000,
  })).report;
  return { ...w, subscriptions, deps, stream };
}

describe('departures in the cleanup', () => {
  test('each page\'s departures run before its delete: a joined member leaves later (check with the record\'s eventID), others none', async () => {
    const w = streamWorld();
    w.subscriptions.rows.set('c1', ['lobby/a#0', 'public/x#0', 'lobby/b#0']);
    w.members.set('lobby/a', 'alice', { state: 'joined', version: 1 });
    w.members.set('lobby/b', 'alice', { state: 'joined', version: 1 });

    const report = await w.stream(streamRecord('REMOVE', 'c1', '101', { userId: 'alice' }));

    expect(report).toMatchObject({ subscriptionsDeleted: 3, failures: 0, members: { leaving: 2, none: 1 } });
    expect(w.log).toEqual([
      'write alice leaving:event-101', 'check alice event-101', 'delete lobby/a#0 public/x#0',
      'write alice leaving:event-101', 'check alice event-101', 'delete lobby/b#0',
    ]);
    expect(w.checks.sent).toEqual([
      { check: { userId: 'alice', token: 'event-101', channel: 'lobby/a' }, delaySeconds: 20 },
      { check: { userId: 'alice', token: 'event-101', channel: 'lobby/b' }, delaySeconds: 20 },
    ]);
    expect(w.frames.sent).toEqual([]);
  });

  test('a departure that fails fails the record before its page is deleted; the retry finds the rows and sends the check', async () => {
    const w = streamWorld();
    w.subscriptions.rows.set('c1', ['lobby/a#0']);
    w.members.set('lobby/a', 'alice', { state: 'joined', version: 1 });
    w.checks.fail = Object.assign(new Error('SQS is unavailable'), { name: 'ServiceUnavailable' });
    const record = streamRecord('REMOVE', 'c1', '102', { userId: 'alice' });

    const failed = await w.stream(record);
    expect(failed.failures).toBe(1);
    expect(w.subscriptions.rows.get('c1')).toEqual(['lobby/a#0']);
    expect(w.members.row('lobby/a', 'alice')).toMatchObject({ state: 'leaving', token: 'event-102' });

    w.checks.fail = undefined;
    const retried = await w.stream(record);
    expect(retried).toMatchObject({ failures: 0, subscriptionsDeleted: 1, members: { leaving: 1 } });
    expect(w.checks.sent).toEqual([{ check: { userId: 'alice', token: 'event-102', channel: 'lobby/a' }, delaySeconds: 20 }]);
    expect(w.subscriptions.rows.get('c1')).toEqual([]);
  });

  test('a connection a disconnect request closed (disconnect_request in its old image): its members leave at once, no check', async () => {
    const w = streamWorld();
    w.subscriptions.rows.set('c1', ['lobby/a#0', 'public/x#0']);
    w.members.set('lobby/a', 'alice', { state: 'joined', version: 1 });
    const record = streamRecord('REMOVE', 'c1', '104', { userId: 'alice' });
    record.dynamodb!.OldImage!.disconnect_request = { S: 'msg-9' };

    const report = await w.stream(record);

    expect(report).toMatchObject({ subscriptionsDeleted: 2, failures: 0, members: { left: 1, none: 1 } });
    expect(w.checks.sent).toEqual([]);
    expect(w.frames.sent).toEqual([{ channel: 'lobby/a', event: 'leave', userId: 'alice', version: NOW_MS, id: 'event-104' }]);
    expect(w.members.row('lobby/a', 'alice')?.state).toBe('left');
  });

  test('another connection of the user still subscribed: kept, no check', async () => {
    const w = streamWorld();
    w.subscriptions.rows.set('c1', ['lobby/a#0']);
    w.members.set('lobby/a', 'alice', { state: 'joined', version: 1 });
    w.subscribed.add('lobby/a', 'alice', 'c2');
    expect(await w.stream(streamRecord('REMOVE', 'c1', '103', { userId: 'alice' }))).toMatchObject({ members: { kept: 1 }, subscriptionsDeleted: 1 });
    expect(w.subscribed.asked).toEqual([expect.objectContaining({ channel: 'lobby/a', userId: 'alice', excluding: 'c1' })]);
    expect(w.checks.sent).toEqual([]);
  });

  test('a record without its user id fails (rather than dropping the departure), its rows kept', async () => {
    const w = streamWorld();
    w.subscriptions.rows.set('c1', ['lobby/a#0']);
    const record = streamRecord('REMOVE', 'c1', '104');
    delete (record.dynamodb!.Keys as Record<string, unknown>).user_id;
    const report = await w.stream(record);
    expect(report.failures).toBe(1);
    expect(report.failed[0].error).toContain('hold no string user_id or connection_id');
    expect(w.subscriptions.rows.get('c1')).toEqual(['lobby/a#0']);
  });

  test('a connection without subscriptions: no members counted; records are ordered by user with channel presence alone', async () => {
    const w = streamWorld();
    expect(await w.stream(streamRecord('REMOVE', 'c9', '105', { userId: 'bob' }))).toMatchObject({ subscriptionsDeleted: 0, members: {} });
    expect(orderKeyOf(w.deps)(streamRecord('REMOVE', 'c9', '106', { userId: 'bob' }))).toBe('user:bob');
    const { members: _, ...withoutMembers } = w.deps;
    expect(orderKeyOf(withoutMembers)(streamRecord('REMOVE', 'c9', '106', { userId: 'bob' }))).not.toBe('user:bob');
  });
});

describe('parseCheck with a channel', () => {
  test('a channel member\'s check keeps its channel; a user\'s check has none', () => {
    expect(parseCheck('{"userId":"alice","token":"ev-1","channel":"room/42"}')).toEqual({ userId: 'alice', token: 'ev-1', channel: 'room/42' });
    expect(parseCheck('{"userId":"alice","token":"ev-1"}')).toEqual({ userId: 'alice', token: 'ev-1' });
  });

  test.each([['room//42'], [''], [42], [null], ['a/'.repeat(9) + 'a']])('a channel that is not a channel name (%j): InvalidCheckError', (channel) => {
    const body = JSON.stringify({ userId: 'alice', token: 'ev-1', channel });
    expect(() => parseCheck(body)).toThrow(InvalidCheckError);
    expect(() => parseCheck(body)).toThrow('channel must be a channel name');
  });
});

describe('the reporter\'s PresenceLeaves (channel presence on)', () => {
  const counts = { records: 1, removals: 1, ttlRemovals: 0, subscriptionsDeleted: 2, failures: 0, reported: 0, durationMs: 3 };
  const batch = (members?: Record<string, number>) => ({ ...counts, failed: [], events: {}, presence: {}, ...(members ? { members } : {}) });
  const emfOf = (lines: Array<Record<string, any>>) => lines.filter((l) => l._aws);
  afterEach(() => jest.restoreAllMocks());

  test('the leave frames sent are PresenceLeaves, zero included; the members\' changes are logged', () => {
    const lines = captureLogLines();
    const reporter = new PowertoolsStreamReporter('websocket-pusher', 'Pusher');
    reporter.features = { cleanup: true, presence: true, channelPresence: true };
    reporter.report(batch({ leaving: 2, kept: 1 }));
    reporter.reportChecks({ ...batch({ left: 3, rejoined: 1 }), checks: 4, outcomes: { left: 3, reconnected: 1 }, invalid: 0 });
    reporter.report(batch());
    expect(emfOf(lines).map((l) => l.PresenceLeaves)).toEqual([0, 3, 0]);
    expect(lines.find((l) => l.message === 'stream batch processed')).toMatchObject({ members: { leaving: 2, kept: 1 } });
  });

  test('without channel presence, no PresenceLeaves', () => {
    const lines = captureLogLines();
    const reporter = new PowertoolsStreamReporter('websocket-pusher', 'Pusher');
    reporter.features = { cleanup: true, presence: true };
    reporter.report(batch({ left: 1 }));
    expect(emfOf(lines)).toHaveLength(1);
    expect(emfOf(lines)[0]).not.toHaveProperty('PresenceLeaves');
  });
});
