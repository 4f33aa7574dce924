import { randomUUID } from 'node:crypto';
import { authorizerContext, hasIdentitySources, type AuthorizerAnswer, type LocalAuthorizer } from './authorizers';
import { noOutputMapping, selectIntegrationResponse } from './integration-responses';
import { DynamoDbIntegration, type DynamoDbIntegrationOptions, type IntegrationCall } from './integrations/dynamodb';
import type { InvokeFunction } from './integrations/lambda-proxy';
import { MessagingIntegration, type MessagingIntegrationOptions } from './integrations/messaging';
import { MessageRoutes, type RoutedFrame } from './message-routes';
import { runIntegration, unsupported, type IntegrationBackends, type RouteFailure } from './run-integration';
import type { RouteContext } from './vtl';
import { LOOPBACK } from '../../net';
import type { RouteIntegration } from '../../template/api';
import type { ApiRoutes, ConnectRequest, ConnectVerdict, KnownConnection } from '../api-routes';

export interface TemplateRoutesOptions {
  /** Every route of the API, as the template declares it. */
  readonly routes: readonly RouteIntegration[];
  /** The API's route selection expression. @default '$request.body.action' */
  readonly routeSelectionExpression?: string;
  /** Where the template's DynamoDB integrations go, and what its intrinsics resolve to. */
  readonly dynamodb: DynamoDbIntegrationOptions;
  /** Where the template's SQS and SNS integrations go (moto). Without it, such a route cannot run. */
  readonly messaging?: MessagingIntegrationOptions;
  readonly authorizer: LocalAuthorizer;
  readonly stage: string;
  readonly apiId: string;
  /**
   * Runs a route's Lambda function (an `AWS_PROXY` integration, e.g. your own `$connect` handler) with API Gateway's
   * WebSocket event; its `statusCode` decides, as API Gateway's does. Without it, such a route fails.
   */
  readonly invokeFunction?: InvokeFunction;
  /** Told of every client frame routed: its route, integration and outcome (the local command's log, its console). */
  readonly onFrame?: (frame: RoutedFrame) => void;
}

/**
 * The API's routes as the synthesized template defines them. `$connect` checks the identity sources and runs the
 * authorizer stand-in, then the route's integration; `$disconnect` runs its integration, best effort; a client's frame
 * goes to the route its selection expression picks (`message-routes.ts`). A non-proxy integration succeeds when one of
 * its integration responses matches the backend's status code, as in API Gateway; a proxy one with a 2xx.
 */
export class TemplateRoutes implements ApiRoutes {
  /** Integrations that failed, most recent last. */
  readonly failures: RouteFailure[] = [];
  private readonly backends: IntegrationBackends;
  private readonly messages: MessageRoutes;

  constructor(private readonly options: TemplateRoutesOptions) {
    this.backends = {
      dynamodb: new DynamoDbIntegration(options.dynamodb),
      messaging: options.messaging && new MessagingIntegration(options.messaging),
      names: options.dynamodb.names,
      invokeFunction: options.invokeFunction,
    };
    // A `$connect` or `$disconnect` that cannot run would refuse every client: refused at start, loudly.
    for (const route of options.routes.filter((r) => r.routeKey === '$connect' || r.routeKey === '$disconnect')) {
      const reason = unsupported(route, this.backends);
      if (reason) throw new Error(reason);
    }
    this.messages = new MessageRoutes({
      routes: options.routes,
      routeSelectionExpression: options.routeSelectionExpression ?? '$request.body.action',
      backends: this.backends,
      context: (route, connection, requestId) => this.context(route, connection, 'MESSAGE', requestId),
      failed: (failure) => this.failures.push(failure),
      onFrame: options.onFrame,
    });
  }

  /** Routes that cannot run locally, and why (the local command says so at start). */
  get unsupportedRoutes(): string[] {
    return this.options.routes.map((route) => unsupported(route, this.backends)).filter((r): r is string => r !== undefined);
  }

