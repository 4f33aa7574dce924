import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ChannelsFunction } from '../channels-function';
import { ChannelRuleKind, ChannelsOptions } from '../channels-options';
import { ConnectionRoutesOptions, ConnectionUserIdSource } from '../connection-routes-options';
import { connectionTtlSeconds } from './connection-routes';
import { TableAttributes } from './connections-table';
import { hasHistory, historyField } from './history';
import { suppressNag } from './nag';
import { ownFunction } from './own-function';
import { refuseDuplicateRoutes } from './route-conflicts';
import { CHANNEL_SHARDS, CHANNELS_ENV, SUBSCRIPTIONS, SUBSCRIPTIONS_PER_CONNECTION } from '../shared/channels';
import { ENV } from '../shared/constants';

/** What `channels` adds. */
export interface Channels {
  readonly subscriptionsTable: dynamodb.ITable;
  readonly channelsFunction: lambda.Function;
  readonly routes: apigwv2.WebSocketRoute[];
}

export interface ChannelsInputs {
  readonly api: apigwv2.IWebSocketApi;
  readonly options: ChannelsOptions;
  readonly connectionRoutes: ConnectionRoutesOptions;
  readonly connectionsTable: dynamodb.ITable;
  readonly attributes: TableAttributes;
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

/**
 * The channels: the subscriptions table and the channels function behind the `subscribe`, `unsubscribe` and (unless the
 * API has its own) `$default` routes, and `presence` and `resume` when a rule has presence or history (the history
 * table and its grants are `addHistory`'s). The connection stream function, which removes a connection's subscriptions when
 * its row goes ($disconnect, TTL, a prune on 410, a disconnect request), is made by `addConnectionStream`.
 */
export function addChannels(scope: Construct, inputs: ChannelsInputs): Channels {
  const options = inputs.options;
  const subscriptionsTable = options.subscriptionsTable ?? createSubscriptionsTable(scope, options);
  const shards = options.shards ?? CHANNEL_SHARDS.DEFAULT;
  const common = {
    [CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME]: subscriptionsTable.tableName,
    [CHANNELS_ENV.CHANNEL_SHARDS]: String(shards),
    [ENV.SERVICE_NAME]: inputs.serviceName,
    [ENV.METRICS_NAMESPACE]: inputs.metricsNamespace,
  };
  const channelsFunction = ownFunction(scope, 'ChannelsFunction', 'channels', (props) => new ChannelsFunction(scope, 'ChannelsFunction', props), {
    ...common,
    [CHANNELS_ENV.CHANNEL_RULES]: Stack.of(scope).toJsonString(options.rules.map((rule) => ({
      pattern: rule.pattern,
      kind: rule.kind,
      ...(rule.kind === ChannelRuleKind.HOOK ? { hook: rule.handler!.functionArn } : {}),
      ...(rule.presence ? { presence: true } : {}),
      ...historyField(rule),
    }))),
    [CHANNELS_ENV.MAX_SUBSCRIPTIONS]: String(options.maxSubscriptionsPerConnection ?? SUBSCRIPTIONS_PER_CONNECTION.DEFAULT),
    [CHANNELS_ENV.USER_ID_SOURCE]: userIdSource(inputs.connectionRoutes),
    [CHANNELS_ENV.CONNECTION_TTL_SECONDS]: String(connectionTtlSeconds(inputs.connectionRoutes)),
  });
  grantSubscriptions(channelsFunction, subscriptionsTable, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], ['dynamodb:Query']);
  // The hook's own ARN, as CHANNEL_RULES names it: not grantInvoke's `<arn>:*` too (every version and alias).
  const hooks = options.rules.flatMap((rule) => (rule.handler ? [rule.handler.functionArn] : []));
  if (hooks.length > 0) iam.Grant.addToPrincipal({ grantee: channelsFunction, actions: ['lambda:InvokeFunction'], resourceArns: [...new Set(hooks)] });

  const routes = addChannelRoutes(scope, inputs.api, channelsFunction, { presence: hasPresence(options), resume: hasHistory(options) });
  return { subscriptionsTable, channelsFunction, routes };
}

