import { randomUUID } from 'node:crypto';
import { authorizerContext, hasIdentitySources, type AuthorizerAnswer, type LocalAuthorizer } from './authorizers';
import { noOutputMapping, selectIntegrationResponse } from './integration-responses';
import { DynamoDbIntegration, type DynamoDbIntegrationOptions, type IntegrationCall } from './integrations/dynamodb';
import { callLambdaProxy, type InvokeFunction } from './integrations/lambda-proxy';
import type { RouteContext } from './vtl';
import type { ConnectionRouteKey, RouteIntegration } from '../../template/api';
import type { ConnectionLifecycle, ConnectRequest, ConnectVerdict, KnownConnection } from '../lifecycle';

export interface TemplateRoutesOptions {
  readonly routes: Partial<Record<ConnectionRouteKey, RouteIntegration>>;
  /** Where the template's DynamoDB integrations go, and what its intrinsics resolve to. */
  readonly dynamodb: DynamoDbIntegrationOptions;
  readonly authorizer: LocalAuthorizer;
  readonly stage: string;
  readonly apiId: string;
  /**
   * Runs a route's Lambda function (an `AWS_PROXY` integration, e.g. your own `$connect` handler) with API Gateway's
   * WebSocket event; its `statusCode` decides, as API Gateway's does. Without it, such a route is an error.
   */
  readonly invokeFunction?: InvokeFunction;
}

/** A route whose integration failed: what it sent, and what its backend answered (for tests and for the user's eyes). */
export interface RouteFailure extends IntegrationCall {
  readonly routeKey: string;
  readonly connectionId: string;
  /** Why the route failed, as API Gateway would log it. */
  readonly reason: string;
}

/**
 * The connection lifecycle as the synthesized template defines it: `$connect` checks the identity sources and runs the
 * authorizer stand-in, then the route's integration (a DynamoDB template, or the app's own function); `$disconnect`
 * does the same, best effort. A non-proxy integration succeeds when one of its integration responses matches the
 * backend's status code, as in API Gateway; a proxy one with a 2xx. A route the template does not have does nothing.
 */
export class TemplateRoutes implements ConnectionLifecycle {
  /** Integrations that failed, most recent last. */
  readonly failures: RouteFailure[] = [];
  private readonly dynamodb: DynamoDbIntegration;

  constructor(private readonly options: TemplateRoutesOptions) {
    for (const route of Object.values(options.routes)) {
      if (route.integrationType === 'AWS_PROXY' && route.lambdaFunction && options.invokeFunction) continue;
      if (route.integrationType !== 'AWS' || !route.dynamodbAction || route.requestTemplate === undefined) {
        throw new Error(`${route.routeKey}: the local stack runs AWS integrations to DynamoDB with a request template; ${route.logicalId} is ${route.integrationType}`);
      }
    }
    this.dynamodb = new DynamoDbIntegration(options.dynamodb);
  }

  async connect(request: ConnectRequest): Promise<ConnectVerdict> {
    const route = this.options.routes.$connect;
    let answer: AuthorizerAnswer | undefined = {};
    if (route && route.authorizationType !== 'NONE') {
      // API Gateway refuses a request that lacks an identity source without calling the authorizer.
      if (!hasIdentitySources(route.identitySource ?? [], request)) return { accepted: false, status: 401, reason: 'Unauthorized' };
      answer = await this.options.authorizer({ query: request.query, headers: request.headers });
      if (!answer) return { accepted: false, status: 401, reason: 'Unauthorized' };
      if (answer.deny) return { accepted: false, status: 403, reason: 'Forbidden' };
    }
    const known: KnownConnection = {
      connectionId: request.connectionId,
      connectedAt: request.connectedAt,
      query: request.query,
      headers: request.headers,
      authorizer: authorizerContext(answer),
      identity: { sourceIp: request.sourceIp, userAgent: request.userAgent, ...answer.identity },
    };
    if (route && !(await this.run(route, known, 'CONNECT'))) {
      return { accepted: false, status: 500, reason: 'Internal Server Error' };
    }
    return { accepted: true, connection: known };
  }

  async disconnect(connection: KnownConnection): Promise<void> {
    const route = this.options.routes.$disconnect;
    if (route) await this.run(route, connection, 'DISCONNECT');
  }

  /** Runs the route's integration; true when it succeeded, else the failure is recorded with API Gateway's reason. */
  private async run(route: RouteIntegration, connection: KnownConnection, eventType: 'CONNECT' | 'DISCONNECT'): Promise<boolean> {
    const context = this.context(route, connection, eventType);
    if (route.integrationType === 'AWS_PROXY') {
      const call = await callLambdaProxy(this.options.invokeFunction!, route.lambdaFunction!, context, connection);
      if (call.status >= 200 && call.status < 300) return true;
      return this.failed(route, connection, call, `${route.lambdaFunction} answered ${call.status}`);
    }
    const call = await this.dynamodb.call(route.dynamodbAction!, route.requestTemplate, context, route.routeKey);
    if (selectIntegrationResponse(route.integrationResponses, call.status)) return true;
    const missing = route.integrationResponses.length === 0
      ? `${route.routeKey}'s integration ${route.logicalId} has no integration response`
      : `no integration response of ${route.routeKey}'s integration ${route.logicalId} matches ${call.status} (keys: ${route.integrationResponses.map((r) => r.key).join(', ')})`;
    return this.failed(route, connection, call, `${noOutputMapping(call.status)}: ${missing}`);
  }

  private failed(route: RouteIntegration, connection: KnownConnection, call: IntegrationCall, reason: string): false {
    this.failures.push({ routeKey: route.routeKey, connectionId: connection.connectionId, ...call, reason });
    return false;
  }

  /** `$context` of this route for this connection, as API Gateway gives it to a template or a function. */
  private context(route: RouteIntegration, connection: KnownConnection, eventType: RouteContext['eventType']): RouteContext {
    return {
      connectionId: connection.connectionId,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: Date.now(),
      requestId: randomUUID(),
      eventType,
      routeKey: route.routeKey,
      stage: this.options.stage,
      apiId: this.options.apiId,
      domainName: '127.0.0.1',
      authorizer: connection.authorizer,
      identity: connection.identity,
    };
  }
}
