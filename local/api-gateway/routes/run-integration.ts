import type { DynamoDbIntegration, IntegrationCall } from './integrations/dynamodb';
import { callLambdaProxy, type InvokeFunction, type UpgradeRequest } from './integrations/lambda-proxy';
import { callMock } from './integrations/mock';
import type { RouteContext } from './vtl';
import type { RouteIntegration } from '../../template/api';
import type { LocalNames } from '../../template/intrinsics';

/** A route whose integration failed: what it sent, and what its backend answered (for tests and for the user's eyes). */
export interface RouteFailure extends IntegrationCall {
  readonly routeKey: string;
  readonly connectionId: string;
  /** Why the route failed, as API Gateway would log it. */
  readonly reason: string;
}

/** What running an integration needs: the DynamoDB integration, the local names, and how to run a function. */
export interface IntegrationBackends {
  readonly dynamodb: DynamoDbIntegration;
  readonly names: LocalNames;
  readonly invokeFunction?: InvokeFunction;
}

/** Why a route's integration cannot run locally, or `undefined` when it can. */
export function unsupported(route: RouteIntegration, backends: Pick<IntegrationBackends, 'invokeFunction'>): string | undefined {
  switch (route.integrationType) {
    case 'AWS': return route.dynamodbAction ? undefined : `${route.routeKey}: the local system runs AWS integrations to DynamoDB only (${route.logicalId})`;
    case 'MOCK': return undefined;
    case 'AWS_PROXY': return route.lambdaFunction && backends.invokeFunction ? undefined : `${route.routeKey}: ${route.logicalId} invokes no function of this template the local system can run`;
    default: return `${route.routeKey}: the local system does not run ${route.integrationType} integrations (${route.logicalId})`;
  }
}

/** Runs a route's integration, one kind per file: DynamoDB, MOCK, a Lambda proxy. */
export async function runIntegration(
  route: RouteIntegration, context: RouteContext, backends: IntegrationBackends, upgrade: UpgradeRequest, body?: string,
): Promise<IntegrationCall> {
  const reason = unsupported(route, backends);
  if (reason) throw new Error(reason);
  switch (route.integrationType) {
    case 'AWS': return backends.dynamodb.call(route, context, body);
    case 'MOCK': return callMock(route, context, body ?? '', backends.names);
    default: return callLambdaProxy(backends.invokeFunction!, route.lambdaFunction!, context, upgrade, body);
  }
}
