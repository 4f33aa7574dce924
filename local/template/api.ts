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
  /** `method.response.header.<name>` → a static value (`'…'`) or another mapping expression. */
  readonly responseParameters?: Readonly<Record<string, string>>;
}

/** One route and its integration, as the template declares them (intrinsics unresolved). */
export interface RouteIntegration {
  readonly routeKey: string;
  /** `NONE`, `CUSTOM` (a Lambda authorizer) or `AWS_IAM`. */
  readonly authorizationType: string;
  /** `AWS`, `AWS_PROXY`, `MOCK`, `HTTP` or `HTTP_PROXY`. */
  readonly integrationType: string;
  /** `PutItem`, `DeleteItem`, ... for an `AWS` integration to DynamoDB. */
  readonly dynamodbAction?: string;
  /** For an `AWS` integration: the service its URI names (`dynamodb`, `sqs`, `sns`, …). */
  readonly awsService?: string;
  /** For an `AWS` integration: the action its URI (`…:action/<Action>`) or its request template (`Action=<Action>`) names. */
  readonly awsAction?: string;
  /** The integration's URI (intrinsics unresolved). */
  readonly integrationUri?: unknown;
  /** The integration's request parameters: `integration.request.header.<name>` or `….querystring.<name>` → a mapping. */
  readonly requestParameters?: Readonly<Record<string, string>>;
  /** The integration's request templates by key, and the expression that selects one. */
  readonly requestTemplates?: Readonly<Record<string, unknown>>;
  readonly templateSelectionExpression?: string;
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
  /** The route's response keys (`AWS::ApiGatewayV2::RouteResponse`): with one, and a selection expression, it is two-way. */
  readonly routeResponseKeys: readonly string[];
  /** The route's `RouteResponseSelectionExpression` (`$default`, the only one API Gateway supports). */
  readonly routeResponseSelectionExpression?: string;
}

/** The connection routes the local API Gateway runs. */
export type ConnectionRouteKey = '$connect' | '$disconnect';

/** The `$connect` and `$disconnect` routes of the template's WebSocket API and their integrations. */
export function connectionRoutes(template: CloudTemplate): Partial<Record<ConnectionRouteKey, RouteIntegration>> {
  const all = apiRoutes(template);
  return Object.fromEntries(all.filter((r) => r.routeKey === '$connect' || r.routeKey === '$disconnect').map((r) => [r.routeKey, r]));
}

/** Every route of the template's WebSocket API with its integration. */
export function apiRoutes(template: CloudTemplate): RouteIntegration[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([logicalId, r]) => routeIntegration(template, logicalId, r.Properties.RouteKey));
}

/** The route selection expression of the template's (first) WebSocket API. @default '$request.body.action' (CDK's) */
export function routeSelectionExpression(template: CloudTemplate): string {
  const [api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
  return api?.[1].Properties?.RouteSelectionExpression ?? '$request.body.action';
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
    ...awsTarget(integration),
    integrationUri: integration.IntegrationUri,
    requestParameters: integration.RequestParameters,
    requestTemplates: integration.RequestTemplates,
    templateSelectionExpression: integration.TemplateSelectionExpression,
    routeResponseSelectionExpression: route.RouteResponseSelectionExpression,
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
      responseParameters: r.Properties.ResponseParameters,
    }));
}

/** The service an `AWS` integration's URI names (`arn:…:apigateway:<region>:<service>:path|action/…`), and its action. */
function awsTarget(integration: any): Pick<RouteIntegration, 'awsService' | 'awsAction'> {
  if (integration.IntegrationType !== 'AWS') return {};
  // Every Ref and Fn::GetAtt stands for `x`: the service and the action are literal in the URI or the template.
  const uri = String(resolveIntrinsics(integration.IntegrationUri ?? '', new Proxy({}, { get: () => 'x' }), 'an integration URI'));
  const [, service, kind, action] = /^arn:[^:]+:apigateway:[^:]*:(?:[\w-]+\.)?([a-z0-9-]+):(path|action)\/([A-Za-z]*)/.exec(uri) ?? [];
  const template = resolveIntrinsics(Object.values(integration.RequestTemplates ?? {})[0] ?? '', new Proxy({}, { get: () => 'x' }), 'a request template');
  const fromTemplate = /(?:^|&)Action=([A-Za-z]+)/.exec(String(template))?.[1];
  return { awsService: service, awsAction: (kind === 'action' ? action : undefined) || fromTemplate };
}

/** The function a Lambda integration or authorizer URI invokes (`…/functions/${Fn::GetAtt [Fn, Arn]}/invocations`). */
function functionOf(uri: unknown): string | undefined {
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(JSON.stringify(uri ?? ''))?.[1];
}
