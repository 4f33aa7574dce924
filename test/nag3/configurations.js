// The configurations .ci/nag3's checks synthesize (those the construct tests check with cdk-nag 2), one stack each,
// against the packed library and the aws-cdk-lib of package.json.
const { App, Duration, Stack } = require('aws-cdk-lib');
const apigwv2 = require('aws-cdk-lib/aws-apigatewayv2');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const ec2 = require('aws-cdk-lib/aws-ec2');
const events = require('aws-cdk-lib/aws-events');
const lambda = require('aws-cdk-lib/aws-lambda');
const { ChannelRule, ConnectionUserId, JwtAuthorizer, JwtTokenSource, MessageFormat, WebsocketPusher } = require('cdk-websocket-pusher');

const configurations = {
  Defaults: () => ({}),
  EveryOption: () => ({
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    enableDisconnect: true,
    segmentedBroadcast: {},
    deduplication: {},
    alarms: {},
    connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
  }),
  InVpc: (stack) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }) }),
  JwtClients: (stack) => ({
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: {
      userId: ConnectionUserId.fromAuthorizer(),
      authorizer: new JwtAuthorizer(stack, 'Jwt', { issuer: 'https://login.example.com/', audience: ['app'], tokenSource: JwtTokenSource.SUBPROTOCOL }),
    },
  }),
  Channels: (stack) => ({
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: {
      userId: ConnectionUserId.fromAuthorizer(),
      authorizer: new JwtAuthorizer(stack, 'Jwt', { issuer: 'https://login.example.com/', audience: ['app'], contextClaims: ['tenant'] }),
      authorizerContextAttributes: ['tenant'],
    },
    segmentedBroadcast: {},
    channels: {
      rules: [
        ChannelRule.allow('user/{userId}/inbox'),
        ChannelRule.allow('tenant/{context.tenant}/*'),
        ChannelRule.hook('room/*', new lambda.Function(stack, 'RoomAccess', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async (e) => ({ allow: e.channel.startsWith("room/public-") });'),
        })),
      ],
      shards: 4,
      subscriptionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
    },
  }),
  LifecycleEvents: (stack) => {
    const props = {
      messageFormat: MessageFormat.ENVELOPE,
      connectionRoutes: {
        userId: ConnectionUserId.fromAuthorizer(),
        authorizer: new JwtAuthorizer(stack, 'Jwt', { issuer: 'https://login.example.com/', audience: ['app'], contextClaims: ['tenant'] }),
        authorizerContextAttributes: ['tenant'],
      },
      channels: { rules: [ChannelRule.allow('tenant/{context.tenant}/*')] },
      lifecycleEvents: {
        eventBus: new events.EventBus(stack, 'Bus'),
        presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      },
      alarms: {},
    };
    return props;
  },
  ChannelPresence: (stack) => ({
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    channels: {
      rules: [
        ChannelRule.allow('news/*', { history: Duration.days(1) }),
        ChannelRule.allow('lobby/*', { presence: true, history: Duration.hours(1) }),
        ChannelRule.hook('room/*', new lambda.Function(stack, 'RoomAccess', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({ allow: true });'),
        }), { presence: true }),
      ],
      subscriptionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      historyTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
    },
    connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
    lifecycleEvents: { presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } },
    alarms: {},
  }),
  LifecycleEventsDefaultBus: () => ({
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    lifecycleEvents: {},
  }),
};

/** An app writing to `outdir`, with a stack per configuration: a WebSocket API, its `live` stage and a pusher. */
function pusherApp(outdir) {
  const app = new App({ outdir });
  const pushers = Object.entries(configurations).map(([name, props]) => {
    const stack = new Stack(app, name, { env: { account: '111111111111', region: 'eu-west-1' } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
    return new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props(stack) });
  });
  return { app, pushers };
}

module.exports = { configurations, pusherApp };
