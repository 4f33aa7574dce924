/**
 * One client frame, from API Gateway's MESSAGE event to the reply and the report: parse, judge (rules, then the hook),
 * store. Client mistakes and refusals are replies, never throws; a failing table or hook is `UNAVAILABLE`; a forbidden
 * subscribe deletes the connection's subscription to the channel, if it had one.
 */
import { announce, LifecycleEventError } from './channel-events';
import { historyAnswer, ReplayFailed, type ChannelHistoryDeps } from './channel-history';
import { joined, members, unsubscribed } from './channel-presence';
import type { ChannelsConfig } from './config';
import { parseFrame, type Frame } from './frame';
import { describeSource, identityOf, type MessageRequestContext } from './identity';
import type { AccessHook, HookVerdict, SubscriptionStore } from './ports';
import { doneReply, errorReply, MESSAGES, type ChannelErrorCode, type Echo, type Reply } from './reply';
import type { FrameReport } from './report';
import { channelKey, ruleFor, shardOf, type ChannelIdentity, type ChannelRuleSpec } from '../../../src/shared/channels';
import { historyRetention } from '../../../src/shared/history';
import type { MemberDeps } from '../../channel-presence/core/members';
import type { EventPublisher } from '../../connection-stream/core/ports';

/** The parts of API Gateway's WebSocket MESSAGE event this function reads. */
export interface MessageEvent {
  readonly body?: unknown;
  readonly isBase64Encoded?: unknown;
  readonly requestContext?: MessageRequestContext;
}

export interface FrameDeps {
  readonly config: ChannelsConfig;
  readonly store: SubscriptionStore;
  readonly hook: AccessHook;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Channel presence, when a rule turns it on. */
  readonly members?: MemberDeps;
  /** `Subscribed` / `Unsubscribed` go on the bus (lifecycle events on). */
  readonly events?: EventPublisher;
  /** History, when a rule keeps it: positions, and the replay of a `resume`. */
  readonly history?: ChannelHistoryDeps;
}

export interface FrameResult {
  readonly reply: Reply;
  readonly report: FrameReport;
}

type ReportFields = Omit<FrameReport, 'connectionId' | 'routeKey' | 'durationMs'>;

interface Outcome {
  readonly reply: Reply;
  readonly fields: ReportFields;
}

/** The frame as it stands, for the request's steps. */
interface Subscribe {
  readonly frame: Frame;
  readonly connectionId: string;
  readonly requestContext: MessageRequestContext;
  readonly deps: FrameDeps;
}

function refused(echo: Echo, code: ChannelErrorCode, message: string, extra: Partial<ReportFields> = {}): Outcome {
  return { reply: errorReply(echo, code, message), fields: { ...echo, ...extra, outcome: 'refused', code } };
}

function done(frame: Frame & { readonly action: 'subscribe' | 'unsubscribe' }, extra: Partial<ReportFields> = {}): Outcome {
  const outcome = frame.action === 'subscribe' ? 'subscribed' : 'unsubscribed';
  return { reply: doneReply(frame.action, frame.channel, frame.ref), fields: { ...frame, ...extra, outcome } };
}

