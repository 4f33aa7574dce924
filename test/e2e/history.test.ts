import { deleteHead, expire, historyRows, historySystemOptions, messagesOf, writeHistory } from './history-app';
import { FAST_RETRIES, useLocalSystem } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import { sqsEvent } from '../../local/events/sqs';

// History and resume end to end, as a user's synthesized app runs on the local stack: real `ws` clients subscribe and
// resume through the template's routes (the channels function, which replays through the emulator's Management API),
// requests reach the bundled pusher through the template's queue (moto), and the log is the template's history table.

const local = useLocalSystem(historySystemOptions({ handler: false, queues: true, pusherOverrides: FAST_RETRIES }));
const open = (user: string) => local.system.open(user, { query: { token: `t-${user}` } });
const ask = (client: RecordingClient, frame: object) => client.ask(frame, 60_000);

async function settled(): Promise<void> {
  await local.system.drained(90_000);
  await local.system.deliveries(30_000);
}

/** Publishes `count` messages to `channels` through the queue, `<prefix>-<i>` their ids and `{ i }` their data. */
async function publish(prefix: string, count: number, channels: string[], from = 1): Promise<void> {
  for (let i = from; i < from + count; i++) await local.system.sendToQueue({ id: `${prefix}-${i}`, channels, data: { i } });
  await settled();
}

test('a client drops, 50 messages are published, it reconnects and resumes: exactly those 50 in order, then live ones, no duplicate', async () => {
  // GIVEN alice in room/1, who received three messages live
  const first = await open('alice');
  const subscribed = await ask(first, { action: 'subscribe', channel: 'room/1' });
  expect(subscribed).toMatchObject({ type: 'subscribed', channel: 'room/1', seq: 0, epoch: expect.stringMatching(/^[\w-]{16}$/) });
  const epoch = subscribed.epoch;
  await publish('live', 3, ['room/1']);
  // (a standard queue does not keep the publish order, even of three: CI run 25 stored live-2 first; seq is storage order)
  const live = messagesOf(first);
  expect(live.map((m) => m.seq)).toEqual([1, 2, 3]);
  expect(live.map((m) => m.id).sort()).toEqual(['live-1', 'live-2', 'live-3']);
  const firstI = Number(String(live[0].id).slice('live-'.length));
  expect(live[0]).toEqual({ type: 'message', id: `live-${firstI}`, channel: 'room/1', seq: 1, epoch, positions: { 'room/1': 1 }, data: { i: firstI } });

  // WHEN her socket drops, 50 messages are published, and she reconnects and resumes from the last she has
  first.terminate();
  await first.whenClosed();
  await publish('missed', 50, ['room/1']);
  const again = await open('alice');
  const resumed = await ask(again, { action: 'resume', channel: 'room/1', since: 3, epoch });
  await publish('after', 2, ['room/1']);

  // THEN the 50 in order (seq 4 to 53), then resumed at 53, then the live ones: each once
  expect(resumed).toEqual({ type: 'resumed', channel: 'room/1', seq: 53, epoch, ref: expect.any(String) });
  // (a standard queue does not keep the publish order: a message's seq is its place in the channel, as stored)
  const received = messagesOf(again);
  expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 52 }, (_, i) => i + 4));
  const rows = await historyRows(local.system, 'room/1', epoch);
  expect(received.map((m) => [m.seq, m.id, m.data])).toEqual(rows.slice(3).map((row) => [row.seq, row.id, JSON.parse(row.data)]));
  expect(received.slice(0, 50).map((m) => m.id).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `missed-${i + 1}`).sort());
  expect(received.slice(50).map((m) => m.id).sort()).toEqual(['after-1', 'after-2']);
  const replyAt = again.messages.findIndex((text) => JSON.parse(text).type === 'resumed');
  expect(again.messages.slice(0, replyAt).map((text) => JSON.parse(text).seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 4));
  expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 55 }, (_, i) => i + 1));
}, 240_000);

test('since older than the retention: reset to the channel\'s position, nothing replayed', async () => {
  const alice = await open('alice');
  const { epoch } = await ask(alice, { action: 'subscribe', channel: 'room/2' });
  await publish('old', 3, ['room/2']);
  await expire(local.system, 'room/2', epoch, 1);

  const bob = await open('bob');
  await expect(ask(bob, { action: 'resume', channel: 'room/2', since: 0, epoch })).resolves.toMatchObject({ type: 'reset', channel: 'room/2', seq: 3, epoch });
  // from seq 1 on (seq 2 and 3 still kept) the channel resumes
  await expect(ask(bob, { action: 'resume', channel: 'room/2', since: 1, epoch })).resolves.toMatchObject({ type: 'resumed', seq: 3 });
  expect(messagesOf(bob).map((m) => m.seq)).toEqual([2, 3]);
}, 120_000);

