import { Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketAwsIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { connectTemplate, disconnectTemplate, RowTemplateInput, TEMPLATE_KEY, TEMPLATE_SELECTION } from './connection-templates';
import { TableAttributes } from './connections-table';
import { suppressNag } from './nag';
import { grantWriteConnections } from './permissions';
import { refuseDuplicateRoutes } from './route-conflicts';
import { ConnectionRoutesOptions, ConnectionUserIdSource } from '../connection-routes-options';
import { JwtAuthorizer } from '../jwt-authorizer';
import { JwtTokenSource } from '../jwt-authorizer-props';
import { AUTHORIZER_CONTEXT_KEY, TOKEN_PROTOCOL } from '../shared/constants';
import { DISCONNECT_REQUEST_ATTRIBUTE } from '../shared/presence';

/** What `connectionRoutes` adds to the API. */
export interface ConnectionRoutes {
  readonly connectRoute: apigwv2.WebSocketRoute;
  readonly disconnectRoute: apigwv2.WebSocketRoute;
  /** The role API Gateway assumes to call DynamoDB: `PutItem` and `DeleteItem` on the table. */
  readonly role: iam.Role;
}

/** A connection's row can live no shorter than the connection: API Gateway closes every connection after 2 hours. */
const MIN_TTL = Duration.hours(2);
const DEFAULT_TTL = Duration.minutes(125);
/** Attribute names a template can carry verbatim (no `$` or `#`, which VTL would interpret). */
const TEMPLATE_SAFE_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

/**
 * The violations of `connectionRoutes`, each naming the prop that is wrong. `options.userId` may be missing (its type
 * error is reported with the other props'): the checks of the user id's source are then left out.
 */
export function connectionRoutesViolations(options: ConnectionRoutesOptions, attributes: TableAttributes, table?: dynamodb.ITable): string[] {
  const violations: string[] = [];
  const source = options.userId?.source;
  if (source !== undefined && source !== ConnectionUserIdSource.ANONYMOUS && !options.authorizer) {
    violations.push(`WebsocketPusher: connectionRoutes.authorizer is required with ConnectionUserId.${source === ConnectionUserIdSource.IAM_CALLER ? 'fromIamCaller()' : 'fromAuthorizer()'}: without one, nothing vouches for the user id (use ConnectionUserId.anonymous() for connections without users)`);
  }
  const iamAuthorizer = options.authorizer instanceof WebSocketIamAuthorizer;
  if (source === ConnectionUserIdSource.IAM_CALLER && options.authorizer && !iamAuthorizer) {
    violations.push('WebsocketPusher: ConnectionUserId.fromIamCaller() needs a WebSocketIamAuthorizer as connectionRoutes.authorizer');
  }
  if (source === ConnectionUserIdSource.AUTHORIZER && iamAuthorizer) {
    violations.push('WebsocketPusher: ConnectionUserId.fromAuthorizer() reads a Lambda authorizer\'s answer; with a WebSocketIamAuthorizer use ConnectionUserId.fromIamCaller()');
  }
  const ttl = options.connectionTtl;
  if (ttl?.isUnresolved() && ttl.unitLabel() !== 'seconds') {
    violations.push('WebsocketPusher: connectionRoutes.connectionTtl from a token must be given in seconds (Duration.seconds(token)): the template adds it to the connect time');
  }
  if (ttl && !ttl.isUnresolved() && ttl.toSeconds({ integral: false }) < MIN_TTL.toSeconds()) {
    violations.push(`WebsocketPusher: connectionRoutes.connectionTtl must be at least 2 hours (API Gateway's longest connection: the pusher skips expired rows), got ${ttl.toHumanString()}`);
  }
  const names: Record<string, string> = {
    userIdAttribute: attributes.userIdAttribute,
    connectionIdAttribute: attributes.connectionIdAttribute,
    timeToLiveAttribute: attributes.ttlAttribute,
  };
  for (const [prop, name] of Object.entries(names)) {
    if (!Token.isUnresolved(name) && !TEMPLATE_SAFE_NAME.test(name)) {
      violations.push(`WebsocketPusher: with connectionRoutes, ${prop} must be letters, digits, '_', '-' or '.' (the request template carries it verbatim), got '${name}'`);
    }
  }
  const contextAttributes = options.authorizerContextAttributes ?? [];
  const repeated = [...new Set(contextAttributes.filter((key, i) => contextAttributes.indexOf(key) !== i))];
  for (const key of repeated) {
    violations.push(`WebsocketPusher: connectionRoutes.authorizerContextAttributes lists '${key}' twice`);
  }
  for (const key of contextAttributes) {
    if (!AUTHORIZER_CONTEXT_KEY.test(key)) {
      violations.push(`WebsocketPusher: connectionRoutes.authorizerContextAttributes: '${key}' is not a key a template can read (letters, digits and _, not starting with a digit)`);
    } else if (Object.values(names).includes(key)) {
      violations.push(`WebsocketPusher: connectionRoutes.authorizerContextAttributes: '${key}' is a key or TTL attribute of the connections table`);
    } else if (key === DISCONNECT_REQUEST_ATTRIBUTE) {
      violations.push(`WebsocketPusher: connectionRoutes.authorizerContextAttributes: '${key}' is the connections table attribute a disconnect request sets (reserved)`);
    }
  }
  return table ? [...violations, ...tableKeyViolations(table, attributes)] : violations;
}

/** A table of this app whose keys are not the user id and connection id strings: the template could not fill them. */
function tableKeyViolations(table: dynamodb.ITable, attributes: TableAttributes): string[] {
  if (!(table instanceof dynamodb.Table)) return [];
  const { partitionKey, sortKey } = table.schema();
  const expected = `${attributes.userIdAttribute} (hash, string) and ${attributes.connectionIdAttribute} (range, string)`;
  return partitionKey.name !== attributes.userIdAttribute || partitionKey.type !== dynamodb.AttributeType.STRING
    || sortKey?.name !== attributes.connectionIdAttribute || sortKey.type !== dynamodb.AttributeType.STRING
    ? [`WebsocketPusher: connectionRoutes cannot fill connectionsTable's key (${partitionKey.name}${sortKey ? `, ${sortKey.name}` : ''}): its key must be ${expected}; set userIdAttribute / connectionIdAttribute to match`]
    : [];
}

/**
 * Adds `$connect` (`PutItem`) and `$disconnect` (`DeleteItem`) to the API, as AWS service integrations straight to
 * DynamoDB, with a role allowed exactly those two actions on the table.
 */
export function addConnectionRoutes(scope: Construct, api: apigwv2.IWebSocketApi, table: dynamodb.ITable,
  attributes: TableAttributes, options: ConnectionRoutesOptions): ConnectionRoutes {
  const role = new iam.Role(scope, 'ConnectionRoutesRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    description: '$connect / $disconnect routes: PutItem and DeleteItem on the connections table',
  });
  grantWriteConnections(role, table);
  const input: RowTemplateInput = {
    tableName: table.tableName,
    attributes,
    userIdReference: options.userId.reference,
    ttlSeconds: connectionTtlSeconds(options),
    contextAttributes: options.authorizerContextAttributes ?? [],
  };
  const integration = (id: string, action: string, template: string) => new WebSocketAwsIntegration(id, {
    integrationUri: `arn:${Aws.PARTITION}:apigateway:${Stack.of(scope).region}:dynamodb:action/${action}`,
    integrationMethod: 'POST',
    credentialsRole: role,
    requestTemplates: { [TEMPLATE_KEY]: template },
    templateSelectionExpression: TEMPLATE_SELECTION,
    passthroughBehavior: apigwv2.PassthroughBehavior.NEVER,
  });
  const connectRoute = new apigwv2.WebSocketRoute(scope, 'ConnectRoute', {
    webSocketApi: api,
    routeKey: '$connect',
    integration: integration('ConnectIntegration', 'PutItem', connectTemplate(input)),
    authorizer: options.authorizer,
    returnResponse: true,
  });
  const disconnectRoute = new apigwv2.WebSocketRoute(scope, 'DisconnectRoute', {
    webSocketApi: api,
    routeKey: '$disconnect',
    integration: integration('DisconnectIntegration', 'DeleteItem', disconnectTemplate(input)),
    returnResponse: true,
  });
  // A client that offered subprotocols (its token beside `websocket-pusher`) must get one selected, or the handshake fails.
  const protocol = options.authorizer instanceof JwtAuthorizer && options.authorizer.tokenSource === JwtTokenSource.SUBPROTOCOL
    ? { 'method.response.header.Sec-WebSocket-Protocol': `'${TOKEN_PROTOCOL}'` }
    : undefined;
  addIntegrationResponse(connectRoute, 'ConnectIntegration', CONNECT_RESPONSE_KEY, protocol);
  addIntegrationResponse(disconnectRoute, 'DisconnectIntegration', DISCONNECT_RESPONSE_KEY);
  suppressNag(disconnectRoute, 'AwsSolutions-APIG4',
    'API Gateway authorizes a WebSocket connection once, on $connect; $disconnect takes no authorizer.');
  if (!options.authorizer) {
    suppressNag(connectRoute, 'AwsSolutions-APIG4',
      'ConnectionUserId.anonymous() was chosen: connections have no user, and only broadcasts reach them.');
  }
  refuseDuplicateRoutes(scope, api, [connectRoute, disconnectRoute], (routeKey, path) =>
    `WebsocketPusher: connectionRoutes adds ${routeKey} to the API, which already has one (${path}): remove it, or write the rows yourself without connectionRoutes`);
  return { connectRoute, disconnectRoute, role };
}

