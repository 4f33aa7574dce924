import { Template, Match } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { integrationsWithoutResponse, nagFindings, stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';

const routes = { userId: ConnectionUserId.anonymous() };

function synth(extra: Partial<WebsocketPusherProps> = {}, before?: (s: ReturnType<typeof stackWithStage>) => void) {
  const s = stackWithStage();
  before?.(s);
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: routes,
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*')] },
    ...extra,
  });
  return { ...s, pusher, template: Template.fromStack(s.stack) };
}

const resources = (template: Template, type: string): any[] => Object.values(template.findResources(type));

describe('channels', () => {
  test('the subscriptions table: sharded channel keys, the by_connection index, TTL, on demand, destroyed with the stack', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'channel_key', KeyType: 'HASH' }, { AttributeName: 'connection_id', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        GlobalSecondaryIndexes: [{
          IndexName: 'by_connection',
          Projection: { ProjectionType: 'KEYS_ONLY' },
          KeySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }, { AttributeName: 'channel_key', KeyType: 'RANGE' }],
        }],
      }),
      DeletionPolicy: 'Delete',
    });
  });

  test('the connections table gets a stream, and the cleanup function reads it with partial failures, bisect and a DLQ', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ConnectionsTable'), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      StartingPosition: 'LATEST',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CleanupFailuresQueue'), 'Arn'] } } },
    });
  });

  test('subscribe, unsubscribe and $default: two-way Lambda routes to the channels function', () => {
    const { template } = synth();
    const keys = resources(template, 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey).sort();
    expect(keys).toEqual(['$connect', '$default', '$disconnect', 'ping', 'subscribe', 'unsubscribe']);
    for (const key of ['subscribe', 'unsubscribe', '$default']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, RouteResponseSelectionExpression: '$default' });
    }
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY' }, 1);
    expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  });

  test('API Gateway may invoke the channels function for each of its routes ($default included), not only the first', () => {
    const { stack, api, pusher, template } = synth();
    const fnId = stack.getLogicalId(pusher.channelsFunction!.node.defaultChild as any);
    const sourceArns = resources(template, 'AWS::Lambda::Permission')
      .filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com' && JSON.stringify(p.Properties.FunctionName).includes(fnId))
      .map((p) => p.Properties.SourceArn['Fn::Join'][1]);
    const apiRef = { Ref: stack.getLogicalId(api.node.defaultChild as any) };
    expect(sourceArns.map((parts) => parts.at(-1)).sort()).toEqual(['/*$default', '/*subscribe', '/*unsubscribe']);
    for (const parts of sourceArns) expect(parts.slice(0, 4)).toEqual(['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:', apiRef]);
  });

  test('the channels function\'s settings: the rules (a hook by its ARN), shards, the limit, where the user id is, the TTL', () => {
    const { template } = synth({ channels: { rules: [ChannelRule.allow('user/{userId}'), ChannelRule.hook('room/*', lambda.Function.fromFunctionArn(stackWithStage().stack, 'H', 'arn:aws:lambda:eu-west-1:111111111111:function:hook'))], shards: 4, maxSubscriptionsPerConnection: 10 } });
    const fn = resources(template, 'AWS::Lambda::Function').find((f) => f.Properties.Description === 'WebsocketPusher: channels');
    expect(fn.Properties.Environment.Variables).toMatchObject({
      CHANNEL_SHARDS: '4',
      MAX_SUBSCRIPTIONS: '10',
      USER_ID_SOURCE: 'connection',
      CONNECTION_TTL_SECONDS: '7500',
      CHANNEL_RULES: '[{"pattern":"user/{userId}","kind":"allow"},{"pattern":"room/*","kind":"hook","hook":"arn:aws:lambda:eu-west-1:111111111111:function:hook"}]',
    });
    const pusher = resources(template, 'AWS::Lambda::Function').find((f) => f.Properties.Environment?.Variables?.CONNECTIONS_TABLE_NAME);
    expect(pusher.Properties.Environment.Variables).toMatchObject({ SUBSCRIPTIONS_TABLE_NAME: { Ref: expect.stringMatching(/^PusherSubscriptionsTable/) }, CHANNEL_SHARDS: '4' });
  });

  test('an app\'s own $default is kept', () => {
    const { template } = synth({}, ({ api }) => api.addRoute('$default', { integration: new WebSocketMockIntegration('Own') }));
    expect(resources(template, 'AWS::ApiGatewayV2::Route').filter((r) => r.Properties.RouteKey === '$default')).toHaveLength(1);
  });

  test.each([
    [{ connectionRoutes: undefined }, 'channels needs connectionRoutes'],
    [{ messageFormat: undefined }, 'channels needs messageFormat: MessageFormat.ENVELOPE'],
    [{ channels: { rules: [] } }, 'channels.rules needs at least one rule'],
    [{ channels: { rules: [ChannelRule.allow('room/{user}')] } }, 'the pattern \'room/{user}\' is not one'],
    [{ channels: { rules: [ChannelRule.allow('a/b')], shards: 101 } }, 'channels.shards must be an integer from 1 to 100'],
    [{ channels: { rules: [ChannelRule.allow('a')], maxSubscriptionsPerConnection: 0 } }, 'channels.maxSubscriptionsPerConnection must be an integer from 1 to 1000'],
  ])('refused at synth: %j, with "%s"', (extra, message) => {
    expect(() => synth(extra as Partial<WebsocketPusherProps>)).toThrow(message);
  });

  test('a given connections table without a stream is refused', () => {
    const s = stackWithStage();
    const table = new dynamodb.Table(s.stack, 'T', { partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'connection_id', type: dynamodb.AttributeType.STRING } });
    expect(() => new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionsTable: table, connectionRoutes: routes, messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('a')] } }))
      .toThrow('connectionsTable needs a stream');
  });

  test('an API routing by another expression is refused', () => {
    const s = stackWithStage();
    const api = new apigwv2.WebSocketApi(s.stack, 'Typed', { routeSelectionExpression: '$request.body.type' });
    const stage = new apigwv2.WebSocketStage(s.stack, 'TypedStage', { webSocketApi: api, stageName: 'x' });
    expect(() => new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: stage, connectionRoutes: routes, messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('a')] } }))
      .toThrow('channels needs the API\'s routeSelectionExpression to be $request.body.action');
  });

  test('cdk-nag: no unsuppressed finding', () => {
    const { app, stack } = synth();
    expect(nagFindings(app, stack)).toEqual([]);
  });
});
