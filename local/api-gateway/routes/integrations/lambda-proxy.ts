import type { IntegrationCall } from './dynamodb';
import type { RouteContext } from '../vtl';

/** Runs a function of the template with an event and returns what it answered (a throw is the function's failure). */
export type InvokeFunction = (logicalId: string, event: unknown) => Promise<unknown>;

/** What the event of a `$connect` carries beyond `$context`: the upgrade request's headers and query string. */
export interface UpgradeRequest {
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

/**
 * An `AWS_PROXY` integration to a Lambda function of the template: API Gateway's WebSocket event (the upgrade's headers
 * and query string on `$connect` only; the frame as `body` on a message route), the function's `statusCode` as the
 * route's (a throw is a 500), and its `body` as the backend's answer.
 */
export async function callLambdaProxy(
  invoke: InvokeFunction, functionId: string, context: RouteContext, upgrade: UpgradeRequest, body?: string,
): Promise<IntegrationCall> {
  const connect = context.eventType === 'CONNECT';
  const event = {
    ...(connect ? { headers: upgrade.headers ?? {}, queryStringParameters: upgrade.query ?? {} } : {}),
    ...(context.eventType === 'DISCONNECT' ? { headers: {}, queryStringParameters: {} } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      routeKey: context.routeKey,
      eventType: context.eventType,
      connectionId: context.connectionId,
      connectedAt: context.connectedAt,
      requestTimeEpoch: context.requestTimeEpoch,
      requestId: context.requestId,
      ...(context.eventType === 'MESSAGE' ? { messageId: context.requestId, messageDirection: 'IN' } : {}),
      stage: context.stage,
      apiId: context.apiId,
      domainName: context.domainName,
      authorizer: context.authorizer,
      identity: context.identity,
    },
  };
  type Answer = { statusCode?: number; body?: unknown; headers?: Record<string, string> } | undefined;
  let error: string | undefined;
  const answer = await invoke(functionId, event).catch((e: Error) => {
    error = e.message;
    return { statusCode: 500 };
  }) as Answer;
  const text = typeof answer?.body === 'string' ? answer.body : JSON.stringify(answer);
  return {
    request: JSON.stringify(event),
    status: answer?.statusCode ?? 200,
    answer: text ?? '',
    ...(answer?.headers ? { headers: answer.headers } : {}),
    ...(error === undefined ? {} : { error }),
  };
}
