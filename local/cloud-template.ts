/**
 * Reads what the local stack executes from a synthesized CloudFormation template: the pusher's connections table and
 * the API's `$connect` / `$disconnect` routes with their integrations. Intrinsic functions are resolved against the
 * local stack's names; one the local stack cannot resolve is an error that names it.
 */
import type { IntegrationResponseSpec } from './integration-responses';
import { ENV } from '../src/shared/constants';

/** A synthesized CloudFormation template (the `Resources` are all the local stack reads). */
export interface CloudTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: any }>;
}

/** What `Ref` and `Fn::GetAtt` resolve to locally: by logical id (and `logicalId.Attribute`), plus pseudo parameters. */
export type LocalNames = Readonly<Record<string, string>>;

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join` and `Fn::Select` to strings. */
export function resolveIntrinsics(value: unknown, names: LocalNames, where: string): any {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, names, where));
  const object = value as Record<string, unknown>;
  const [key] = Object.keys(object);
  const arg = object[key] as any;
  switch (Object.keys(object).length === 1 ? key : '') {
    case 'Ref': return named(names, arg, `Ref ${arg}`, where);
    case 'Fn::GetAtt': return named(names, `${arg[0]}.${arg[1]}`, `Fn::GetAtt ${arg[0]}.${arg[1]}`, where);
    case 'Fn::Join': return (resolveIntrinsics(arg[1], names, where) as unknown[]).join(arg[0]);
    case 'Fn::Select': return (resolveIntrinsics(arg[1], names, where) as unknown[])[Number(arg[0])];
  }
  if (Object.keys(object).some((k) => k.startsWith('Fn::'))) {
    throw new Error(`${where}: the local stack cannot resolve ${Object.keys(object).join(', ')}`);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v, names, where)]));
}

function named(names: LocalNames, key: string, what: string, where: string): string {
  const value = names[key];
  if (value === undefined) throw new Error(`${where}: ${what} has no local counterpart`);
  return value;
}

/** The connections table as the template declares it. */
export interface TemplateTable {
  readonly logicalId: string;
  readonly userIdAttribute: string;
  readonly connectionIdAttribute: string;
  readonly ttlAttribute?: string;
}

/** One route's integration: a DynamoDB action and its request template (already selected), or something else. */
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

/** The pusher function's table: the one its `CONNECTIONS_TABLE_NAME` refers to. */
export function pusherTable(template: CloudTemplate): TemplateTable {
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function'
    && r.Properties?.Environment?.Variables?.[ENV.TABLE_NAME] !== undefined);
  if (functions.length !== 1) throw new Error(`the template has ${functions.length} pusher functions (a Lambda function with ${ENV.TABLE_NAME}); the local stack runs one`);
  const variables = functions[0].Properties.Environment.Variables;
  const ref = variables[ENV.TABLE_NAME]?.Ref;
  const table = ref && template.Resources[ref];
  if (!table || table.Type !== 'AWS::DynamoDB::Table') throw new Error(`${ENV.TABLE_NAME} does not refer to a table of this template`);
  const keys = table.Properties.KeySchema as Array<{ AttributeName: string; KeyType: string }>;
  return {
    logicalId: ref,
    userIdAttribute: keys.find((k) => k.KeyType === 'HASH')!.AttributeName,
    connectionIdAttribute: keys.find((k) => k.KeyType === 'RANGE')!.AttributeName,
    ttlAttribute: table.Properties.TimeToLiveSpecification?.AttributeName,
  };
}

/**
 * The `$connect` and `$disconnect` routes of the template's WebSocket API and their integrations. API Gateway
 * evaluates a WebSocket integration's `TemplateSelectionExpression`; the local stack supports the literal form
 * (`\$default`, which every template of this construct uses), and says so for any other.
 */
export function connectionRoutes(template: CloudTemplate): Partial<Record<'$connect' | '$disconnect', RouteIntegration>> {
  const routes: Partial<Record<'$connect' | '$disconnect', RouteIntegration>> = {};
  for (const [routeLogicalId, resource] of Object.entries(template.Resources)) {
    const routeKey = resource.Properties?.RouteKey;
    if (resource.Type !== 'AWS::ApiGatewayV2::Route' || (routeKey !== '$connect' && routeKey !== '$disconnect')) continue;
    // `integrations/${Ref}`: resolved with every Ref standing for its own logical id.
    const target = resolveIntrinsics(resource.Properties.Target, new Proxy({}, { get: (_t, key) => String(key) }), routeKey) as string;
    const logicalId = target.replace(/^integrations\//, '');
    const integration = template.Resources[logicalId]?.Properties;
    if (!integration) throw new Error(`${routeKey}: its target ${target} is not an integration of this template`);
    routes[routeKey as '$connect' | '$disconnect'] = {
      routeKey,
      logicalId,
      integrationResponses: integrationResponses(template, logicalId),
      routeResponseKeys: routeResponseKeys(template, routeLogicalId),
      authorizationType: resource.Properties.AuthorizationType ?? 'NONE',
      integrationType: integration.IntegrationType,
      dynamodbAction: dynamodbAction(integration.IntegrationUri),
      requestTemplate: selectTemplate(routeKey, integration),
      lambdaFunction: functionOf(integration.IntegrationUri),
      authorizerFunction: functionOf(template.Resources[resource.Properties.AuthorizerId?.Ref]?.Properties?.AuthorizerUri),
      identitySource: template.Resources[resource.Properties.AuthorizerId?.Ref]?.Properties?.IdentitySource,
    };
  }
  return routes;
}

/** The `IntegrationResponse` resources whose `IntegrationId` refers to the integration. */
function integrationResponses(template: CloudTemplate, integrationLogicalId: string): IntegrationResponseSpec[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::IntegrationResponse' && r.Properties?.IntegrationId?.Ref === integrationLogicalId)
    .map((r) => ({
      key: r.Properties.IntegrationResponseKey,
      templateSelectionExpression: r.Properties.TemplateSelectionExpression,
      responseTemplates: r.Properties.ResponseTemplates,
    }));
}

/** The `RouteResponse` resources whose `RouteId` refers to the route. */
function routeResponseKeys(template: CloudTemplate, routeLogicalId: string): string[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::RouteResponse' && r.Properties?.RouteId?.Ref === routeLogicalId)
    .map((r) => r.Properties.RouteResponseKey);
}

/** The function a Lambda integration or authorizer URI invokes (`…/functions/${Fn::GetAtt [Fn, Arn]}/invocations`). */
function functionOf(uri: unknown): string | undefined {
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(JSON.stringify(uri ?? ''))?.[1];
}

function dynamodbAction(uri: unknown): string | undefined {
  const text = typeof uri === 'string' ? uri : JSON.stringify(uri);
  return /:dynamodb:action\/([A-Za-z]+)/.exec(text)?.[1];
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
