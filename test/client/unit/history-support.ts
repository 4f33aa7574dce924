import type { ClientOptions, ResetEvent } from '../../../client/src';
import { open, sentFrames } from '../support/channels';
import type { FakeSocket } from '../support/fakes';

// Helpers of the history tests (history.test.ts, history-resume.test.ts): a client on the fake clock subscribed to
// history channels, the messages the test server pushes, the resume frames the client sent.

/**
 * A message on history channels as the pusher sends it: `channel` the first, its seq and epoch, and `positions` the seq
 * in each (a replayed message: its channel's only). The data is the id.
 */
export function message(id: string, positions: Record<string, number>, epoch = 'e1') {
  const [channel] = Object.keys(positions);
  return { type: 'message', id, channel, seq: positions[channel], epoch, positions, data: id };
}

/** The resume frames a socket was sent, without their ref: `{ channel, since, epoch }`. */
export const resumes = (socket: FakeSocket) =>
  sentFrames(socket).filter((frame) => frame.action === 'resume').map(({ channel, since, epoch }) => ({ channel, since, epoch }));

/** The ref of the last frame of `action` a socket was sent. */
export const refOf = (socket: FakeSocket, action: string) => sentFrames(socket).filter((frame) => frame.action === action).pop()?.ref;

/**
 * An open client subscribed to history channels: each answered `subscribed` with its `seq` (the channel's last) and
 * epoch `e1`, in order (refs wp1, wp2, …). Records the `reset` events.
 */
export async function subscribedTo(channels: Record<string, number> = { 'room/1': 10 }, overrides: Partial<ClientOptions> = {}) {
  const fixture = await open(overrides);
  const resets: ResetEvent[] = [];
  fixture.client.on('reset', (reset) => resets.push(reset));
  for (const [channel, seq] of Object.entries(channels)) {
    const subscribed = fixture.client.subscribe(channel);
    fixture.socket.push({ type: 'subscribed', channel, seq, epoch: 'e1', ref: refOf(fixture.socket, 'subscribe') });
    await subscribed;
  }
  return { ...fixture, resets };
}