/** What names a frame's presence change (the pusher's work item): API Gateway's id of the message. */
function changeId(requestContext: MessageRequestContext, connectionId: string, now: number): string {
  return typeof requestContext.requestId === 'string' && requestContext.requestId !== '' ? requestContext.requestId : `${connectionId}:${now}`;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Answers one frame. Throws only when the event is not a WebSocket message (no connection id): not a client's doing. */
export async function handleFrame(event: MessageEvent, deps: FrameDeps): Promise<FrameResult> {
  const started = deps.now();
  const requestContext = event.requestContext ?? {};
  const connectionId = requestContext.connectionId;
  if (typeof connectionId !== 'string' || connectionId === '') {
    throw new Error('not an API Gateway WebSocket message event: requestContext.connectionId is missing');
  }
  const parsed = parseFrame(event.body, event.isBase64Encoded === true);
  let outcome: Outcome;
  if (!parsed.ok) {
    outcome = refused(parsed.problem.echo, parsed.problem.code, parsed.problem.message, { reason: parsed.problem.message });
  } else if (parsed.frame.action === 'unsubscribe') {
    const identity = identityOf(requestContext, deps.config.userIdSource);
    outcome = await unsubscribe(parsed.frame, { connectionId, identity, id: changeId(requestContext, connectionId, started) }, deps);
  } else {
    outcome = await subscribe({ frame: parsed.frame, connectionId, requestContext, deps });
  }
  const routeKey = typeof requestContext.routeKey === 'string' ? { routeKey: requestContext.routeKey } : {};
  return { reply: outcome.reply, report: { connectionId, ...routeKey, ...outcome.fields, durationMs: deps.now() - started } };
}

/** A `subscribe`, or a `presence` (judged the same way). */
async function subscribe(request: Subscribe): Promise<Outcome> {
  const { frame, requestContext, deps } = request;
  const identity = identityOf(requestContext, deps.config.userIdSource);
  const judged = identity === undefined
    ? { refusal: refused(frame, 'FORBIDDEN', MESSAGES.FORBIDDEN, { reason: `the connection has no user id in ${describeSource(deps.config.userIdSource)}` }) }
    : await judge(request, identity);
  if ('rule' in judged) return frame.action === 'presence' ? presence(request, identity!.userId) : withHistory(request, await store(request, identity!.userId, judged.rule));
  return judged.refusal.fields.code === 'FORBIDDEN' && frame.action !== 'presence' ? revoke(request, judged.refusal) : judged.refusal;
}

/**
 * `undefined` when the subscribe is allowed; otherwise the refusal. A hook's "no" is `FORBIDDEN`; a hook that could not
 * be asked, failed, or answered no decision is `UNAVAILABLE` (`hookFailed`): the client tries again.
 */
async function judge({ frame, connectionId, deps }: Subscribe, identity: ChannelIdentity): Promise<{ refusal: Outcome } | { rule: ChannelRuleSpec }> {
  const userId = identity.userId;
  const rule = ruleFor(deps.config.rules, frame.channel, identity);
  if (rule === undefined) return { refusal: refused(frame, 'FORBIDDEN', MESSAGES.FORBIDDEN, { userId, reason: 'no rule matches the channel' }) };
  if (frame.action === 'presence' && rule.presence !== true) {
    return { refusal: refused(frame, 'NOT_ENABLED', MESSAGES.NOT_ENABLED, { userId, rule: rule.pattern, reason: 'the rule does not turn presence on' }) };
  }
  if (frame.action === 'resume' && historyRetention(deps.config.rules, frame.channel) === undefined) {
    return { refusal: refused(frame, 'NOT_ENABLED', MESSAGES.HISTORY_NOT_ENABLED, { userId, rule: rule.pattern, reason: 'the channel has no history' }) };
  }
  const refusal = await hookRefusal({ frame, connectionId, deps } as Subscribe, identity, rule);
  return refusal ? { refusal } : { rule };
}

/** A hook rule's refusal, if it refuses (or fails). */
async function hookRefusal({ frame, connectionId, deps }: Subscribe, identity: ChannelIdentity, rule: ChannelRuleSpec): Promise<Outcome | undefined> {
  const userId = identity.userId;
  if (rule.kind === 'allow') return undefined;
  const type = frame.action === 'presence' ? 'presence' : 'subscribe';
  const event = { type, channel: frame.channel, userId, connectionId, context: identity.context } as const;
  const fields = { userId, rule: rule.pattern };
  let verdict: HookVerdict;
  try {
    verdict = await deps.hook.ask(rule.hook!, event);
  } catch (e) {
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { ...fields, hookFailed: true, reason: `the hook could not be invoked: ${errorText(e)}` });
  }
  if (verdict.verdict === 'allow') return undefined;
  if (verdict.verdict === 'deny') return refused(frame, 'FORBIDDEN', MESSAGES.FORBIDDEN, { ...fields, reason: verdict.reason });
  return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { ...fields, hookFailed: true, reason: verdict.reason });
}

/**
 * A forbidden subscribe leaves the connection without that channel: a repeat subscribe after the application revoked
 * access (or a deploy changed the rules) deletes the subscription it had, so the access does not outlive the "no". The
 * row is read first (a consistent read) and deleted only when there, so that refusals cost no write. When the table
 * cannot be read or written, the answer is `UNAVAILABLE`, not `FORBIDDEN`: the row may still be there, and the client's
 * retry deletes it.
 */
