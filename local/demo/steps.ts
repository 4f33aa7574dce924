import type { Step } from './run-step';
import type { RecordingClient } from '../client/recording-client';
import type { LocalSystem } from '../system/local-system';

/** The demo's clients by user; `vanishing` is the connection that drops without `$disconnect` in step 4. */
export interface DemoUsers {
  readonly alice: RecordingClient[];
  readonly bob: RecordingClient[];
  readonly carol: RecordingClient[];
  readonly dave: RecordingClient[];
  readonly vanishing: RecordingClient;
}

/** The requests the demo sends, each with who must receive it, what it must prune or close, and its outcome. */
export function demoSteps(system: LocalSystem, { alice, bob, carol, dave, vanishing }: DemoUsers): Step[] {
  return [
    {
      title: '1. Multicast to alice and bob',
      via: 'SQS',
      request: { data: { type: 'chat', from: 'carol', text: 'lunch at noon?' }, users: ['alice', 'bob', 'alice'] },
      receivers: () => [...alice, ...bob],
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '2. Broadcast (the seed format: "users": null)',
      via: 'SNS',
      request: { data: { type: 'announcement', text: 'deploy at 17:00' }, users: null },
      receivers: () => system.clients,
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '3. Broadcast excluding a user and the sender\'s own socket',
      via: 'SQS',
      request: { data: { type: 'presence', user: 'bob', status: 'online' }, exclude_users: ['bob'], exclude_connections: [alice[0].connectionId] },
      receivers: () => [alice[1], ...carol, ...dave],
      pruned: () => [],
      outcome: 'delivered',
    },
    {
      title: '4. Multicast to dave, one of whose connections vanished without $disconnect',
      via: 'SQS',
      request: { data: { type: 'chat', from: 'alice', text: 'are you there?' }, users: ['dave'] },
      before: async () => {
        await system.makeStale(vanishing);
        return `dave's connection ${vanishing.connectionId} dropped; its row stays in the table (a stale row)`;
      },
      receivers: () => [dave[0], dave[1]],
      pruned: () => [{ userId: 'dave', connectionId: vanishing.connectionId }],
      outcome: 'delivered',
    },
    {
      title: '5. An invalid request (no "data"): reported, not retried, nothing sent',
      via: 'SQS',
      request: { users: ['alice'], text: 'where is data?' },
      receivers: () => [],
      pruned: () => [],
      outcome: 'invalid',
    },
    {
      title: '6. Disconnect carol: a last message, then her socket is closed and her row deleted',
      via: 'SQS',
      request: { action: 'disconnect', users: ['carol'], data: { type: 'session', text: 'signed out elsewhere' } },
      receivers: () => carol,
      pruned: () => carol.map((c) => ({ userId: 'carol', connectionId: c.connectionId })),
      closed: () => carol,
      outcome: 'delivered',
    },
  ];
}

/**
 * Step 7: a request to the lobby, all but the sender's own socket. `subscribers` are the lobby's (step 7's receivers
 * but the sender); every receiver's envelope names the channel.
 */
export function roomStep(sender: RecordingClient, subscribers: readonly RecordingClient[], channel: string): Step {
  return {
    title: `7. To everyone in ${channel} but the sender's own socket`,
    via: 'SQS',
    request: { channels: [channel], exclude_connections: [sender.connectionId], data: { type: 'chat', from: sender.userId, text: 'hello, lobby' } },
    receivers: () => subscribers.filter((c) => c !== sender),
    pruned: () => [],
    outcome: 'delivered',
    channel,
  };
}