  async connect(request: ConnectRequest): Promise<ConnectVerdict> {
    const route = this.route('$connect');
    let answer: AuthorizerAnswer | undefined = {};
    if (route && route.authorizationType !== 'NONE') {
      // API Gateway refuses a request that lacks an identity source without calling the authorizer.
      if (!hasIdentitySources(route.identitySource ?? [], request)) {
        return refused(401, 'Unauthorized', `no ${(route.identitySource ?? []).join(', ')}: the authorizer is not called without its identity sources`);
      }
      answer = await this.options.authorizer({ query: request.query, headers: request.headers });
      if (!answer) return refused(401, 'Unauthorized', 'the authorizer refused the token (Unauthorized)');
      if (answer.deny) return refused(403, 'Forbidden', 'the authorizer denied it (no Allow for $connect)');
    }
    const known: KnownConnection = {
      connectionId: request.connectionId,
      connectedAt: request.connectedAt,
      query: request.query,
      headers: request.headers,
      authorizer: authorizerContext(answer),
      identity: { sourceIp: request.sourceIp, userAgent: request.userAgent, ...answer.identity },
    };
    const outcome = route ? await this.run(route, known, 'CONNECT') : { ok: true };
    if (!outcome.ok) return refused(500, 'Internal Server Error', `the $connect integration failed: ${this.failures[this.failures.length - 1]?.reason}`);
    return { accepted: true, connection: known, ...(outcome.protocol ? { protocol: outcome.protocol } : {}) };
  }

  async disconnect(connection: KnownConnection): Promise<void> {
    const route = this.route('$disconnect');
    if (route) await this.run(route, connection, 'DISCONNECT');
  }

  async message(connection: KnownConnection, frame: string): Promise<string | undefined> {
    return this.messages.handle(connection, frame);
  }

  private route(routeKey: string): RouteIntegration | undefined {
    return this.options.routes.find((r) => r.routeKey === routeKey);
  }

  /**
   * Runs a connection route's integration: whether it succeeded (else the failure is recorded with its reason), and the
   * subprotocol its answer selects (a static `Sec-WebSocket-Protocol` response parameter, or a function's header).
   */
  private async run(route: RouteIntegration, connection: KnownConnection, eventType: 'CONNECT' | 'DISCONNECT'): Promise<RouteOutcome> {
    let call: IntegrationCall;
    try {
      call = await runIntegration(route, this.context(route, connection, eventType, randomUUID()), this.backends, connection);
    } catch (error) {
      // The backend could not be reached, or the template could not be run: API Gateway answers 500 and logs why.
      return this.failed(route, connection, { request: '', status: 0, answer: '' }, `Execution failed: ${(error as Error).message}`);
    }
    if (route.integrationType === 'AWS_PROXY') {
      if (call.status < 200 || call.status >= 300) return this.failed(route, connection, call, `${route.lambdaFunction} answered ${call.status}`);
      // HTTP header names are case-insensitive: a function may answer `SEC-WEBSOCKET-PROTOCOL`.
      return { ok: true, protocol: Object.entries(call.headers ?? {}).find(([name]) => name.toLowerCase() === PROTOCOL_HEADER.toLowerCase())?.[1] };
    }
    const selected = selectIntegrationResponse(route.integrationResponses, call.status);
    if (!selected) return this.failed(route, connection, call, `${noOutputMapping(call.status)}: ${missingResponse(route, call.status)}`);
    const parameter = selected.responseParameters?.[`method.response.header.${PROTOCOL_HEADER}`];
    return { ok: true, protocol: /^'(.*)'$/.exec(parameter ?? '')?.[1] };
  }

  private failed(route: RouteIntegration, connection: KnownConnection, call: IntegrationCall, reason: string): RouteOutcome {
    this.failures.push({ routeKey: route.routeKey, connectionId: connection.connectionId, ...call, reason });
    return { ok: false };
  }

  /** `$context` of this route for this connection, as API Gateway gives it to a template or a function. */
  private context(route: RouteIntegration, connection: KnownConnection, eventType: RouteContext['eventType'], requestId: string): RouteContext {
    return {
      connectionId: connection.connectionId,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: Date.now(),
      requestId,
      eventType,
      routeKey: route.routeKey,
      stage: this.options.stage,
      apiId: this.options.apiId,
      domainName: LOOPBACK,
      authorizer: connection.authorizer,
      identity: connection.identity,
    };
  }
}

const PROTOCOL_HEADER = 'Sec-WebSocket-Protocol';

function refused(status: number, reason: string, detail: string): ConnectVerdict {
  return { accepted: false, status, reason, detail };
}

/** A connection route's outcome: whether it succeeded, and the subprotocol its answer selected. */
interface RouteOutcome {
  readonly ok: boolean;
  readonly protocol?: string;
}

/** Which integration response is missing, for the failure's reason. */
export function missingResponse(route: RouteIntegration, status: number): string {
  return route.integrationResponses.length === 0
    ? `${route.routeKey}'s integration ${route.logicalId} has no integration response`
    : `no integration response of ${route.routeKey}'s integration ${route.logicalId} matches ${status} (keys: ${route.integrationResponses.map((r) => r.key).join(', ')})`;
}
