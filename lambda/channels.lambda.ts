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
 * included). The function answers `{"allow": true}` to allow the subscribe. Anything else refuses it with `FORBIDDEN`:
 * `{"allow": false}`, an answer without `allow: true` (`"true"` is not `true`), an answer that is not JSON, and a
 * function that throws or times out (`FunctionError`; logged at ERROR with its error). When the invocation itself
 * fails (throttled, a network error, a missing permission), the client gets `UNAVAILABLE` and may try again. The hook
 * runs on every subscribe (a repeat too), inside API Gateway's 29-second integration timeout: keep it fast.
 *
 * @example
 * // A hook: members of a room may join it.
 * export const handler = async (event) => ({ allow: await isMember(event.userId, event.channel) });
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import { readTelemetryConfig } from './adapters/config';
import { DynamoSubscriptionStore } from './channels/adapters/dynamo-subscription-store';
import { LambdaAccessHook } from './channels/adapters/lambda-access-hook';
import { PowertoolsFrameReporter } from './channels/adapters/powertools-frame-reporter';
import { readChannelsConfig } from './channels/core/config';
import { handleFrame, type FrameDeps, type MessageEvent } from './channels/core/handle-frame';

/** How long a hook's invocation may take before the subscribe is answered UNAVAILABLE. */
const HOOK_TIMEOUT_MS = 10_000;

const telemetry = readTelemetryConfig(process.env);
const reporter = new PowertoolsFrameReporter(telemetry.serviceName, telemetry.metricsNamespace);

let deps: FrameDeps | undefined;

/** Built on the first invocation and reused: the clients keep their sockets alive across invocations. */
function dependencies(): FrameDeps {
  if (deps) return deps;
  const config = readChannelsConfig(process.env);
  deps = {
    config,
    store: new DynamoSubscriptionStore(new DynamoDBClient({}), config.tableName),
    // A hook answers within 10 s or the subscribe is UNAVAILABLE (the client tries again), with one retry: the reply must
    // beat API Gateway's 29-second integration timeout, whose error frame would carry no code or ref.
    hook: new LambdaAccessHook(new LambdaClient({ maxAttempts: 2, requestHandler: new NodeHttpHandler({ requestTimeout: HOOK_TIMEOUT_MS }) })),
    now: Date.now,
  };
  return deps;
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
