import type { MemberDeps } from '../../../lambda/channel-presence/core/members';
import type { MemberCheckQueue, MemberFrame, MemberRow, MemberStore, PresenceFrames, SubscribedConnections } from '../../../lambda/channel-presence/core/ports';
import type { PresenceCheck } from '../../../src/shared/presence';

/** Every port's effects, in order, shared by the fakes of one world (`frame join alice`, `write alice joined`, …). */
export type Log = string[];

const rowText = (row: MemberRow) => `${row.state}${row.token === undefined ? '' : `:${row.token}`}`;

/** The presence table's member rows in memory, with DynamoDB's conditional write (state, version and token must match). */
export class FakeMemberStore implements MemberStore {
  readonly rows = new Map<string, MemberRow>();
  /** Runs before each replace's condition is evaluated: a test changes the row there to make it conflict. */
  beforeReplace?: () => void | Promise<void>;
  /** Awaited at the start of each read and write: a test interleaves concurrent steps there. */
  jitter?: () => Promise<void>;
  fail?: Error;
  constructor(private readonly log: Log = []) {}

  set(channel: string, userId: string, row: MemberRow | undefined): void {
    if (row === undefined) this.rows.delete(`${channel}|${userId}`);
    else this.rows.set(`${channel}|${userId}`, row);
  }

  row(channel: string, userId: string): MemberRow | undefined {
    return this.rows.get(`${channel}|${userId}`);
  }

  async get(channel: string, userId: string): Promise<MemberRow | undefined> {
    await this.jitter?.();
    if (this.fail) throw this.fail;
    return this.row(channel, userId);
  }

  async replace(channel: string, userId: string, next: MemberRow, expected: MemberRow | undefined): Promise<boolean> {
    await this.jitter?.();
    if (this.fail) throw this.fail;
    await this.beforeReplace?.();
    const current = this.row(channel, userId);
    const same = expected === undefined ? current === undefined
      : current !== undefined && current.state === expected.state && current.version === expected.version && current.token === expected.token;
    if (!same) {
      this.log.push(`conflict ${userId}`);
      return false;
    }
    this.set(channel, userId, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) as unknown as MemberRow);
    this.log.push(`write ${userId} ${rowText(next)}`);
    return true;
  }

  async list(channel: string, atMost: number, nowSeconds: number): Promise<{ users: string[]; count: number }> {
    if (this.fail) throw this.fail;
    const users = [...this.rows.entries()]
      .filter(([k, row]) => k.startsWith(`${channel}|`) && row.state !== 'left' && (row.expiresAt === undefined || row.expiresAt > nowSeconds))
      .map(([k]) => k.slice(channel.length + 1)).sort();
    return { users: users.slice(0, atMost), count: users.length };
  }
}

/** Subscription rows of the users' connections, each with its connection row's TTL (epoch seconds; none: never expires). */
export class FakeSubscribed implements SubscribedConnections {
  readonly subscriptions: Array<{ channel: string; userId: string; connectionId: string; expiresAt?: number }> = [];
  readonly asked: Array<{ channel: string; userId: string; excluding?: string; nowSeconds: number }> = [];
  jitter?: () => Promise<void>;

  /** A subscription row (one per channel and connection: a repeat replaces it). */
  add(channel: string, userId: string, connectionId: string, expiresAt?: number): void {
    this.remove(channel, userId, connectionId);
    this.subscriptions.push({ channel, userId, connectionId, ...(expiresAt === undefined ? {} : { expiresAt }) });
  }

  remove(channel: string, userId: string, connectionId: string): void {
    const at = this.subscriptions.findIndex((s) => s.channel === channel && s.userId === userId && s.connectionId === connectionId);
    if (at >= 0) this.subscriptions.splice(at, 1);
  }

  async anySubscribed(channel: string, userId: string, options: { readonly excluding?: string; readonly nowSeconds: number }): Promise<boolean> {
    await this.jitter?.();
    this.asked.push({ channel, userId, ...options });
    return this.subscriptions.some((s) => s.channel === channel && s.userId === userId && s.connectionId !== options.excluding
      && (s.expiresAt === undefined || s.expiresAt > options.nowSeconds));
  }
}

/** The frames handed to the pusher; `fail` refuses them (the work queue unavailable). */
export class FakeFrames implements PresenceFrames {
  readonly sent: MemberFrame[] = [];
  fail?: Error;
  constructor(private readonly log: Log = []) {}

  async send(frame: MemberFrame): Promise<void> {
    if (this.fail) throw this.fail;
    this.sent.push(frame);
    this.log.push(`frame ${frame.event} ${frame.userId}`);
  }
}

/** The delayed check queue in memory. */
export class FakeMemberChecks implements MemberCheckQueue {
  readonly sent: Array<{ check: PresenceCheck; delaySeconds: number }> = [];
  fail?: Error;
  constructor(private readonly log: Log = []) {}

  async send(check: PresenceCheck, delaySeconds: number): Promise<void> {
    if (this.fail) throw this.fail;
    this.sent.push({ check, delaySeconds });
    this.log.push(`check ${check.userId} ${check.token}`);
  }
}

export const NOW_MS = 1_700_000_000_500;

/** The members' ports in memory, sharing one log, the clock at {@link NOW_MS}. */
export function memberWorld(graceSeconds = 30) {
  const log: Log = [];
  const members = new FakeMemberStore(log);
  const subscribed = new FakeSubscribed();
  const frames = new FakeFrames(log);
  const checks = new FakeMemberChecks(log);
  const deps: MemberDeps & { checks: FakeMemberChecks; graceSeconds: number } = {
    members, subscribed, frames, checks, graceSeconds, now: () => NOW_MS,
  };
  return { log, members, subscribed, frames, checks, deps };
}