/**
 * The integration responses. API Gateway's developer guide ("Set up a WebSocket API integration response"): "For
 * non-proxy integrations, you must set up at least one integration response"; without one, every call fails with
 * "No match for output mapping and no default output mapping configured", a successful PutItem included. The key is a
 * regular expression matched against the integration's status code, or `$default` for any status.
 *
 * `$connect` matches 2xx only: a PutItem that DynamoDB refuses (an empty user id, 400) or cannot do (5xx, throttling)
 * matches nothing, the route fails, and API Gateway refuses the connection ("If the `$connect` request fails (e.g., due
 * to AuthN/AuthZ failure or an integration failure), the connection will not be made": "Manage connected users and
 * client apps: `$connect` and `$disconnect` routes"). That an unmatched status is such a failure is inferred from the
 * error above (what users report, re:Post "No match for output mapping…"); the `/200/`-only key is what AWS's pattern
 * `apigw-websocket-api-connection-dynamodb` and the seed's stack (obytes/terraform-aws-sumu) deploy.
 *
 * `$disconnect` takes any status (`$default`): the client is gone whatever DynamoDB answers, and a row left behind is
 * pruned on 410 or expires.
 */
const CONNECT_RESPONSE_KEY = '/2\\d\\d/';
const DISCONNECT_RESPONSE_KEY = '$default';

function addIntegrationResponse(
  route: apigwv2.WebSocketRoute, integrationId: string, key: string, responseParameters?: Record<string, string>,
): void {
  const integration = route.node.findChild(integrationId) as apigwv2.WebSocketIntegration;
  new apigwv2.CfnIntegrationResponse(route, 'IntegrationResponse', {
    apiId: route.webSocketApi.apiId,
    integrationId: integration.integrationId,
    integrationResponseKey: key,
    ...(responseParameters ? { responseParameters } : {}),
  });
}

/** How long a connection's row lives after its `$connect`, in whole seconds (a token stays a token). */
export function connectionTtlSeconds(options: ConnectionRoutesOptions): number {
  return ttlSeconds(options.connectionTtl ?? DEFAULT_TTL);
}

/** Whole seconds (a token stays a token); a fraction of a second rounds up. */
function ttlSeconds(ttl: Duration): number {
  return ttl.isUnresolved() ? ttl.toSeconds() : Math.ceil(ttl.toSeconds({ integral: false }));
}
