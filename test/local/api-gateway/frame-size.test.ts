import type { RecordingClient } from '../../../local/client/recording-client';
import { LIMITS } from '../../../src/shared/constants';
import { useLocalSystem } from '../../e2e/support';

// API Gateway's WebSocket frame limit, 32 KB ("WebSocket frame size" in its quotas): a client's frame over it closes the
// connection with 1009 (message too big), whatever the 128 KB message limit; a message that big must be split into
// frames, which browsers and `ws` do not do. The emulator enforces it on what clients send.

const local = useLocalSystem({ handler: false });

/** A ping (the template's ping route) padded to exactly `bytes` bytes of UTF-8. */
function pingOf(bytes: number): string {
  const bare = JSON.stringify({ action: 'ping', pad: '' });
  return JSON.stringify({ action: 'ping', pad: 'x'.repeat(bytes - bare.length) });
}

/** Resolves with the client's close code once it is closed, or with undefined if it is still open after 5 s. */
async function closeCode(client: RecordingClient): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.whenClosed(), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
  return client.closeCode;
}

test('the limit is 32 KB', () => {
  expect(LIMITS.MAX_FRAME_BYTES).toBe(32 * 1024);
});

test('a 31 KB frame is routed: the ping route answers it', async () => {
  // GIVEN
  const [client] = await local.system.connect('alice');

  // WHEN / THEN
  await expect(client.request(pingOf(31 * 1024))).resolves.toEqual({ type: 'pong' });
  expect(client.isOpen).toBe(true);
});

test('a frame of exactly 32 KB is routed; one byte more closes the connection with 1009', async () => {
  // GIVEN
  const [client] = await local.system.connect('bob');
  await expect(client.request(pingOf(LIMITS.MAX_FRAME_BYTES))).resolves.toEqual({ type: 'pong' });

  // WHEN
  const gone = local.system.emulator.disconnected(client.connectionId);
  client.send(pingOf(LIMITS.MAX_FRAME_BYTES + 1));

  // THEN the emulator closes it (1009: message too big), without an answer, and $disconnect deletes its row
  expect(await closeCode(client)).toBe(1009);
  await gone;
  expect(client.messages).toHaveLength(1);
  expect(await local.system.keys()).toEqual([]);
});

test('a 33 KB frame closes the connection with 1009', async () => {
  // GIVEN
  const [client] = await local.system.connect('carol');

  // WHEN
  client.send(pingOf(33 * 1024));

  // THEN
  expect(await closeCode(client)).toBe(1009);
  expect(client.messages).toEqual([]);
});
