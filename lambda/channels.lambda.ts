/**
 * The channels function: API Gateway's `subscribe`, `unsubscribe` and `$default` routes (Lambda proxy, two-way). Each
 * client frame gets one reply frame, the `{ statusCode: 200, body }` this returns: `{"type":"subscribed",…}`,
 * `{"type":"unsubscribed",…}` or `{"type":"error","code":…}` (DESIGN.md, "Client ↔ API messages"). The composition
 * root: it reads the configuration (`CHANNELS_ENV`) and builds the clients once per execution environment.
 *
 * Who subscribes is the connection's identity as API Gateway attaches it to every message (`USER_ID_SOURCE`:
 * `requestContext.authorizer.<key>`, `requestContext.identity.userArn` or the connection id), never the frame's; the
 * placeholders `{context.<key>}` bind to `requestContext.authorizer`'s string values. A subscribe is judged by the
 * first rule whose pattern matches (none: `FORBIDDEN`): an `allow` rule allows it; a `hook` rule asks the
 * application's function.
 *
 * ## The hook
 *
 * The function is invoked synchronously (`RequestResponse`, by this function's role) with:
 *
 * ```json
 * {"type":"subscribe","channel":"room/42","userId":"u-123","connectionId":"AbCdEf=",
 *  "context":{"principalId":"u-123","tenant":"acme"}}
 * ```
 *
 * `context` is the `$connect` authorizer's context as API Gateway passes it (every value a string, `principalId`
 * included). The function answers `{"allow": true}` to allow the subscribe and `{"allow": false}` to refuse it
 * (`FORBIDDEN`, final for the client; a repeat subscribe so refused also deletes the subscription the connection had).
 * Anything else is no decision, and the client gets `UNAVAILABLE` (transient: it may try again), logged at ERROR with
 * the reason: an invocation that fails (throttled, a network error, a missing permission, no answer within 10 s), a
 * function that throws or times out (`FunctionError`, its error quoted), an answer that is not JSON or has no boolean
 * `allow` (`"true"` is not `true`: the application's bug, which must not tell the client to give up on a channel it may
 * be allowed). The hook runs on every subscribe (a repeat too), inside API Gateway's 29-second integration timeout:
 * keep it fast.
 *
 * @example
 * // A hook: members of a room may join it.
 * export const handler = async (event) => ({ allow: await isMember(event.userId, event.channel) });
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { readRegion, readTelemetryConfig } from './adapters/config';
import { DynamoHistoryStore } from './adapters/dynamo-history-store';
import { SignedHttpSender } from './adapters/signed-http-sender';
import { dynamoMemberDeps } from './channel-presence/adapters/member-deps';
import type { MemberDeps } from './channel-presence/core/members';
import { DynamoSubscriptionStore } from './channels/adapters/dynamo-subscription-store';
import { hookClient, LambdaAccessHook } from './channels/adapters/lambda-access-hook';
import { PowertoolsFrameReporter } from './channels/adapters/powertools-frame-reporter';
import { readChannelsConfig, type ChannelsConfig, type ChannelPresenceConfig } from './channels/core/config';
import { handleFrame, type FrameDeps, type MessageEvent } from './channels/core/handle-frame';
import { DynamoConnectionDirectory } from './connection-stream/adapters/dynamo-connection-directory';
import { EventBridgePublisher } from './connection-stream/adapters/eventbridge-publisher';

/** Posts of a replayed message while throttled or failing (then the frame is `UNAVAILABLE`: the client resumes again). */
const REPLAY_POST_RETRY = { attempts: 4, baseDelayMs: 50, maxDelayMs: 1_000 } as const;

/** PutEvents calls while the event comes back failed (then the frame is `UNAVAILABLE`: the client retries). */
const PUT_EVENTS_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 } as const;

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsFrameReporter(telemetry.serviceName, telemetry.metricsNamespace);

let deps: FrameDeps | undefined;

/** Built on the first invocation and reused: the clients keep their sockets alive across invocations. */
function dependencies(): FrameDeps {
  if (deps) return deps;
  const config = readChannelsConfig(process.env);
  const dynamo = new DynamoDBClient({});
  deps = {
    config,
    store: new DynamoSubscriptionStore(dynamo, config.tableName),
    hook: new LambdaAccessHook(hookClient()),
    now: Date.now,
    ...(config.presence ? { members: memberDeps(config, config.presence, dynamo) } : {}),
    ...(config.history ? {
      history: {
        store: new DynamoHistoryStore(dynamo, config.history.historyTableName),
        // A replay is one post after the other: one socket.
        sender: new SignedHttpSender({ callbackUrl: config.history.callbackUrl, region: readRegion(process.env), maxSockets: 1 }),
        postRetry: REPLAY_POST_RETRY,
      },
    } : {}),
    ...(config.eventBusName ? {
      events: new EventBridgePublisher(new EventBridgeClient({}), {
        eventBusName: config.eventBusName, source: telemetry.serviceName, retry: PUT_EVENTS_RETRY,
      }),
    } : {}),
  };
  return deps;
}

/** Channel presence: the members in the presence table, a user's connections, the frames through the pusher. */
function memberDeps(config: ChannelsConfig, presence: ChannelPresenceConfig, dynamo: DynamoDBClient): MemberDeps {
  const connections = new DynamoConnectionDirectory(dynamo, {
    tableName: presence.connectionsTableName,
    userIdAttribute: presence.userIdAttribute,
    connectionIdAttribute: presence.connectionIdAttribute,
    ttlAttribute: presence.ttlAttribute,
  });
  return dynamoMemberDeps({ dynamo, sqs: new SQSClient({}) }, connections, {
    presenceTableName: presence.presenceTableName,
    subscriptionsTableName: config.tableName,
    shards: config.shards,
    workQueueUrl: presence.workQueueUrl,
  });
}

export const handler = async (event: MessageEvent, context?: Context): Promise<{ statusCode: 200; body: string }> => {
  if (context) reporter.logger.addContext(context);
  let resolved: FrameDeps;
  try {
    resolved = dependencies();
  } catch (e) {
    reporter.logger.error((e as Error).message, { error: e as Error });
    throw e;
  }
  const { reply, report } = await handleFrame(event, resolved);
  reporter.report(report);
  return { statusCode: 200, body: JSON.stringify(reply) };
};