async function revoke({ frame, connectionId, requestContext, deps }: Subscribe, refusal: Outcome): Promise<Outcome> {
  const key = keyOf(frame.channel, connectionId, deps.config.shards);
  let step = 'DynamoDB';
  try {
    if (!(await deps.store.exists(key))) return refusal;
    const id = changeId(requestContext, connectionId, deps.now());
    if (refusal.fields.userId !== undefined) {
      await announce(deps.events, 'Unsubscribed', { channel: frame.channel, userId: refusal.fields.userId, connectionId }, () => id, deps.now);
    }
    const deleted = await deps.store.delete(key);
    step = 'channel presence';
    const change = await unsubscribed(deps.members, frame.channel, deleted, id);
    const event = deps.events && refusal.fields.userId !== undefined ? { event: 'Unsubscribed' as const } : {};
    return { reply: refusal.reply, fields: { ...refusal.fields, revoked: true, ...event, ...(change ? { presence: change } : {}) } };
  } catch (e) {
    const { userId, rule, reason } = refusal.fields;
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, {
      ...(userId === undefined ? {} : { userId }),
      ...(rule === undefined ? {} : { rule }),
      reason: `forbidden (${reason}), but a subscription it may have could not be deleted: ${step}: ${errorText(e)}`,
    });
  }
}

/** The row's key: the channel's shard chosen by the connection id, so that a subscribe and its unsubscribe agree. */
function keyOf(channel: string, connectionId: string, shards: number) {
  return { channelKey: channelKey(channel, shardOf(connectionId, shards)), connectionId };
}

/** Rows live as long as their connection: `connectedAt` (epoch ms) + the connection TTL, in epoch seconds. */
function expiresAt(connectedAt: unknown, ttlSeconds: number, now: () => number): number {
  const since = typeof connectedAt === 'number' && Number.isFinite(connectedAt) ? connectedAt : now();
  return Math.floor(since / 1000) + ttlSeconds;
}

/** Writes the row (a subscription to a presence channel says so), then, on a presence channel, joins the user. */
async function store(request: Subscribe, userId: string, rule: ChannelRuleSpec): Promise<Outcome> {
  const { frame, connectionId, requestContext, deps } = request;
  let stored: Outcome;
  try {
    stored = await storeRow(request, userId, rule.presence === true);
  } catch (e) {
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { userId, reason: e instanceof LifecycleEventError ? e.message : `DynamoDB: ${errorText(e)}` });
  }
  if (rule.presence !== true || stored.fields.outcome === 'refused') return stored;
  try {
    const id = changeId(requestContext, connectionId, deps.now());
    const connectionExpiry = expiresAt(requestContext.connectedAt, deps.config.connectionTtlSeconds, deps.now);
    const change = await joined(deps.members, frame.channel, userId, { id, expiresAt: connectionExpiry });
    return { reply: stored.reply, fields: { ...stored.fields, presence: change } };
  } catch (e) {
    // The row is written: the client's retry joins again (a joined member is not joined twice).
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { userId, reason: `channel presence: ${errorText(e)}` });
  }
}