test('the counter row deleted: the next message starts a new epoch, and a resume in the old one is reset to it', async () => {
  const alice = await open('alice');
  const { epoch } = await ask(alice, { action: 'subscribe', channel: 'room/3' });
  await publish('before', 2, ['room/3']);
  await deleteHead(local.system, 'room/3');
  await publish('after', 1, ['room/3']);

  const received = messagesOf(alice);
  expect(received.map((m) => [m.seq, m.epoch === epoch])).toEqual([[1, true], [2, true], [1, false]]);
  const bob = await open('bob');
  const reply = await ask(bob, { action: 'resume', channel: 'room/3', since: 2, epoch });
  expect(reply).toMatchObject({ type: 'reset', seq: 1, epoch: received[2].epoch });
  expect(reply.epoch).not.toBe(epoch);
}, 120_000);

test('a resume of a channel without history is NOT_ENABLED; a bad since is INVALID_FRAME; another user\'s inbox FORBIDDEN', async () => {
  const alice = await open('alice');
  await expect(ask(alice, { action: 'resume', channel: 'news/1', since: 0, epoch: 'x' })).resolves.toMatchObject({ type: 'error', action: 'resume', code: 'NOT_ENABLED' });
  await expect(ask(alice, { action: 'resume', channel: 'room/1', since: -1 })).resolves.toMatchObject({ type: 'error', code: 'INVALID_FRAME' });
  await expect(ask(alice, { action: 'resume', channel: 'inbox/bob', since: 0 })).resolves.toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  await expect(ask(alice, { action: 'resume', channel: 'inbox/alice', since: 0 })).resolves.toMatchObject({ type: 'reset', seq: 0 });
}, 120_000);

test('one request to two history channels: one copy with both positions; a resume of the second replays it by the same id', async () => {
  // GIVEN alice in room/4 and her inbox; bob in room/4 only
  const [alice, bob] = [await open('alice'), await open('bob')];
  const inbox = await ask(alice, { action: 'subscribe', channel: 'inbox/alice' });
  const room = await ask(alice, { action: 'subscribe', channel: 'room/4' });
  await ask(bob, { action: 'subscribe', channel: 'room/4' });

  // WHEN one request goes to both
  await local.system.sendToQueue({ id: 'both', channels: ['room/4', 'inbox/alice'], data: 'x' });
  await settled();

  // THEN alice has one copy with both positions; bob's names room/4 only (he is not told alice's inbox exists)
  expect(messagesOf(alice)).toEqual([{ type: 'message', id: 'both', channel: 'room/4', seq: 1, epoch: room.epoch, positions: { 'room/4': 1, 'inbox/alice': 1 }, data: 'x' }]);
  expect(messagesOf(bob)).toEqual([{ type: 'message', id: 'both', channel: 'room/4', seq: 1, epoch: room.epoch, positions: { 'room/4': 1 }, data: 'x' }]);
  const seen = alice.messages.length;
  await expect(ask(alice, { action: 'resume', channel: 'inbox/alice', since: 0, epoch: inbox.epoch })).resolves.toMatchObject({ type: 'resumed', seq: 1 });
  expect(messagesOf(alice, seen)).toEqual([{ type: 'message', id: 'both', channel: 'inbox/alice', seq: 1, epoch: inbox.epoch, positions: { 'inbox/alice': 1 }, data: 'x' }]);
}, 120_000);

test('two batches publishing to one channel at once (two invocations): every subscriber gets seq 1 to 40 once each, the same seq for each id', async () => {
  // GIVEN three subscribers, and two cold pushers (two execution environments) as the template configures them
  const clients = [await open('alice'), await open('bob'), await open('carol')];
  for (const client of clients) await ask(client, { action: 'subscribe', channel: 'room/5' });
  const [one, two] = [await local.system.loadPusher(), await local.system.loadPusher()];

  // WHEN each is invoked with a batch of 20 requests to room/5, at the same time
  const batch = (k: string) => sqsEvent(Array.from({ length: 20 }, (_, i) => ({ id: `${k}-${i + 1}`, channels: ['room/5'], data: `${k}${i + 1}` })));
  const [a, b] = await Promise.all([one.invoke(batch('a')), two.invoke(batch('b'))]);
  await local.system.deliveries(30_000);

  // THEN no record failed, and each subscriber has seq 1..40 once each, with one id per seq, the same for all
  expect([a.result, b.result]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
  const bySeq: Array<Record<string, string>> = clients.map((client) => Object.fromEntries(messagesOf(client).map((m) => [m.seq, m.id])));
  for (const [i, client] of clients.entries()) {
    expect(messagesOf(client).map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, s) => s + 1));
    expect(bySeq[i]).toEqual(bySeq[0]);
  }
  // each batch's own messages are in its order in the channel
  for (const k of ['a', 'b']) {
    const mine = Object.entries(bySeq[0]).filter(([, id]) => id.startsWith(`${k}-`)).sort(([x], [y]) => Number(x) - Number(y)).map(([, id]) => Number(id.split('-')[1]));
    expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }
}, 180_000);

