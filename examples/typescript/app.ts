import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ChannelRule, ConnectionUserId, JwtAuthorizer, LifecycleEvent, MessageFormat, WebsocketPusher } from 'cdk-websocket-pusher';

const app = new App();
const stack = new Stack(app, 'PusherExample', { env: { account: '111111111111', region: 'eu-west-1' } });

// The WebSocket API whose users receive the pushes.
const api = new apigwv2.WebSocketApi(stack, 'Api');
const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });

// Clients connect with ?token=<a JWT of your identity provider>: its sub is the user id, its tenant claim kept.
const authorizer = new JwtAuthorizer(stack, 'TokenAuthorizer', {
  issuer: 'https://login.example.com/',
  audience: ['pusher-example'],
  contextClaims: ['tenant'],
});

// Who is told when something needs a look.
const onCall = new sns.Topic(stack, 'OnCall');

// Who may join a room: your function decides (a sketch: the public rooms only).
const roomAccess = new lambda.Function(stack, 'RoomAccess', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline("exports.handler = async (e) => ({ allow: e.channel.startsWith('room/public-') });"),
});

const pusher = new WebsocketPusher(stack, 'Pusher', {
  webSocketStage: stage,
  maxInFlight: 128,
  timeout: Duration.minutes(2),
  // $connect / $disconnect write and delete the rows themselves (no Lambda), the user id from the authorizer.
  connectionRoutes: {
    userId: ConnectionUserId.fromAuthorizer(),
    authorizer,
    authorizerContextAttributes: ['tenant'],
  },
  enableDisconnect: true,
  // Clients receive {"type":"message","id":…,"data":…}: the id lets them drop a duplicate.
  messageFormat: MessageFormat.ENVELOPE,
  // Clients subscribe to channels ({"action":"subscribe","channel":"room/public-42"}); the first rule that covers one decides.
  channels: {
    rules: [
      ChannelRule.allow('user/{userId}/inbox', { history: Duration.hours(1) }), // each user its own inbox; an hour of history to resume
      ChannelRule.allow('tenant/{context.tenant}/*'), // the channels of the connection's tenant (its tenant claim)
      ChannelRule.hook('room/*', roomAccess), // roomAccess decides
    ],
    shards: 2, // each channel's subscriptions over 2 partitions: twice the subscribes a second
  },
  // Connected, Disconnected, UserOnline, UserOffline on the account's default event bus; offline once gone a minute.
  lifecycleEvents: { offlineGracePeriod: Duration.minutes(1) },
  // Dead-letter queues not empty, failed requests, errors, throttles, a backlog: to the on-call topic.
  alarms: { alarmActions: [new actions.SnsAction(onCall)] },
});

// The pusher's metrics are methods: an alarm of your own on them.
new cloudwatch.Alarm(stack, 'ManyGone', {
  metric: pusher.metricGone({ period: Duration.hours(1) }),
  threshold: 1000,
  evaluationPeriods: 1,
});

// A backend that publishes notification requests to the pusher's topic and queue.
const backend = new lambda.Function(stack, 'Backend', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => {};'),
  environment: {
    NOTIFICATIONS_TOPIC_ARN: pusher.topic!.topicArn,
    NOTIFICATIONS_QUEUE_URL: pusher.queue!.queueUrl,
  },
});
pusher.grantPublish(backend);

// The backend is told who comes online and goes offline, to tell everyone else (a request with exclude_users).
pusher.onLifecycleEvent('PresenceChanges', {
  eventTypes: [LifecycleEvent.USER_ONLINE, LifecycleEvent.USER_OFFLINE],
  target: new targets.LambdaFunction(backend),
});

app.synth();
