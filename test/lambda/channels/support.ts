import type { MemberDeps } from '../../../lambda/channel-presence/core/members';
import type { ChannelsConfig } from '../../../lambda/channels/core/config';
import type { FrameDeps, MessageEvent } from '../../../lambda/channels/core/handle-frame';
import type { AccessHook, HookEvent, HookVerdict, Subscription, DeletedSubscription, SubscriptionKey, SubscriptionStore } from '../../../lambda/channels/core/ports';
import type { ChannelRuleSpec } from '../../../src/shared/channels';
import { FakeFrames, FakeMemberStore } from '../channel-presence/fakes';

export const CONNECTED_AT = 1_767_225_600_123;
export const HOOK_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:room-access';

/** API Gateway's WebSocket MESSAGE event for one frame, as the channels routes receive it. */
export function messageEvent(body: unknown, options: {
  connectionId?: string;
  routeKey?: string;
  authorizer?: Record<string, unknown> | null;
  userArn?: string;
  connectedAt?: number;
  isBase64Encoded?: boolean;
  /** API Gateway's id of the message. */
  requestId?: string;
} = {}): MessageEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const action = typeof body === 'object' && body !== null ? (body as { action?: unknown }).action : undefined;
  return {
    body: text,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      routeKey: options.routeKey ?? (action === 'subscribe' || action === 'unsubscribe' ? action : '$default'),
      connectionId: options.connectionId ?? 'conn-1',
      connectedAt: options.connectedAt ?? CONNECTED_AT,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      authorizer: options.authorizer === undefined ? { principalId: 'u1', tenant: 'acme', integrationLatency: 12 } : options.authorizer,
      identity: { userArn: options.userArn },
    },
  };
}

/** The subscriptions table in memory, recording its calls; `failing` makes every call reject. */
export class MemoryStore implements SubscriptionStore {
  readonly rows = new Map<string, Subscription>();
  readonly calls: string[] = [];
  failing?: Error;

  async exists(key: SubscriptionKey): Promise<boolean> {
    this.record('exists');
    return this.rows.has(id(key));
  }

  async countForConnection(connectionId: string, atMost: number): Promise<number> {
    this.record('count');
    return Math.min(atMost, [...this.rows.values()].filter((r) => r.connectionId === connectionId).length);
  }

  async put(subscription: Subscription): Promise<void> {
    this.record('put');
    this.rows.set(id(subscription), subscription);
  }

  async delete(key: SubscriptionKey): Promise<DeletedSubscription | undefined> {
    this.record('delete');
    const row = this.rows.get(id(key));
    this.rows.delete(id(key));
    return row === undefined ? undefined : { userId: row.userId, presence: row.presence === true };
  }

  private record(call: string): void {
    this.calls.push(call);
    if (this.failing) throw this.failing;
  }
}

const id = (key: SubscriptionKey) => `${key.channelKey}|${key.connectionId}`;

/** A hook answering what it is told (or rejecting), recording what it was asked. */
export class ScriptedHook implements AccessHook {
  readonly asked: Array<{ functionArn: string; event: HookEvent }> = [];
  constructor(public answer: HookVerdict | Error = { verdict: 'allow' }) {}

  async ask(functionArn: string, event: HookEvent): Promise<HookVerdict> {
    this.asked.push({ functionArn, event: JSON.parse(JSON.stringify(event)) });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

export function testConfig(overrides: Partial<ChannelsConfig> = {}): ChannelsConfig {
  const rules: ChannelRuleSpec[] = [
    { pattern: 'public/*', kind: 'allow' },
    { pattern: 'inbox/{userId}', kind: 'allow' },
    { pattern: 'tenant/{context.tenant}/*', kind: 'allow' },
    { pattern: 'room/*', kind: 'hook', hook: HOOK_ARN },
  ];
  return {
    tableName: 'subscriptions',
    shards: 4,
    rules,
    maxSubscriptions: 3,
    userIdSource: { kind: 'authorizer', key: 'principalId' },
    connectionTtlSeconds: 7_200,
    ...overrides,
  };
}

export function testDeps(overrides: Partial<FrameDeps> = {}): FrameDeps & { store: MemoryStore; hook: ScriptedHook } {
  let clock = 1_000;
  return {
    config: testConfig(),
    store: new MemoryStore(),
    hook: new ScriptedHook(),
    now: () => (clock += 5),
    ...overrides,
  } as FrameDeps & { store: MemoryStore; hook: ScriptedHook };
}

/** Presence rules: an allow rule and a hook rule turning presence on (the plain rules of {@link testConfig} after them). */
export const PRESENCE_RULES: ChannelRuleSpec[] = [
  { pattern: 'lobby/*', kind: 'allow', presence: true },
  { pattern: 'vip/*', kind: 'hook', hook: HOOK_ARN, presence: true },
  ...testConfig().rules,
];

/**
 * Channel presence's ports for the channels function: the members and frames in memory, a user's subscribed
 * connections read from `store`'s rows (as the adapter reads the subscriptions table; every connection live).
 */
export function memberDeps(store: MemoryStore) {
  const members = new FakeMemberStore();
  const frames = new FakeFrames();
  const subscribed = {
    async anySubscribed(channel: string, userId: string, options: { readonly excluding?: string }): Promise<boolean> {
      return [...store.rows.values()].some((r) => r.channel === channel && r.userId === userId && r.connectionId !== options.excluding);
    },
  };
  const deps: MemberDeps = { members, subscribed, frames, now: () => 1_700_000_000_000 };
  return { members, frames, deps };
}
