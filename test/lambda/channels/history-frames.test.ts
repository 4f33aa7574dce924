import { messageEvent, testConfig, testDeps } from './support';
import { handleFrame } from '../../../lambda/channels/core/handle-frame';
import type { HistoryHead, HistoryStore, StoredMessage } from '../../../lambda/core/ports/history-store';
import type { PostResult } from '../../../lambda/core/ports/sender';

// The channels function's frames on a history channel, against fakes that record every call in one list: what is
// written before what is read is what the continuity guarantee rests on.

const HEAD: HistoryHead = { epoch: 'e1', last: 2, updatedAt: 1 };
const MESSAGES: StoredMessage[] = [1, 2].map((seq) => ({ seq, id: `m${seq}`, dataText: String(seq), expiresAt: 9e9 }));

function setup() {
  const calls: string[] = [];
  const posted: string[] = [];
  const history: HistoryStore = {
    head: async () => { calls.push('history.head'); return HEAD; },
    createHead: async () => { calls.push('history.createHead'); return HEAD; },
    claim: async () => true,
    tail: async () => { calls.push('history.tail'); return 2; },
    advanceHead: async () => true,
    after: async (_c, _e, since) => { calls.push(`history.after ${since}`); return { messages: MESSAGES.filter((m) => m.seq > since), more: false }; },
  };
  const sender = {
    post: async (_id: string, payload: Uint8Array): Promise<PostResult> => {
      calls.push('post');
      posted.push(Buffer.from(payload).toString());
      return { status: 'delivered' };
    },
    disconnect: async (): Promise<PostResult> => ({ status: 'delivered' }),
  };
  const rules = testConfig().rules.map((rule) => (rule.pattern === 'public/*' ? { ...rule, history: 60 } : rule));
  const postRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
  const deps = testDeps({ config: testConfig({ rules }), history: { store: history, sender, postRetry } });
  const store = deps.store;
  const put = store.put.bind(store);
  store.put = async (row) => { calls.push('subscriptions.put'); return put(row); };
  return { deps, calls, posted };
}

test('a resume writes the subscription before it reads the log, replays, then answers resumed', async () => {
  const { deps, calls, posted } = setup();
  const { reply, report } = await handleFrame(messageEvent({ action: 'resume', channel: 'public/1', since: 0, epoch: 'e1', ref: 'r' }), deps);
  expect(calls).toEqual(['subscriptions.put', 'history.head', 'history.after 0', 'post', 'post']);
  expect(posted.map((text) => JSON.parse(text).seq)).toEqual([1, 2]);
  expect(reply).toEqual({ type: 'resumed', channel: 'public/1', seq: 2, epoch: 'e1', ref: 'r' });
  expect(report).toMatchObject({ action: 'resume', outcome: 'resumed', replayed: 2 });
});

test('a subscribe of a history channel writes the subscription before it reads the position it answers', async () => {
  const { deps, calls } = setup();
  const { reply } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'public/1' }), deps);
  expect(calls).toEqual(['subscriptions.put', 'history.head']);
  expect(reply).toEqual({ type: 'subscribed', channel: 'public/1', seq: 2, epoch: 'e1' });
});

test('a subscribe of a channel without history answers no position and reads no history', async () => {
  const { deps, calls } = setup();
  const { reply } = await handleFrame(messageEvent({ action: 'subscribe', channel: 'inbox/u1' }), deps);
  expect(reply).toMatchObject({ type: 'subscribed', channel: 'inbox/u1' });
  expect(reply).not.toHaveProperty('seq');
  expect(calls).toEqual(['subscriptions.put']);
});

test('a resume whose replay cannot be posted is UNAVAILABLE, the subscription kept', async () => {
  const { deps } = setup();
  deps.history!.sender.post = async () => ({ status: 'retryable', reason: 'throttled' });
  const { reply, report } = await handleFrame(messageEvent({ action: 'resume', channel: 'public/1', since: 0, epoch: 'e1' }), deps);
  expect(reply).toMatchObject({ type: 'error', action: 'resume', code: 'UNAVAILABLE' });
  expect(report).toMatchObject({ replayed: 0, reason: expect.stringContaining('history: ReplayFailed') });
  expect(deps.store.rows.size).toBe(1);
});