async function storeRow({ frame, connectionId, requestContext, deps }: Subscribe, userId: string, onPresence: boolean): Promise<Outcome> {
  const { config, store: table } = deps;
  const key = keyOf(frame.channel, connectionId, config.shards);
  const expiry = expiresAt(requestContext.connectedAt, config.connectionTtlSeconds, deps.now);
  const row = { ...key, channel: frame.channel, userId, expiresAt: expiry, ...(onPresence ? { presence: true } : {}) };
  // A repeat subscribe is not counted against the limit (a connection at its limit can repeat one), but it is still
  // written: an unsubscribe of the same channel racing it (frames of one connection run concurrently) may delete
  // the row between the check and the answer, and "subscribed" must then still be true.
  if (await table.exists(key)) {
    await table.put(row);
    return done(subscribeFrame(frame), { userId, existing: true });
  }
  // Count, then put: not atomic. Subscribes of one connection in flight at the same time may each see room for one
  // more, and together exceed the limit by the number in flight. Acceptable: a connection's frames come from one
  // client, which sees the overshoot only by not waiting for its replies, and by at most the frames it has in flight;
  // the limit bounds the rows a connection costs (and its cleanup), it is not a billing quota; an exact limit needs a
  // counter item written in the same TransactWriteItems as the row, which dynalite (the local stack's DynamoDB) lacks.
  const count = await table.countForConnection(connectionId, config.maxSubscriptions);
  if (count >= config.maxSubscriptions) {
    return refused(frame, 'TOO_MANY_SUBSCRIPTIONS', MESSAGES.TOO_MANY_SUBSCRIPTIONS(config.maxSubscriptions), { userId, reason: `${count} subscriptions` });
  }
  const id = () => changeId(requestContext, connectionId, deps.now());
  const announced = await announce(deps.events, 'Subscribed', { channel: frame.channel, userId, connectionId }, id, deps.now);
  await table.put(row);
  return done(subscribeFrame(frame), { userId, ...announced });
}

const subscribeFrame = (frame: Frame) => ({ ...frame, action: 'subscribe' as const });

/** On a history channel, once stored: the history answer (`channel-history.ts`); a failure is `UNAVAILABLE`. */
async function withHistory({ frame, connectionId, deps }: Subscribe, stored: Outcome): Promise<Outcome> {
  const retention = historyRetention(deps.config.rules, frame.channel);
  if (retention === undefined || stored.fields.outcome === 'refused') return stored;
  try {
    const answer = await historyAnswer(deps.history, frame, connectionId, retention, deps.now);
    return { reply: answer.reply, fields: { ...stored.fields, ...answer.fields } };
  } catch (e) {
    const { userId } = stored.fields;
    const replayed = e instanceof ReplayFailed ? { replayed: e.replayed } : {};
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { ...(userId === undefined ? {} : { userId }), ...replayed, reason: `history: ${errorText(e)}` });
  }
}

/** The `presence` answer: the members, if the connection is subscribed. */
async function presence({ frame, connectionId, deps }: Subscribe, userId: string): Promise<Outcome> {
  let step = 'DynamoDB';
  try {
    const subscribed = await deps.store.exists(keyOf(frame.channel, connectionId, deps.config.shards));
    step = 'channel presence';
    return await members(deps.members, frame, userId, subscribed);
  } catch (e) {
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { userId, reason: `${step}: ${errorText(e)}` });
  }
}

/**
 * Deletes the row whether or not it exists: unsubscribing from a channel the connection is not in is not an error. With
 * lifecycle events, the row is read first: `Unsubscribed` is put only for a subscription that was there, before it goes.
 */
async function unsubscribe(
  frame: Frame, who: { readonly connectionId: string; readonly identity?: ChannelIdentity; readonly id: string }, deps: FrameDeps,
): Promise<Outcome> {
  const { connectionId, identity, id } = who;
  const userId = identity?.userId;
  const key = keyOf(frame.channel, connectionId, deps.config.shards);
  let step = 'DynamoDB';
  try {
    let announced = {};
    if (deps.events && userId !== undefined && await deps.store.exists(key)) {
      announced = await announce(deps.events, 'Unsubscribed', { channel: frame.channel, userId, connectionId }, () => id, deps.now);
    }
    const deleted = await deps.store.delete(key);
    step = 'channel presence';
    // No row: a retry after a failed leave (the row went, the member did not) leaves again on a presence rule's
    // channel; leaveNow leaves only when no connection of the user is still subscribed.
    const retried = deleted === undefined && identity && ruleFor(deps.config.rules, frame.channel, identity)?.presence === true
      ? { userId: identity.userId, presence: true } : deleted;
    const change = await unsubscribed(deps.members, frame.channel, retried, id);
    return done({ ...frame, action: 'unsubscribe' }, {
      ...(deleted?.userId === undefined ? {} : { userId: deleted.userId }), ...announced, ...(change === undefined ? {} : { presence: change }),
    });
  } catch (e) {
    // The row is deleted: the client's retry leaves again (a member already gone is not left twice).
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { reason: e instanceof LifecycleEventError ? e.message : `${step}: ${errorText(e)}` });
  }
}
