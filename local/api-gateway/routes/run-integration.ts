import type { DynamoDbIntegration, IntegrationCall } from './integrations/dynamodb';
import { callLambdaProxy, type InvokeFunction, type UpgradeRequest } from './integrations/lambda-proxy';
import { MESSAGING_SERVICES, unmappedParameter, type MessagingIntegration } from './integrations/messaging';
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

/** What running an integration needs: DynamoDB, SQS and SNS (moto), the local names, and how to run a function. */
export interface IntegrationBackends {
  readonly dynamodb: DynamoDbIntegration;
  /** SQS and SNS integrations go to moto; without it (a system without queues), they cannot run. */
  readonly messaging?: MessagingIntegration;
  readonly names: LocalNames;
  readonly invokeFunction?: InvokeFunction;
}

/** Why a route's integration cannot run locally, or `undefined` when it can. */
export function unsupported(route: RouteIntegration, backends: Pick<IntegrationBackends, 'invokeFunction' | 'messaging'>): string | undefined {
  switch (route.integrationType) {
    case 'AWS': return unsupportedService(route, backends);
    case 'MOCK': return undefined;
    case 'AWS_PROXY': return route.lambdaFunction && backends.invokeFunction ? undefined : `${route.routeKey}: ${route.logicalId} invokes no function of this template the local system can run`;
    default: return `${route.routeKey}: the local system does not run ${route.integrationType} integrations (${route.logicalId})`;
  }
}

function unsupportedService(route: RouteIntegration, backends: Pick<IntegrationBackends, 'messaging'>): string | undefined {
  if (route.dynamodbAction) return undefined;
  if (!MESSAGING_SERVICES.includes(route.awsService ?? '')) {
    return `${route.routeKey}: the local system runs AWS integrations to DynamoDB, SQS and SNS only (${route.logicalId}: ${route.awsService ?? 'no service'})`;
  }
  if (!backends.messaging) return `${route.routeKey}: ${route.logicalId} is an ${route.awsService} integration, and the local system runs no queues or topics`;
  return unmappedParameter(route) ?? backends.messaging.unknownQueue(route);
}

/** Runs a route's integration, one kind per file: DynamoDB, SQS and SNS, MOCK, a Lambda proxy. */
export async function runIntegration(
  route: RouteIntegration, context: RouteContext, backends: IntegrationBackends, upgrade: UpgradeRequest, body?: string,
): Promise<IntegrationCall> {
  const reason = unsupported(route, backends);
  if (reason) throw new Error(reason);
  switch (route.integrationType) {
    case 'AWS': return route.dynamodbAction ? backends.dynamodb.call(route, context, body) : backends.messaging!.call(route, context, body);
    case 'MOCK': return callMock(route, context, body ?? '', backends.names);
    default: return callLambdaProxy(backends.invokeFunction!, route.lambdaFunction!, context, upgrade, body);
  }
}
