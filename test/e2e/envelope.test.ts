import { FAST_RETRIES, useLocalSystem } from './support';
import { sqsEvent } from '../../local/events';
import { MessageFormat } from '../../src';

// What clients receive with `messageFormat: MessageFormat.ENVELOPE`: the envelope, whose id is the request's own or its
// message id, the same on a follow-up (a slow client served seconds later) and on a redelivery of the same message.

const local = useLocalSystem({
  app: { props: { messageFormat: MessageFormat.ENVELOPE, maxAttempts: 2 } }, queues: true, pusherOverrides: FAST_RETRIES, handler: false,
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the envelope carries the request\'s own id; a follow-up to a slow client carries the same id', async () => {
  // GIVEN alice's socket and bob's, bob's throttled (a slow client) until the first follow-up
  const { alice: [alice], bob: [bob] } = await local.system.connectUsers({ alice: 1, bob: 1 });
  local.system.setFaults({ throttledConnections: [bob.connectionId] });

  // WHEN a request with its own id is published, and bob recovers
  await local.system.sendToQueue({ id: 'order-42', data: { status: 'paid' }, users: ['alice', 'bob'] });
  await until(() => alice.messages.length === 1);
  // (bob stays throttled until the request's invocation has ended, having handed him to a follow-up: a loaded machine
  // must not let his last inline attempt succeed)
  await until(() => local.system.invocationsFrom('requests').length > 0);
  local.system.setFaults({});
  await local.system.drained();
  await local.system.deliveries();

  // THEN both received the same envelope, bob's by the follow-up
  const envelope = { type: 'message', id: 'order-42', data: { status: 'paid' } };
  expect(alice.messages.map((m) => JSON.parse(m))).toEqual([envelope]);
  expect(bob.messages.map((m) => JSON.parse(m))).toEqual([envelope]);
  expect(local.system.invocationsFrom('work').length).toBeGreaterThan(0);
}, 60_000);

test('without an id of its own, the message id: the same on a redelivery of the message, so the client can drop it', async () => {
  // GIVEN
  const [carol] = await local.system.connect('carol');
  const pusher = await local.system.loadPusher();

  // WHEN the same SQS message is delivered twice (SQS's at-least-once)
  for (let i = 0; i < 2; i++) await pusher.invoke(sqsEvent([{ data: 'hello', users: ['carol'] }], { messageIds: ['m-7'] }));
  await local.system.deliveries();

  // THEN
  expect(carol.messages).toEqual(['{"type":"message","id":"m-7","data":"hello"}', '{"type":"message","id":"m-7","data":"hello"}']);
});

test('the ping route answers pong (connectionRoutes add it by default)', async () => {
  const [client] = await local.system.connect('dave');
  await expect(client.request({ action: 'ping' })).resolves.toEqual({ type: 'pong' });
});
