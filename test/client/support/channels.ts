import { setup } from './fake-client';
import type { FakeSocket } from './fakes';
import type { ClientOptions, PusherClientError } from '../../../client/src';

// Helpers of the channel tests on the fake clock: what a socket was sent, as objects; where a promise stands.

/** The frames a socket was sent, parsed. */
export const sentFrames = (socket: FakeSocket): Array<Record<string, unknown>> => socket.sent.map((text) => JSON.parse(text));

/** The subscribe frames a socket was sent: `[channel, ref]`. */
export const subscribes = (socket: FakeSocket): Array<[unknown, unknown]> =>
  sentFrames(socket).filter((frame) => frame.action === 'subscribe').map((frame) => [frame.channel, frame.ref]);

/** The last frame a socket was sent, parsed. */
export const lastFrame = (socket: FakeSocket): Record<string, unknown> => JSON.parse(socket.sent[socket.sent.length - 1]);

/** Where a promise stands: `pending`, `resolved`, or the error it rejected with (read after `settle()`). */
export function track(promise: Promise<unknown>): { result: 'pending' | 'resolved' | PusherClientError } {
  const tracked: { result: 'pending' | 'resolved' | PusherClientError } = { result: 'pending' };
  promise.then(() => (tracked.result = 'resolved'), (error: PusherClientError) => (tracked.result = error));
  return tracked;
}

/** A connected client of the fake clock (support/fake-client), its socket open, recording its `subscription` events. */
export async function open(overrides: Partial<ClientOptions> = {}) {
  const fixture = await setup(overrides);
  fixture.ws.last().accept();
  const reports: Array<[string, string | undefined]> = [];
  fixture.client.on('subscription', (channel, error) => reports.push([channel, error?.details.code]));
  return { ...fixture, socket: fixture.ws.last(), reports };
}