test('a resume of 10,000 messages is paginated (at most 1,000 a resume), and other deliveries go on meanwhile', async () => {
  // GIVEN a channel whose log holds 10,000 messages, and bob in news/1
  const alice = await open('alice');
  const { epoch } = await ask(alice, { action: 'subscribe', channel: 'room/6' });
  await writeHistory(local.system, 'room/6', epoch, 1, 10_000);
  const bob = await open('bob');
  await ask(bob, { action: 'subscribe', channel: 'news/1' });

  // WHEN alice resumes from 0, resuming again while the answer says more; a message to news/1 is published meanwhile
  const resumes: any[] = [];
  const resuming = (async () => {
    let since = 0;
    for (;;) {
      const reply = await ask(alice, { action: 'resume', channel: 'room/6', since, epoch });
      resumes.push(reply);
      if (!reply.more) return;
      since = reply.seq;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await local.system.sendToQueue({ id: 'news', channels: ['news/1'], data: 'meanwhile' });
  const newsArrived = (async () => {
    await bob.nextMessage(bob.messages.length, 60_000);
    return resumes.length;
  })();
  await resuming;

  // THEN answers of at most 1,000 each (fewer when a resume's 5 seconds ran out first), each but the last with more,
  // 10,000 messages in order; bob's message was not held back until the replay ended
  expect(resumes.length).toBeGreaterThanOrEqual(10);
  expect(resumes.every((r) => r.type === 'resumed')).toBe(true);
  expect(resumes.map((r) => r.more ?? false)).toEqual(resumes.map((_, i) => i < resumes.length - 1));
  const sizes = resumes.map((r, i) => r.seq - (i === 0 ? 0 : resumes[i - 1].seq));
  expect(sizes.every((n) => n >= 1 && n <= 1000)).toBe(true);
  expect(resumes[resumes.length - 1].seq).toBe(10_000);
  const seqs = messagesOf(alice).map((m) => m.seq);
  expect(seqs).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
  expect(await newsArrived).toBeLessThan(resumes.length);
  expect(messagesOf(bob).map((m) => m.data)).toEqual(['meanwhile']);
}, 300_000);

test('a message that cannot be stored is not sent: its record fails and is retried, and the retry gets the next seq, no gap', async () => {
  // GIVEN alice in room/7, and DynamoDB refusing every PutItem (the pusher's claim of a seq) once she is subscribed
  await local.restart({ dynamoFaults: true });
  const alice = await open('alice');
  const { epoch } = await ask(alice, { action: 'subscribe', channel: 'room/7' });
  const faults = local.system.dynamodb.faults!;
  faults.failAction('PutItem');
  const pusher = await local.system.loadPusher();
  const event = sqsEvent([{ id: 'kept', channels: ['room/7'], data: 1 }]);

  // WHEN the pusher is invoked, and (DynamoDB answering again) the record is redelivered
  const failed = await pusher.invoke(event);
  await local.system.deliveries(10_000);
  const sentMeanwhile = messagesOf(alice).length;
  faults.clear();
  const retried = await pusher.invoke(event);
  await local.system.deliveries(30_000);

  // THEN the first attempt failed its record (HISTORY_FAILED) and sent nothing; the retry sent it as seq 1
  expect(failed.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  expect(failed.json.filter((l) => l.message === 'request processed')).toEqual([expect.objectContaining({ outcome: 'failed', error: expect.objectContaining({ code: 'HISTORY_FAILED' }) })]);
  expect(sentMeanwhile).toBe(0);
  expect(retried.result).toEqual({ batchItemFailures: [] });
  expect(messagesOf(alice)).toEqual([{ type: 'message', id: 'kept', channel: 'room/7', seq: 1, epoch, positions: { 'room/7': 1 }, data: 1 }]);
}, 120_000);
