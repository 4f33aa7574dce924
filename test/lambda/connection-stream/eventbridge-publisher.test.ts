import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EventBridgePublisher, PutEventsError } from '../../../lambda/connection-stream/adapters/eventbridge-publisher';
import type { LifecycleEvent } from '../../../lambda/connection-stream/core/ports';

const eb = mockClient(EventBridgeClient);
const publisher = () => new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), {
  eventBusName: 'app-bus', source: 'websocket-pusher', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, sleep: async () => {},
});
const event = (i: number): LifecycleEvent => ({ type: 'Connected', detail: { eventId: `e${i}`, userId: 'u', connectionId: `c${i}`, context: {}, time: '2023-11-14T22:13:20.000Z' } });
const ok = (n: number) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `id${i}` })) });
const sentIds = () => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).eventId));

beforeEach(() => eb.reset());

test('an entry: the bus, the service as source, the type as detail-type, the detail as JSON, its time', async () => {
  eb.on(PutEventsCommand).resolves(ok(1));
  await publisher().put([event(1)]);
  expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
    Entries: [{
      EventBusName: 'app-bus',
      Source: 'websocket-pusher',
      DetailType: 'Connected',
      Detail: JSON.stringify(event(1).detail),
      Time: new Date('2023-11-14T22:13:20.000Z'),
    }],
  });
});

test('23 events: PutEvents of 10, 10 and 3, in order (10 entries per call at most)', async () => {
  eb.on(PutEventsCommand).callsFake((input) => ok(input.Entries.length));
  await publisher().put(Array.from({ length: 23 }, (_, i) => event(i)));
  expect(sentIds().map((ids) => ids.length)).toEqual([10, 10, 3]);
  expect(sentIds().flat()).toEqual(Array.from({ length: 23 }, (_, i) => `e${i}`));
});

test('FailedEntryCount > 0: only the failed entries are put again, then it resolves', async () => {
  eb.on(PutEventsCommand)
    .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }, { EventId: 'c' }] })
    .resolves(ok(1));
  await publisher().put([event(1), event(2), event(3)]);
  expect(sentIds()).toEqual([['e1', 'e2', 'e3'], ['e2']]);
});

test('entries still failing after the bounded attempts: PutEventsError, never ignored', async () => {
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
  await expect(publisher().put([event(1)])).rejects.toThrow(new PutEventsError(1, 1, ['ThrottlingException: Rate exceeded']));
  expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 3);
});

test('a later chunk failing fails the put; the earlier chunk was put (the retried record puts it again, same ids)', async () => {
  eb.on(PutEventsCommand).callsFake((input) => (input.Entries[0].Detail.includes('"e10"')
    ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] } : ok(input.Entries.length)));
  await expect(publisher().put(Array.from({ length: 11 }, (_, i) => event(i)))).rejects.toThrow(PutEventsError);
  expect(sentIds()[0]).toHaveLength(10);
});

test('FailedEntryCount > 0 without an entry telling which: all of them again', async () => {
  eb.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1 }).resolves(ok(2));
  await publisher().put([event(1), event(2)]);
  expect(sentIds()).toEqual([['e1', 'e2'], ['e1', 'e2']]);
});

test('a call that throws (the SDK\'s retries spent) rejects with its error', async () => {
  eb.on(PutEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  await expect(publisher().put([event(1)])).rejects.toThrow('denied');
});
