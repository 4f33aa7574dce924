/**
 * One client frame, from API Gateway's MESSAGE event to the reply and the report: parse, judge (rules, then the hook),
 * store. Client mistakes and refusals are replies, never throws; a failing table or hook is `UNAVAILABLE`; a forbidden
 * subscribe deletes the connection's subscription to the channel, if it had one.
 */
import type { ChannelsConfig } from './config';
import { parseFrame, type Frame } from './frame';
import { describeSource, identityOf, type MessageRequestContext } from './identity';
import type { AccessHook, HookVerdict, SubscriptionStore } from './ports';
import { doneReply, errorReply, MESSAGES, type ChannelErrorCode, type Echo, type Reply } from './reply';
import type { FrameReport } from './report';
import { channelKey, ruleFor, shardOf, type ChannelIdentity } from '../../../src/shared/channels';

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

function done(frame: Frame, extra: Partial<ReportFields> = {}): Outcome {
  const outcome = frame.action === 'subscribe' ? 'subscribed' : 'unsubscribed';
  return { reply: doneReply(frame.action, frame.channel, frame.ref), fields: { ...frame, ...extra, outcome } };
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
  } else if (parsed.frame.action === 'subscribe') {
    outcome = await subscribe({ frame: parsed.frame, connectionId, requestContext, deps });
  } else {
    outcome = await unsubscribe(parsed.frame, connectionId, deps);
  }
  const routeKey = typeof requestContext.routeKey === 'string' ? { routeKey: requestContext.routeKey } : {};
  return { reply: outcome.reply, report: { connectionId, ...routeKey, ...outcome.fields, durationMs: deps.now() - started } };
}

async function subscribe(request: Subscribe): Promise<Outcome> {
  const { frame, requestContext, deps } = request;
  const identity = identityOf(requestContext, deps.config.userIdSource);
  const refusal = identity === undefined
    ? refused(frame, 'FORBIDDEN', MESSAGES.FORBIDDEN, { reason: `the connection has no user id in ${describeSource(deps.config.userIdSource)}` })
    : await judge(request, identity);
  if (refusal === undefined) return store(request, identity!.userId);
  return refusal.fields.code === 'FORBIDDEN' ? revoke(request, refusal) : refusal;
}

/**
 * `undefined` when the subscribe is allowed; otherwise the refusal. A hook's "no" is `FORBIDDEN`; a hook that could not
 * be asked, failed, or answered no decision is `UNAVAILABLE` (`hookFailed`): the client tries again.
 */
async function judge({ frame, connectionId, deps }: Subscribe, identity: ChannelIdentity): Promise<Outcome | undefined> {
  const userId = identity.userId;
  const rule = ruleFor(deps.config.rules, frame.channel, identity);
  if (rule === undefined) return refused(frame, 'FORBIDDEN', MESSAGES.FORBIDDEN, { userId, reason: 'no rule matches the channel' });
  if (rule.kind === 'allow') return undefined;
  const event = { type: 'subscribe', channel: frame.channel, userId, connectionId, context: identity.context } as const;
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
async function revoke({ frame, connectionId, deps }: Subscribe, refusal: Outcome): Promise<Outcome> {
  const key = keyOf(frame.channel, connectionId, deps.config.shards);
  try {
    if (!(await deps.store.exists(key))) return refusal;
    await deps.store.delete(key);
    return { reply: refusal.reply, fields: { ...refusal.fields, revoked: true } };
  } catch (e) {
    const { userId, rule, reason } = refusal.fields;
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, {
      ...(userId === undefined ? {} : { userId }),
      ...(rule === undefined ? {} : { rule }),
      reason: `forbidden (${reason}), but a subscription it may have could not be deleted: DynamoDB: ${errorText(e)}`,
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

async function store({ frame, connectionId, requestContext, deps }: Subscribe, userId: string): Promise<Outcome> {
  const { config, store: table } = deps;
  const key = keyOf(frame.channel, connectionId, config.shards);
  try {
    const row = { ...key, channel: frame.channel, userId, expiresAt: expiresAt(requestContext.connectedAt, config.connectionTtlSeconds, deps.now) };
    // A repeat subscribe is not counted against the limit (a connection at its limit can repeat one), but it is still
    // written: an unsubscribe of the same channel racing it (frames of one connection run concurrently) may delete
    // the row between the check and the answer, and "subscribed" must then still be true.
    if (await table.exists(key)) {
      await table.put(row);
      return done(frame, { userId, existing: true });
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
    await table.put(row);
    return done(frame, { userId });
  } catch (e) {
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { userId, reason: `DynamoDB: ${errorText(e)}` });
  }
}

/** Deletes the row whether or not it exists: unsubscribing from a channel the connection is not in is not an error. */
async function unsubscribe(frame: Frame, connectionId: string, deps: FrameDeps): Promise<Outcome> {
  try {
    await deps.store.delete(keyOf(frame.channel, connectionId, deps.config.shards));
    return done(frame);
  } catch (e) {
    return refused(frame, 'UNAVAILABLE', MESSAGES.UNAVAILABLE, { reason: `DynamoDB: ${errorText(e)}` });
  }
}
