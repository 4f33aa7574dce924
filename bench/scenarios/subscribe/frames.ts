/**
 * The frames the subscribe benchmark sends, over real `ws` clients (`?token=<user>`, the local authorizer stand-in):
 * each frame's round trip from send to reply, with `performance.now()`; a reply other than the expected one fails the
 * run. A subscribe goes to a channel of its own, on a connection that holds at most `FRAMES_PER_CONNECTION` of them.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { RULES } from './app';
import type { FrameKind } from '../../reports/subscribe-results';

/** Subscribes per connection: well under the default limit of 50, so none is refused. */
export const FRAMES_PER_CONNECTION = 10;

/** A client socket and the user it connected as. */
export interface Client {
  readonly ws: WebSocket;
  readonly user: string;
}

export async function openClient(connectUrl: string, user: string): Promise<Client> {
  const ws = new WebSocket(`${connectUrl}?token=${encodeURIComponent(user)}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => reject(new Error(`connect refused: ${response.statusCode}`)));
  });
  return { ws, user };
}

export async function closeClient(client: Client): Promise<void> {
  if (client.ws.readyState === WebSocket.CLOSED) return;
  const closed = once(client.ws, 'close');
  client.ws.close(1000);
  await closed;
}

/** The frame of `kind` named `name` (unique in the run): its channel is `name` under the rule's prefix. */
export function frameOf(kind: FrameKind, client: Client, name: string): { frame: object; reply: string; channel?: string } {
  if (kind === 'ping') return { frame: { action: 'ping' }, reply: 'pong' };
  const channel = kind === 'allow' ? RULES.allow.replace('{userId}', client.user).replace('*', name) : RULES.hook.replace('*', name);
  return { frame: { action: 'subscribe', channel }, reply: 'subscribed', channel };
}

/** Sends `frame` and resolves with the time until the next message arrived, ms; throws unless it is of type `reply`. */
export async function roundTrip(client: Client, frame: object, reply: string): Promise<number> {
  const answered = once(client.ws, 'message');
  const started = performance.now();
  client.ws.send(JSON.stringify(frame));
  const [data] = await answered;
  const ms = performance.now() - started;
  const type = (JSON.parse(String(data)) as { type?: string }).type;
  if (type !== reply) throw new Error(`${JSON.stringify(frame)}: answered ${String(data)}, expected a ${reply}`);
  return ms;
}
