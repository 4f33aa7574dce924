import { Duration } from 'aws-cdk-lib';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, WebsocketPusherProps } from '../../src';

function errorOf(props: Partial<WebsocketPusherProps>): string {
  const { stack, stage } = stackWithStage();
  try {
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, ...props });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('errors read right from Python and Java too', () => {
  test.each([
    [{ maxInFlight: 0 }, 'WebsocketPusher: maxInFlight must be an integer from 1 to 10000, got 0 [TestStack/Pusher; Python: max_in_flight]'],
    [{ segmentedBroadcast: { timeMargin: Duration.millis(10) } },
      'WebsocketPusher: segmentedBroadcast.timeMargin must be at least 1 second and less than the timeout (1 minute), got 10 millis [TestStack/Pusher; Python: segmented_broadcast.time_margin]'],
    [{ callbackUrl: 'wss://x' },
      "WebsocketPusher: callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got 'wss://x' [TestStack/Pusher; Python: callback_url]"],
    [{ connectionRoutes: { userId: ConnectionUserId.fromAuthorizer() } },
      'WebsocketPusher: connectionRoutes.authorizer is required with ConnectionUserId.fromAuthorizer(): without one, nothing vouches for the user id (use ConnectionUserId.anonymous() for connections without users) [TestStack/Pusher; Python: connection_routes.authorizer]'],
    [{ connectionRoutes: { userId: ConnectionUserId.anonymous() }, messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('lobby/*', { presence: true })] } },
      "WebsocketPusher: channels.rules: presence on 'lobby/*' needs lifecycleEvents (its presence table and grace period) [TestStack/Pusher; Python: lifecycle_events]"],
    [{
      connectionRoutes: { userId: ConnectionUserId.anonymous() },
      messageFormat: MessageFormat.ENVELOPE,
      channels: { rules: [ChannelRule.allow('feed/*', { history: Duration.days(31) })] },
    },
    "WebsocketPusher: channels.rules: history on 'feed/*' must be whole seconds from 1 minute to 30 days, got 31 days [TestStack/Pusher]"],
  ])('%j: the message names the construct and the Python spelling', (props, message) => {
    // WHEN / THEN
    expect(errorOf(props)).toBe(message);
  });

  test('several violations: one error lists every one, the path once and each line with its Python names', () => {
    // WHEN
    const message = errorOf({
      maxInFlight: 0,
      callbackUrl: 'wss://x',
      segmentedBroadcast: { timeMargin: Duration.millis(10) },
      connectionRoutes: { userId: ConnectionUserId.fromIamCaller(), connectionTtl: Duration.minutes(30), authorizerContextAttributes: ['tenant', 'tenant'] },
    });

    // THEN
    expect(message.split('\n')).toEqual([
      'WebsocketPusher: 6 errors in the props [TestStack/Pusher]:',
      '  - maxInFlight must be an integer from 1 to 10000, got 0 [Python: max_in_flight]',
      '  - segmentedBroadcast.timeMargin must be at least 1 second and less than the timeout (1 minute), got 10 millis [Python: segmented_broadcast.time_margin]',
      "  - callbackUrl must be an https:// URL of the Management API (e.g. https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), got 'wss://x' [Python: callback_url]",
      '  - connectionRoutes.authorizer is required with ConnectionUserId.fromIamCaller(): without one, nothing vouches for the user id '
        + '(use ConnectionUserId.anonymous() for connections without users) [Python: connection_routes.authorizer]',
      "  - connectionRoutes.connectionTtl must be at least 2 hours (API Gateway's longest connection: the pusher skips expired rows), got 30 minutes "
        + '[Python: connection_routes.connection_ttl]',
      "  - connectionRoutes.authorizerContextAttributes lists 'tenant' twice [Python: connection_routes.authorizer_context_attributes]",
    ]);
  });
});
