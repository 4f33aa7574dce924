import { Duration } from 'aws-cdk-lib';
import type { EventBridgeEvent } from 'aws-lambda';
import { synthesizeChannelsApp } from './channels-app';
import { until, useLocalSystem, type UseLocalSystemOptions } from './support';
import type { LocalAuthorizer } from '../../local/api-gateway/routes/authorizers';
import type { RecordingClient } from '../../local/client/recording-client';
import { ChannelRule } from '../../src';

// A disconnect request leaves its connections' presence channels at once, as an unsubscribe does; a drop leaves them
// after the grace period. On the local stack running the synthesized app (enableDisconnect, a presence rule, a grace
// period of five minutes so that "at once" and "after the grace period" cannot be mistaken for each other): the pusher
// marks the row before it closes the connection, and the connection stream function reads the mark in the REMOVE.

const GRACE_SECONDS = 300;

/** `?token=<user id>` is believed. */
const authorizer: LocalAuthorizer = ({ query }) => (query.token ? { principalId: query.token } : undefined);

let synthesized: ReturnType<typeof synthesizeChannelsApp> | undefined;
function options(): UseLocalSystemOptions {
  synthesized ??= synthesizeChannelsApp({
    props: {
      enableDisconnect: true,
      channels: { rules: [ChannelRule.allow('room/*', { presence: true })] },
      lifecycleEvents: { offlineGracePeriod: Duration.seconds(GRACE_SECONDS) },
    },
  });
  return { ...synthesized, authorizer, handler: false, queues: true, onEvent: (delivery) => events.push(delivery.event) };
}

const events: Array<EventBridgeEvent<string, any>> = [];
const local = useLocalSystem(options());
const open = (user: string) => local.system.open(user, { query: { token: user } });

/** Sends a frame with a fresh `ref` and resolves with the reply carrying it (presence frames may arrive in between). */
const ask = (client: RecordingClient, frame: object, timeoutMs?: number): Promise<any> => client.ask(frame, timeoutMs);

const presenceOf = (client: RecordingClient) => client.messages.map((m) => JSON.parse(m))
  .filter((m) => m.type === 'presence').map((m) => `${m.event} ${m.user}`);
const disconnected = (client: RecordingClient) => events.some((e) => e['detail-type'] === 'Disconnected' && e.detail.connectionId === client.connectionId);

test('a disconnect request: its user leaves at once (a leave frame, no longer listed); a drop: still listed, no leave, within the grace period', async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  const carol = await open('carol');
  for (const client of [alice, bob, carol]) expect(await ask(client, { action: 'subscribe', channel: 'room/1' })).toMatchObject({ type: 'subscribed' });
  await until(() => presenceOf(alice).length === 2, 'alice hearing bob and carol join', 60_000);

  // WHEN a backend asks to disconnect bob
  await local.system.sendToQueue({ action: 'disconnect', users: ['bob'] });
  // THEN alice hears bob leave, long before a grace period of five minutes, and he is not listed
  await until(() => presenceOf(alice).includes('leave bob'), 'alice hearing bob leave', 60_000);
  expect(await ask(alice, { action: 'presence', channel: 'room/1' })).toMatchObject({ users: ['alice', 'carol'], count: 2 });

  // WHEN carol's connection drops (no request)
  await local.system.disconnect(carol);
  await until(() => disconnected(carol), 'carol\'s Disconnected', 60_000);
  // THEN her departure is pending for the grace period: listed, no leave
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await ask(alice, { action: 'presence', channel: 'room/1' })).toMatchObject({ users: ['alice', 'carol'], count: 2 });
  expect(presenceOf(alice)).toEqual(['join bob', 'join carol', 'leave bob']);
}, 180_000);
