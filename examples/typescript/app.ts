import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { WebsocketPusher } from 'cdk-websocket-pusher';

const app = new App();
const stack = new Stack(app, 'PusherExample', { env: { account: '111111111111', region: 'eu-west-1' } });

// The WebSocket API whose users receive the pushes.
const api = new apigwv2.WebSocketApi(stack, 'Api');
const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });

const pusher = new WebsocketPusher(stack, 'Pusher', {
  webSocketStage: stage,
  maxInFlight: 128,
  timeout: Duration.minutes(2),
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

app.synth();
