import { Duration } from 'aws-cdk-lib';
import { stackWithStage } from './support';
import { ConnectionUserId, WebsocketPusher } from '../../src';

/** The construct called from plain JavaScript: no type checker between the caller and the props. */
function errorFromJavaScript(props: (stage: unknown) => unknown): string {
  const { stack, stage } = stackWithStage();
  try {
    new WebsocketPusher(stack, 'Pusher', props(stage) as any);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
}

const DURATION = 'a Duration (e.g. Duration.minutes(1))';
const STAGE = 'an IWebSocketStage (a WebSocketStage, or one from WebSocketStage.fromWebSocketStageAttributes)';

describe('from plain JavaScript, a missing or mistyped prop gets a message naming it, never a TypeError', () => {
  test.each([
    ['no props at all', () => undefined,
      `WebsocketPusher: webSocketStage is required: ${STAGE} [TestStack/Pusher; Python: web_socket_stage]`],
    ['no webSocketStage', () => ({ maxInFlight: 64 }),
      `WebsocketPusher: webSocketStage is required: ${STAGE} [TestStack/Pusher; Python: web_socket_stage]`],
    ['a stage name for webSocketStage', () => ({ webSocketStage: 'live' }),
      `WebsocketPusher: webSocketStage must be ${STAGE}, got 'live' [TestStack/Pusher; Python: web_socket_stage]`],
    ['connectionRoutes without userId', (stage: unknown) => ({ webSocketStage: stage, connectionRoutes: {} }),
      'WebsocketPusher: connectionRoutes.userId is required: a ConnectionUserId (ConnectionUserId.fromAuthorizer(), .fromIamCaller() or .anonymous()) '
        + '[TestStack/Pusher; Python: connection_routes.user_id]'],
    ['a number for timeout', (stage: unknown) => ({ webSocketStage: stage, timeout: 5 }),
      `WebsocketPusher: timeout must be ${DURATION}, got 5 [TestStack/Pusher]`],
    ['a string for maxInFlight', (stage: unknown) => ({ webSocketStage: stage, maxInFlight: '128' }),
      "WebsocketPusher: maxInFlight must be a number, got '128' [TestStack/Pusher; Python: max_in_flight]"],
    ['a string for enableQueue', (stage: unknown) => ({ webSocketStage: stage, enableQueue: 'false' }),
      "WebsocketPusher: enableQueue must be a boolean, got 'false' [TestStack/Pusher; Python: enable_queue]"],
    ['a number for userIdAttribute', (stage: unknown) => ({ webSocketStage: stage, userIdAttribute: 7 }),
      'WebsocketPusher: userIdAttribute must be a string, got 7 [TestStack/Pusher; Python: user_id_attribute]'],
    ['a queue ARN for queue', (stage: unknown) => ({ webSocketStage: stage, queue: 'arn:aws:sqs:eu-west-1:111111111111:requests' }),
      "WebsocketPusher: queue must be an IQueue, got 'arn:aws:sqs:eu-west-1:111111111111:requests' [TestStack/Pusher]"],
    ['seconds for queueProps.visibilityTimeout', (stage: unknown) => ({ webSocketStage: stage, queueProps: { visibilityTimeout: 360 } }),
      `WebsocketPusher: queueProps.visibilityTimeout must be ${DURATION}, got 360 [TestStack/Pusher; Python: queue_props.visibility_timeout]`],
    ['seconds for segmentedBroadcast.timeMargin', (stage: unknown) => ({ webSocketStage: stage, segmentedBroadcast: { timeMargin: 10 } }),
      `WebsocketPusher: segmentedBroadcast.timeMargin must be ${DURATION}, got 10 [TestStack/Pusher; Python: segmented_broadcast.time_margin]`],
    ['true for deduplication', (stage: unknown) => ({ webSocketStage: stage, deduplication: true }),
      'WebsocketPusher: deduplication must be a DeduplicationOptions, got true [TestStack/Pusher]'],
    ['a string for authorizerContextAttributes', (stage: unknown) => ({
      webSocketStage: stage, connectionRoutes: { userId: ConnectionUserId.anonymous(), authorizerContextAttributes: 'tenant' },
    }), "WebsocketPusher: connectionRoutes.authorizerContextAttributes must be an array of strings, got 'tenant' "
      + '[TestStack/Pusher; Python: connection_routes.authorizer_context_attributes]'],
    ['a name for logRetention', (stage: unknown) => ({ webSocketStage: stage, logRetention: 'ONE_DAY' }),
      "WebsocketPusher: logRetention must be a RetentionDays (e.g. RetentionDays.ONE_MONTH), got 'ONE_DAY' [TestStack/Pusher; Python: log_retention]"],
    ['a runtime name for runtime', (stage: unknown) => ({ webSocketStage: stage, runtime: 'nodejs22.x' }),
      "WebsocketPusher: runtime must be a Runtime (e.g. Runtime.NODEJS_22_X), got 'nodejs22.x' [TestStack/Pusher]"],
    ['an id for securityGroups', (stage: unknown) => ({ webSocketStage: stage, securityGroups: ['sg-0123'] }),
      'WebsocketPusher: securityGroups must be an array of ISecurityGroup, got an array [TestStack/Pusher; Python: security_groups]'],
  ])('%s', (_name, props, message) => {
    // WHEN / THEN
    expect(errorFromJavaScript(props)).toBe(message);
  });

  test('several at once: one error lists every one, types and rules alike', () => {
    // WHEN
    const message = errorFromJavaScript((stage) => ({
      webSocketStage: stage,
      timeout: 60,
      maxInFlight: 0,
      enableTopic: 'no',
      alarms: { oldestMessageAge: 300 },
      connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), connectionTtl: Duration.minutes(30) },
    }));

    // THEN
    expect(message.split('\n')).toEqual([
      'WebsocketPusher: 6 errors in the props [TestStack/Pusher]:',
      "  - enableTopic must be a boolean, got 'no' [Python: enable_topic]",
      `  - alarms.oldestMessageAge must be ${DURATION}, got 300 [Python: alarms.oldest_message_age]`,
      `  - timeout must be ${DURATION}, got 60`,
      '  - maxInFlight must be an integer from 1 to 10000, got 0 [Python: max_in_flight]',
      '  - connectionRoutes.authorizer is required with ConnectionUserId.fromAuthorizer(): without one, nothing vouches for the user id '
        + '(use ConnectionUserId.anonymous() for connections without users) [Python: connection_routes.authorizer]',
      "  - connectionRoutes.connectionTtl must be at least 2 hours (API Gateway's longest connection: the pusher skips expired rows), got 30 minutes "
        + '[Python: connection_routes.connection_ttl]',
    ]);
  });

  test('a mistyped value is left out of the checks that read it: no second message for one mistake', () => {
    // WHEN the attribute names are mistyped, which the rule that they differ would compare
    const message = errorFromJavaScript((stage) => ({ webSocketStage: stage, userIdAttribute: 1, connectionIdAttribute: 1 }));

    // THEN
    expect(message.split('\n')).toEqual([
      'WebsocketPusher: 2 errors in the props [TestStack/Pusher]:',
      '  - userIdAttribute must be a string, got 1 [Python: user_id_attribute]',
      '  - connectionIdAttribute must be a string, got 1 [Python: connection_id_attribute]',
    ]);
  });
});
