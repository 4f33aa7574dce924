/**
 * The WebSocket API of a template as the local API Gateway runs it: its stage, and each route with its integration, its
 * integration responses, its route responses and its authorizer.
 */
import { resolveIntrinsics, resourcesOfType, type CloudTemplate } from './intrinsics';

/** An `AWS::ApiGatewayV2::IntegrationResponse`, as the template declares it. */
export interface IntegrationResponseSpec {
  readonly key: string;
  readonly templateSelectionExpression?: string;
  readonly responseTemplates?: Readonly<Record<string, unknown>>;
}

/** One route and its integration: a DynamoDB action and its request template (already selected), or something else. */
export interface RouteIntegration {
  readonly routeKey: string;
  /** `NONE`, `CUSTOM` (a Lambda authorizer) or `AWS_IAM`. */
  readonly authorizationType: string;
  readonly integrationType: string;
  /** `PutItem`, `DeleteItem`, ... for an `AWS` integration to DynamoDB. */
  readonly dynamodbAction?: string;
  /** The request template the selection expression picks, intrinsics unresolved. */
  readonly requestTemplate?: unknown;
  /** For an `AWS_PROXY` integration to a Lambda function of the template: its logical id. */
  readonly lambdaFunction?: string;
  /** For a `CUSTOM` route: the logical id of its Lambda authorizer's function. */
  readonly authorizerFunction?: string;
  /** For a `CUSTOM` route: its authorizer's identity sources (`route.request.querystring.token`, …). */
  readonly identitySource?: readonly string[];
  /** The integration's logical id. */
  readonly logicalId: string;
  /** The integration's responses (`AWS::ApiGatewayV2::IntegrationResponse`): a non-proxy integration needs one. */
  readonly integrationResponses: readonly IntegrationResponseSpec[];
  /** The route's response keys (`AWS::ApiGatewayV2::RouteResponse`): a route with one is two-way. */
  readonly routeResponseKeys: readonly string[];
}

/** The connection routes the local API Gateway runs. */
export type ConnectionRouteKey = '$connect' | '$disconnect';

/**
 * The `$connect` and `$disconnect` routes of the template's WebSocket API and their integrations. API Gateway
 * evaluates a WebSocket integration's `TemplateSelectionExpression`; the local stack supports the literal form
 * (`\$default`, which every template of this construct uses), and says so for any other.
 */
export function connectionRoutes(template: CloudTemplate): Partial<Record<ConnectionRouteKey, RouteIntegration>> {
  const routes: Partial<Record<ConnectionRouteKey, RouteIntegration>> = {};
  for (const [routeLogicalId, resource] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    const routeKey = resource.Properties?.RouteKey;
    if (routeKey !== '$connect' && routeKey !== '$disconnect') continue;
    routes[routeKey as ConnectionRouteKey] = routeIntegration(template, routeLogicalId, routeKey);
  }
  return routes;
}

/** The stage name of the template's (first) WebSocket stage. */
export function stageName(template: CloudTemplate): string | undefined {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Stage')[0]?.[1].Properties?.StageName;
}

function routeIntegration(template: CloudTemplate, routeLogicalId: string, routeKey: string): RouteIntegration {
  const route = template.Resources[routeLogicalId].Properties;
  // `integrations/${Ref}`: resolved with every Ref standing for its own logical id.
  const target = resolveIntrinsics(route.Target, new Proxy({}, { get: (_t, key) => String(key) }), routeKey) as string;
  const logicalId = target.replace(/^integrations\//, '');
  const integration = template.Resources[logicalId]?.Properties;
  if (!integration) throw new Error(`${routeKey}: its target ${target} is not an integration of this template`);
  const authorizer = template.Resources[route.AuthorizerId?.Ref]?.Properties;
  return {
    routeKey,
    logicalId,
    integrationResponses: integrationResponses(template, logicalId),
    routeResponseKeys: resourcesOfType(template, 'AWS::ApiGatewayV2::RouteResponse')
      .filter(([, r]) => r.Properties?.RouteId?.Ref === routeLogicalId).map(([, r]) => r.Properties.RouteResponseKey),
    authorizationType: route.AuthorizationType ?? 'NONE',
    integrationType: integration.IntegrationType,
    dynamodbAction: /:dynamodb:action\/([A-Za-z]+)/.exec(JSON.stringify(integration.IntegrationUri ?? ''))?.[1],
    requestTemplate: selectTemplate(routeKey, integration),
    lambdaFunction: functionOf(integration.IntegrationUri),
    authorizerFunction: functionOf(authorizer?.AuthorizerUri),
    identitySource: authorizer?.IdentitySource,
  };
}

/** The `IntegrationResponse` resources whose `IntegrationId` refers to the integration. */
function integrationResponses(template: CloudTemplate, integrationLogicalId: string): IntegrationResponseSpec[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::IntegrationResponse')
    .filter(([, r]) => r.Properties?.IntegrationId?.Ref === integrationLogicalId)
    .map(([, r]) => ({
      key: r.Properties.IntegrationResponseKey,
      templateSelectionExpression: r.Properties.TemplateSelectionExpression,
      responseTemplates: r.Properties.ResponseTemplates,
    }));
}

/** The function a Lambda integration or authorizer URI invokes (`…/functions/${Fn::GetAtt [Fn, Arn]}/invocations`). */
function functionOf(uri: unknown): string | undefined {
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(JSON.stringify(uri ?? ''))?.[1];
}

function selectTemplate(routeKey: string, integration: any): unknown {
  const templates = integration.RequestTemplates;
  if (!templates) return undefined;
  const expression: string | undefined = integration.TemplateSelectionExpression;
  const key = expression === undefined ? '$default' : expression.replace(/^\\\$/, '$');
  if (key.includes('${') || (key.startsWith('$') && key !== '$default')) {
    throw new Error(`${routeKey}: the local stack evaluates only literal template selection expressions, got ${expression}`);
  }
  return templates[key] ?? templates.$default;
}
