import { Duration } from 'aws-cdk-lib';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher } from '../../src';

/** The acknowledgments cdk-nag 3 reads from a construct's metadata. */
const acknowledged = (node: { node: { metadata: Array<{ type: string; data: any }> } }) => node.node.metadata
  .filter((m) => m.type === 'aws:cdk:acknowledged-rules').flatMap((m) => Object.keys(m.data));

describe('cdk-nag 3 acknowledgments (the check itself runs in .ci/nag3, on the aws-cdk-lib cdk-nag 3 needs)', () => {
  test('the exact granular findings of the @connections/* wildcard, rendered as cdk-nag renders them', () => {
    // GIVEN
    const { app, stack, stage } = stackWithStage();
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, enableDisconnect: true });

    // WHEN the app is synthesized (the findings are computed then)
    app.synth();

    // THEN
    const api = stack.getLogicalId(stage.api.node.defaultChild as any);
    const policy = pusher.role.node.findChild('DefaultPolicy').node.defaultChild as any;
    expect(acknowledged(policy)).toEqual(['POST', 'DELETE'].map((m) =>
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:eu-west-1:111111111111:<${api}>/live/${m}/@connections/*]`));
  });

  test('with history, the channels function\'s @connections/* wildcard too: POST only, on its own policy', () => {
    // GIVEN
    const { app, stack, stage } = stackWithStage();
    const pusher = new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: stage,
      connectionRoutes: { userId: ConnectionUserId.anonymous() },
      messageFormat: MessageFormat.ENVELOPE,
      channels: { rules: [ChannelRule.allow('feed/*', { history: Duration.hours(1) })] },
    });

    // WHEN
    app.synth();

    // THEN
    const api = stack.getLogicalId(stage.api.node.defaultChild as any);
    const policy = pusher.channelsFunction!.role!.node.findChild('DefaultPolicy').node.defaultChild as any;
    expect(acknowledged(policy)).toEqual([
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:eu-west-1:111111111111:<${api}>/live/POST/@connections/*]`,
    ]);
  });

  test('whole-rule acknowledgments where cdk-nag 2 suppresses a rule without applies_to', () => {
    // WHEN
    const { app, stack, stage } = stackWithStage();
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage });
    app.synth();

    // THEN
    expect(acknowledged(pusher.pusherFunction.node.defaultChild as any)).toEqual(['AwsSolutions::AwsSolutions-L1']);
    expect(acknowledged(pusher.failedEventsQueue!.node.defaultChild as any)).toEqual(['AwsSolutions::AwsSolutions-SQS3']);
  });
});