/** The subscriptions table: sharded channel keys, the connection's GSI for cleanup, TTL with the connection's. */
function createSubscriptionsTable(scope: Construct, options: ChannelsOptions): dynamodb.Table {
  const props = options.subscriptionsTableProps ?? {};
  const table = new dynamodb.Table(scope, 'SubscriptionsTable', {
    tableName: props.tableName,
    partitionKey: { name: SUBSCRIPTIONS.CHANNEL_KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: SUBSCRIPTIONS.CONNECTION_ID, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
    timeToLiveAttribute: SUBSCRIPTIONS.EXPIRES_AT,
    deletionProtection: props.deletionProtection,
    encryption: props.encryption,
    encryptionKey: props.encryptionKey,
    // Subscriptions are derived from live connections: a new table loses nothing a client does not re-create.
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
  table.addGlobalSecondaryIndex({
    indexName: SUBSCRIPTIONS.BY_CONNECTION_INDEX,
    partitionKey: { name: SUBSCRIPTIONS.CONNECTION_ID, type: dynamodb.AttributeType.STRING },
    sortKey: { name: SUBSCRIPTIONS.CHANNEL_KEY, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
  return table;
}

/** Exactly these actions on the table, and these on its GSI (plus the key's, on a customer-managed key). */
export function grantSubscriptions(fn: lambda.Function, table: dynamodb.ITable, tableActions: string[], indexActions: string[]) {
  iam.Grant.addToPrincipal({ grantee: fn, actions: tableActions, resourceArns: [table.tableArn] });
  iam.Grant.addToPrincipal({ grantee: fn, actions: indexActions, resourceArns: [`${table.tableArn}/index/${SUBSCRIPTIONS.BY_CONNECTION_INDEX}`] });
  table.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
}

/** Where the channels function finds a connection's user id in `requestContext`, as `connectionRoutes` stores it. */
function userIdSource(routes: ConnectionRoutesOptions): string {
  switch (routes.userId.source) {
    case ConnectionUserIdSource.IAM_CALLER: return 'iam';
    case ConnectionUserIdSource.ANONYMOUS: return 'connection';
    default: return `authorizer:${routes.userId.reference.replace('$context.authorizer.', '')}`;
  }
}

const INTEGRATION_ID = 'ChannelsIntegration';
/** The id WebSocketLambdaIntegration gives the invoke permission it adds under a route: `<integration id>-Permission`. */
const PERMISSION_ID = `${INTEGRATION_ID}-Permission`;

/** Whether a rule turns presence on. */
export function hasPresence(options: ChannelsOptions): boolean {
  return Array.isArray(options.rules) && options.rules.some((rule) => rule?.presence === true);
}

/**
 * `subscribe`, `unsubscribe`, `presence` when a rule turns it on, `resume` when a rule keeps history, and `$default`
 * unless the API of this app already has one: two-way Lambda routes.
 */
function addChannelRoutes(scope: Construct, api: apigwv2.IWebSocketApi, fn: lambda.Function,
  optional: { readonly presence: boolean; readonly resume: boolean }): apigwv2.WebSocketRoute[] {
  const keys = ['subscribe', 'unsubscribe', ...(['presence', 'resume'] as const).filter((key) => optional[key]),
    ...(hasDefaultRoute(scope, api) ? [] : ['$default'])];
  const integration = new WebSocketLambdaIntegration(INTEGRATION_ID, fn);
  const routes = keys.map((routeKey) => {
    const route = new apigwv2.WebSocketRoute(scope, `${routeKey === '$default' ? 'Default' : routeKey[0].toUpperCase() + routeKey.slice(1)}Route`, {
      webSocketApi: api, routeKey, integration, returnResponse: true,
    });
    suppressNag(route, 'AwsSolutions-APIG4', 'API Gateway authorizes a WebSocket connection once, on $connect; later routes take no authorizer.');
    return route;
  });
  // Older aws-cdk-lib versions (the floor, 2.189, among them; aws/aws-cdk#38148) bind the shared integration once, for
  // the first route, whose key alone its invoke permission names (`<api>/*subscribe`): every other route gets the same
  // permission here, or API Gateway may not invoke the function for it (`presence`, `resume`, `$default`). Newer ones add it to
  // every route themselves, under this id.
  for (const route of routes) {
    if (route.node.tryFindChild(PERMISSION_ID)) continue;
    fn.addPermission(PERMISSION_ID, {
      scope: route,
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(route).formatArn({ service: 'execute-api', resource: api.apiId, resourceName: `*${route.routeKey}` }),
    });
  }
  refuseDuplicateRoutes(scope, api, routes, (routeKey, path) =>
    `WebsocketPusher: channels adds the ${routeKey} route to the API, which already has one (${path}): remove it${routeKey === '$default' ? ' (an app\'s own $default added before the pusher is kept: add it first)' : ''}`);
  return routes;
}

function hasDefaultRoute(scope: Construct, api: apigwv2.IWebSocketApi): boolean {
  return scope.node.root.node.findAll().some((c) => c instanceof apigwv2.CfnRoute && c.apiId === api.apiId && c.routeKey === '$default');
}
