import { randomUUID } from 'node:crypto';
import { noOutputMapping, responseFrame, selectIntegrationResponse } from './integration-responses';
import type { IntegrationCall } from './integrations/dynamodb';
import { runIntegration, type IntegrationBackends, type RouteFailure } from './run-integration';
import { evaluateSelection } from './selection';
import type { RouteContext } from './vtl';
import type { FrameActivity } from '../../activity';
import type { RouteIntegration } from '../../template/api';
import type { KnownConnection } from '../api-routes';

export interface MessageRoutesOptions {
  readonly routes: readonly RouteIntegration[];
  readonly routeSelectionExpression: string;
  readonly backends: IntegrationBackends;
  readonly context: (route: RouteIntegration, connection: KnownConnection, requestId: string) => RouteContext;
  readonly failed: (failure: RouteFailure) => void;
  /** Told of every frame routed, once its reply (if any) is known. */
  readonly onFrame?: (frame: RoutedFrame) => void;
}

/** What routing a frame came to: the frame sent back (if any), and why the route failed (when it did). */
interface Routed {
  readonly reply?: string;
  readonly failure?: string;
}

/** A client's frame as it was routed: the route that took it (none: no route matched), its integration, the outcome. */
export type RoutedFrame = Omit<FrameActivity, 'kind' | 'at'>;

/**
 * A client's frame, as API Gateway routes it: the API's route selection expression evaluated on the frame picks the
 * route with that key, else `$default`; no route is an error frame (`Forbidden`). The route's integration runs; a
 * non-proxy one needs an integration response matching its status (else `Internal server error`). A two-way route (one
 * with a route response) sends back the integration response's rendered template, or a proxy function's `body`.
 */
export class MessageRoutes {
  private readonly byKey: ReadonlyMap<string, RouteIntegration>;

  constructor(private readonly options: MessageRoutesOptions) {
    this.byKey = new Map(options.routes.filter((r) => !r.routeKey.startsWith('$') || r.routeKey === '$default').map((r) => [r.routeKey, r]));
  }

  async handle(connection: KnownConnection, frame: string): Promise<string | undefined> {
    const key = evaluateSelection(this.options.routeSelectionExpression, { body: frame });
    const route = (key !== undefined ? this.byKey.get(key) : undefined) ?? this.byKey.get('$default');
    const requestId = randomUUID();
    if (!route) {
      const reason = `no route for ${key === undefined ? 'a frame without a route key' : JSON.stringify(key)} and no $default route`;
      this.options.onFrame?.({ connectionId: connection.connectionId, outcome: 'unrouted', reason, replied: true });
      return errorFrame('Forbidden', connection, requestId);
    }
    const { reply, failure } = await this.route(route, connection, frame, requestId);
    this.options.onFrame?.({
      connectionId: connection.connectionId,
      route: route.routeKey,
      integration: integrationOf(route),
      outcome: failure === undefined ? 'ok' : 'failed',
      ...(failure !== undefined ? { reason: failure } : {}),
      replied: reply !== undefined,
    });
    return reply;
  }

  private async route(route: RouteIntegration, connection: KnownConnection, frame: string, requestId: string): Promise<Routed> {
    let call: IntegrationCall;
    try {
      call = await runIntegration(route, this.options.context(route, connection, requestId), this.options.backends, {}, frame);
    } catch (error) {
      return this.fail(route, connection, requestId, { request: frame, status: 0, answer: '' }, `Execution failed: ${(error as Error).message}`);
    }
    const twoWay = route.routeResponseSelectionExpression !== undefined && route.routeResponseKeys.length > 0;
    if (route.integrationType === 'AWS_PROXY') {
      if (call.status < 200 || call.status >= 300) {
        return this.fail(route, connection, requestId, call, call.error ?? `${route.lambdaFunction} answered ${call.status}`);
      }
      return { reply: twoWay ? call.answer : undefined };
    }
    const selected = selectIntegrationResponse(route.integrationResponses, call.status);
    if (!selected) return this.fail(route, connection, requestId, call, noOutputMapping(call.status));
    if (!twoWay) return { reply: undefined };
    try {
      return { reply: responseFrame(selected, call.answer, call.status, frame, this.options.context(route, connection, requestId)) };
    } catch (error) {
      // A response template that does not render fails the route as an integration does: the client gets the error frame.
      return this.fail(route, connection, requestId, call, `Execution failed: the response template: ${(error as Error).message}`);
    }
  }

  private fail(route: RouteIntegration, connection: KnownConnection, requestId: string, call: IntegrationCall, reason: string): Routed {
    this.options.failed({ routeKey: route.routeKey, connectionId: connection.connectionId, ...call, reason });
    return { reply: errorFrame('Internal server error', connection, requestId), failure: reason };
  }
}

/** The frame API Gateway sends a client when its message could not be routed or its route failed. */
export function errorFrame(message: string, connection: KnownConnection, requestId: string): string {
  return JSON.stringify({ message, connectionId: connection.connectionId, requestId });
}

/** A route's integration, as a log line names it. */
export function integrationOf(route: RouteIntegration): string {
  if (route.integrationType === 'AWS_PROXY') return `AWS_PROXY ${route.lambdaFunction ?? '?'}`;
  if (route.integrationType === 'AWS') return `AWS ${route.awsService ?? '?'}:${route.awsAction ?? '?'}`;
  return route.integrationType;
}
