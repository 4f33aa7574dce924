import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { integrationsWithoutResponse, nagFindings, stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';

// Channel presence (a rule's `presence: true`): it needs lifecycleEvents; it adds the `presence` route and wires the
// channels function and the connection stream function to the presence table, the connections table and the work
// queue, with exactly the grants they use. Without a presence rule nothing of it is there.

type Extra = (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps>;

/** Channels with a plain rule and a presence rule, lifecycle events on; `extra` overrides any prop. */
function synth(extra: Extra = () => ({})) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('lobby/*', { presence: true })] },
    lifecycleEvents: {},
    ...extra(s),
  });
  return { ...s, pusher, template: Template.fromStack(s.stack) };
}

const hookIn = (s: ReturnType<typeof stackWithStage>) => new lambda.Function(s.stack, 'RoomHook', {
  runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({ allow: true });'),
});

/** The statements of the policies attached to `role`, each as [actions, resources], CDK tokens kept as they are. */
function statementsOf(template: Template, stack: any, role: iam.IRole): Array<{ actions: string[]; resources: unknown[] }> {
  const roleId = stack.getLogicalId(role.node.defaultChild);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) => policy.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
    .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat() }));
}

const idOf = (stack: any, construct: any) => stack.getLogicalId(construct.node.defaultChild);
const arnOf = (stack: any, construct: any) => ({ 'Fn::GetAtt': [idOf(stack, construct), 'Arn'] });
const indexOf = (stack: any, table: any) => ({ 'Fn::Join': ['', [arnOf(stack, table), '/index/by_connection']] });
const defaultBusArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111111111111:event-bus/default']] };
const resources = (template: Template, type: string): Array<[string, any]> => Object.entries(template.findResources(type));
const functionEnv = (template: Template, stack: any, fn: any): Record<string, unknown> =>
  template.findResources('AWS::Lambda::Function')[idOf(stack, fn)].Properties.Environment.Variables;
/**
 * Channel lifecycle events (`Subscribed` / `Unsubscribed`, not presence) give the channels function `events:PutEvents`
 * on the bus when lifecycleEvents is on: the statements below leave it out, and check it is exactly that.
 */
const isBusStatement = (s: { actions: string[] }) => s.actions.some((a) => a.startsWith('events:'));
function expectOnlyPutEventsOnTheBus(statements: Array<{ actions: string[]; resources: unknown[] }>): void {
  for (const statement of statements.filter(isBusStatement)) expect(statement).toEqual({ actions: ['events:PutEvents'], resources: [defaultBusArn] });
}
const routeKeys = (template: Template) => resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();

describe('channel presence: synth-time errors', () => {
  const construct = (props: Partial<WebsocketPusherProps>) => () => {
    const s = stackWithStage();
    new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage, connectionRoutes: { userId: ConnectionUserId.anonymous() }, messageFormat: MessageFormat.ENVELOPE, ...props,
    });
  };

  test('a presence rule without lifecycleEvents: the message names channels.rules, the pattern, lifecycleEvents and its Python spelling', () => {
    expect(construct({ channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('lobby/*', { presence: true })] } })).toThrow(
      "WebsocketPusher: channels.rules: presence on 'lobby/*' needs lifecycleEvents (its presence table and grace period) [TestStack/Pusher; Python: lifecycle_events]");
  });

  test('presence that is not a boolean (a JavaScript caller\'s \'yes\'): refused at synth, naming the pattern', () => {
    const rule = ChannelRule.allow('lobby/*', { presence: 'yes' as unknown as boolean });
    expect(construct({ channels: { rules: [rule] }, lifecycleEvents: {} })).toThrow(
      "WebsocketPusher: channels.rules: presence on 'lobby/*' must be a boolean");
    expect(ChannelRule.allow('lobby/*', null as unknown as {}).presence).toBe(false);
  });

  test('a hook rule with presence, without lifecycleEvents: refused the same way, naming its pattern (placeholders not taken for props)', () => {
    const s = stackWithStage();
    const hook = hookIn(s);
    expect(() => new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage,
      connectionRoutes: { userId: ConnectionUserId.anonymous() },
      messageFormat: MessageFormat.ENVELOPE,
      channels: { rules: [ChannelRule.hook('team/{context.teamId}/*', hook, { presence: true })] },
    })).toThrow(
      "WebsocketPusher: channels.rules: presence on 'team/{context.teamId}/*' needs lifecycleEvents (its presence table and grace period) [TestStack/Pusher; Python: lifecycle_events]");
  });

  test.each([
    ['no presence rule', [ChannelRule.allow('lobby/*')]],
    ['presence: false', [ChannelRule.allow('lobby/*', { presence: false })]],
    ['no options', [ChannelRule.allow('lobby/*', {})]],
  ])('%s: channels without lifecycleEvents are accepted', (_name, rules) => {
    expect(construct({ channels: { rules } })).not.toThrow();
  });

  test('with lifecycleEvents a presence rule is accepted', () => {
    expect(() => synth()).not.toThrow();
  });

  test('among other violations: its own line, with its Python spelling', () => {
    expect(construct({ maxInFlight: 0, channels: { rules: [ChannelRule.allow('lobby/*', { presence: true })] } })).toThrow(
      "  - channels.rules: presence on 'lobby/*' needs lifecycleEvents (its presence table and grace period) [Python: lifecycle_events]");
  });
});

describe('channel presence: the presence route', () => {
  test('with a presence rule: presence is a two-way Lambda route to the channels function, beside subscribe, unsubscribe and $default', () => {
    // WHEN
    const { stack, pusher, template, ...s } = synth();

    // THEN
    expect(routeKeys(template)).toEqual(['$connect', '$default', '$disconnect', 'ping', 'presence', 'subscribe', 'unsubscribe']);
    const byKey = Object.fromEntries(resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties]));
    expect(byKey.presence).toMatchObject({ RouteResponseSelectionExpression: '$default', Target: byKey.subscribe.Target });
    expect(resources(template, 'AWS::ApiGatewayV2::RouteResponse').filter(([, r]) => JSON.stringify(r.Properties.RouteId).includes('PresenceRoute')))
      .toHaveLength(1);
    // the one proxy integration, to the channels function
    const proxies = resources(template, 'AWS::ApiGatewayV2::Integration').filter(([, i]) => i.Properties.IntegrationType === 'AWS_PROXY');
    expect(proxies).toHaveLength(1);
    expect(JSON.stringify(proxies[0][1].Properties.IntegrationUri)).toContain(idOf(stack, pusher.channelsFunction));
    expect(byKey.presence.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: proxies[0][0] }]] });
    // API Gateway may invoke the channels function for each route: the shared integration's own permission names the
    // first route only (`<api>/*subscribe`), which neither `presence` nor `$default` matches
    const permissions = resources(template, 'AWS::Lambda::Permission')
      .filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(idOf(stack, pusher.channelsFunction)))
      .map(([, p]) => p.Properties);
    for (const permission of permissions) expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    const apiId = idOf(stack, s.api);
    expect(permissions.map((p) => p.SourceArn).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual(['*$default', '*presence', '*subscribe', '*unsubscribe'].map((route) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:', { Ref: apiId }, `/${route}`]],
      })));
    expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  });

  test('a hook rule with presence turns it on too', () => {
    const { template } = synth((s) => ({ channels: { rules: [ChannelRule.hook('room/*', hookIn(s), { presence: true })] } }));
    expect(routeKeys(template)).toContain('presence');
  });

  test.each([
    ['no presence rule, with lifecycleEvents', (): Partial<WebsocketPusherProps> => ({ channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('lobby/*')] } })],
    ['presence: false', (): Partial<WebsocketPusherProps> => ({ channels: { rules: [ChannelRule.allow('lobby/*', { presence: false })] } })],
    ['no presence rule, no lifecycleEvents', (): Partial<WebsocketPusherProps> => ({ channels: { rules: [ChannelRule.allow('lobby/*')] }, lifecycleEvents: undefined })],
  ])('%s: no presence route', (_name, extra) => {
    const { template } = synth(extra);
    expect(routeKeys(template)).toEqual(['$connect', '$default', '$disconnect', 'ping', 'subscribe', 'unsubscribe']);
  });
});

describe('channel presence: the functions\' settings', () => {
  test('CHANNEL_RULES: "presence":true on the presence rule only (a hook rule\'s too)', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({
      channels: {
        rules: [
          ChannelRule.allow('news/*'),
          ChannelRule.allow('lobby/*', { presence: true }),
          ChannelRule.hook('room/*', lambda.Function.fromFunctionArn(s.stack, 'H', 'arn:aws:lambda:eu-west-1:111111111111:function:hook'), { presence: true }),
          ChannelRule.hook('vip/*', lambda.Function.fromFunctionArn(s.stack, 'V', 'arn:aws:lambda:eu-west-1:111111111111:function:vip'), { presence: false }),
        ],
      },
    }));

    // THEN
    expect(JSON.parse(functionEnv(template, stack, pusher.channelsFunction).CHANNEL_RULES as string)).toEqual([
      { pattern: 'news/*', kind: 'allow' },
      { pattern: 'lobby/*', kind: 'allow', presence: true },
      { pattern: 'room/*', kind: 'hook', hook: 'arn:aws:lambda:eu-west-1:111111111111:function:hook', presence: true },
      { pattern: 'vip/*', kind: 'hook', hook: 'arn:aws:lambda:eu-west-1:111111111111:function:vip' },
    ]);
  });

  test('the channels function: the presence table, the work queue, the connections table and its attributes', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    expect(functionEnv(template, stack, pusher.channelsFunction)).toMatchObject({
      PRESENCE_TABLE_NAME: { Ref: idOf(stack, pusher.presenceTable) },
      WORK_QUEUE_URL: { Ref: idOf(stack, pusher.workQueue) },
      CONNECTIONS_TABLE_NAME: { Ref: idOf(stack, pusher.connectionsTable) },
      USER_ID_ATTRIBUTE: 'user_id',
      CONNECTION_ID_ATTRIBUTE: 'connection_id',
      TTL_ATTRIBUTE: 'expires_at',
    });
  });

  test('the connections table\'s own attribute names reach the channels function', () => {
    // WHEN
    const { stack, pusher, template } = synth(() => ({ userIdAttribute: 'uid', connectionIdAttribute: 'cid', timeToLiveAttribute: 'ttl' }));

    // THEN
    expect(functionEnv(template, stack, pusher.channelsFunction)).toMatchObject({ USER_ID_ATTRIBUTE: 'uid', CONNECTION_ID_ATTRIBUTE: 'cid', TTL_ATTRIBUTE: 'ttl' });
  });

  test('the connection stream function: CHANNEL_PRESENCE=true and the work queue, beside the cleanup\'s and presence\'s settings', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    expect(functionEnv(template, stack, pusher.connectionStreamFunction)).toMatchObject({
      CHANNEL_PRESENCE: 'true',
      WORK_QUEUE_URL: { Ref: idOf(stack, pusher.workQueue) },
      SUBSCRIPTIONS_TABLE_NAME: { Ref: idOf(stack, pusher.subscriptionsTable) },
      CHANNEL_SHARDS: '1',
      PRESENCE_TABLE_NAME: { Ref: idOf(stack, pusher.presenceTable) },
    });
  });

  test('without a presence rule neither function gets any of it', () => {
    // WHEN
    const { stack, pusher, template } = synth(() => ({ channels: { rules: [ChannelRule.allow('lobby/*')] } }));

    // THEN
    const channels = functionEnv(template, stack, pusher.channelsFunction);
    for (const name of ['PRESENCE_TABLE_NAME', 'WORK_QUEUE_URL', 'CONNECTIONS_TABLE_NAME', 'USER_ID_ATTRIBUTE', 'CONNECTION_ID_ATTRIBUTE', 'TTL_ATTRIBUTE']) {
      expect(channels).not.toHaveProperty(name);
    }
    expect(JSON.parse(channels.CHANNEL_RULES as string)).toEqual([{ pattern: 'lobby/*', kind: 'allow' }]);
    const stream = functionEnv(template, stack, pusher.connectionStreamFunction);
    expect(stream).not.toHaveProperty('CHANNEL_PRESENCE');
    expect(stream).not.toHaveProperty('WORK_QUEUE_URL');
  });
});

describe('channel presence: least privilege', () => {
  test('the channels function: exactly its channel statements, then the presence table, the connections table and the work queue', () => {
    // WHEN
    const { stack, pusher, template } = synth();
    const statements = statementsOf(template, stack, pusher.channelsFunction!.role!);

    // THEN
    expect(statements.filter((s) => !isBusStatement(s))).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [arnOf(stack, pusher.node.findChild('ChannelsFunctionLogGroup'))] },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resources: [arnOf(stack, pusher.subscriptionsTable)] },
      { actions: ['dynamodb:Query'], resources: [indexOf(stack, pusher.subscriptionsTable)] },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], resources: [arnOf(stack, pusher.presenceTable)] },
      { actions: ['dynamodb:Query'], resources: [arnOf(stack, pusher.connectionsTable)] },
      { actions: ['sqs:SendMessage'], resources: [arnOf(stack, pusher.workQueue)] },
    ]);
    expectOnlyPutEventsOnTheBus(statements);
  });

  test('the connection stream function: its lifecycle and cleanup statements, then GetItem on the subscriptions table, SendMessage on the work queue', () => {
    // WHEN
    const { stack, pusher, template } = synth();
    const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

    // THEN
    const connections = arnOf(stack, pusher.connectionsTable);
    const checkQueue = arnOf(stack, pusher.presenceCheckQueue);
    expect(statements).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [arnOf(stack, pusher.node.findChild('ConnectionStreamFunctionLogGroup'))] },
      // the cleanup
      { actions: ['dynamodb:BatchWriteItem'], resources: [arnOf(stack, pusher.subscriptionsTable)] },
      { actions: ['dynamodb:Query'], resources: [indexOf(stack, pusher.subscriptionsTable)] },
      // lifecycle events
      { actions: ['events:PutEvents'], resources: [defaultBusArn] },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [arnOf(stack, pusher.presenceTable)] },
      { actions: ['dynamodb:Query'], resources: [connections] },
      { actions: ['sqs:SendMessage'], resources: [checkQueue] },
      { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resources: [checkQueue] },
      { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], resources: [arnOf(stack, pusher.cleanupFailuresQueue)] },
      { actions: ['dynamodb:ListStreams'], resources: ['*'] },
      { actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [{ 'Fn::GetAtt': [idOf(stack, pusher.connectionsTable), 'StreamArn'] }] },
      // channel presence (the member rows: the presence table's GetItem and PutItem above; never a DeleteItem)
      { actions: ['dynamodb:GetItem'], resources: [arnOf(stack, pusher.subscriptionsTable)] },
      { actions: ['sqs:SendMessage'], resources: [arnOf(stack, pusher.workQueue)] },
    ]);
  });

  test('no wildcard action on any of the three roles, and `*` as a resource only for dynamodb:ListStreams', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    for (const role of [pusher.channelsFunction!.role!, pusher.connectionStreamFunction!.role!, pusher.role]) {
      const statements = statementsOf(template, stack, role);
      expect(statements.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
      expect(statements.filter((s) => s.resources.some((r) => typeof r === 'string' && r.includes('*')))).toEqual(
        role === pusher.connectionStreamFunction!.role ? [{ actions: ['dynamodb:ListStreams'], resources: ['*'] }] : []);
    }
  });

  test('the pusher\'s own role gets nothing more with presence than without', () => {
    // WHEN
    const withPresence = synth();
    const without = synth(() => ({ channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('lobby/*')] } }));

    // THEN
    expect(statementsOf(withPresence.template, withPresence.stack, withPresence.pusher.role))
      .toEqual(statementsOf(without.template, without.stack, without.pusher.role));
  });

  test('with enableDisconnect, the pusher marks the rows a disconnect request closes: CHANNEL_PRESENCE and exactly UpdateItem on the connections table more', () => {
    // WHEN
    const marking = synth(() => ({ enableDisconnect: true }));
    const plain = synth(() => ({ enableDisconnect: true, channels: { rules: [ChannelRule.allow('lobby/*')] } }));

    // THEN
    const added = statementsOf(marking.template, marking.stack, marking.pusher.role)
      .filter((s) => !JSON.stringify(statementsOf(plain.template, plain.stack, plain.pusher.role)).includes(JSON.stringify(s.actions)));
    expect(added).toEqual([{ actions: ['dynamodb:UpdateItem'], resources: [arnOf(marking.stack, marking.pusher.connectionsTable)] }]);
    // on no attribute but the key and the mark, returning nothing
    const policies = Object.values(marking.template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(policies.filter((st: any) => st.Action === 'dynamodb:UpdateItem')).toEqual([expect.objectContaining({
      Condition: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['user_id', 'connection_id', 'disconnect_request'] },
        'StringEqualsIfExists': { 'dynamodb:ReturnValues': 'NONE' },
      },
    })]);
    const envOf = (t: Template, fn: lambda.IFunction, stack: any) =>
      t.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild)].Properties.Environment.Variables;
    expect(envOf(marking.template, marking.pusher.pusherFunction, marking.stack).CHANNEL_PRESENCE).toBe('true');
    expect(envOf(plain.template, plain.pusher.pusherFunction, plain.stack).CHANNEL_PRESENCE).toBeUndefined();
    // without enableDisconnect (the default here): nothing of it
    const { template, pusher, stack } = synth();
    expect(envOf(template, pusher.pusherFunction, stack).CHANNEL_PRESENCE).toBeUndefined();
    expect(statementsOf(template, stack, pusher.role).flatMap((s) => s.actions)).not.toContain('dynamodb:UpdateItem');
  });

  test('without a presence rule both functions have exactly what they had before: no presence table for channels, nothing of the work queue', () => {
    // WHEN
    const { stack, pusher, template } = synth(() => ({ channels: { rules: [ChannelRule.allow('lobby/*')] } }));

    // THEN
    const channels = statementsOf(template, stack, pusher.channelsFunction!.role!);
    expectOnlyPutEventsOnTheBus(channels);
    expect(channels.filter((s) => !isBusStatement(s)).flatMap((s) => s.actions).sort()).toEqual([
      'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents',
    ]);
    const workQueue = idOf(stack, pusher.workQueue);
    const stream = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);
    expect(stream.filter((s) => JSON.stringify(s.resources).includes(workQueue))).toEqual([]);
    expect(stream.filter((s) => s.actions.includes('dynamodb:DeleteItem'))).toEqual([]);
    expect(stream.filter((s) => s.actions.includes('dynamodb:GetItem')))
      .toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [arnOf(stack, pusher.presenceTable)] }]);
  });

  test('customer-managed keys: the presence table\'s for reads and writes by the channels function, the connections table\'s for its Query', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({
      connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'ConnectionsKey') },
      lifecycleEvents: { presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'PresenceKey') } },
      channels: {
        rules: [ChannelRule.allow('lobby/*', { presence: true })],
        subscriptionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'SubscriptionsKey') },
      },
    }));

    // THEN
    const onKey = (role: iam.IRole, id: string) => [...new Set(statementsOf(template, stack, role)
      .filter((s) => JSON.stringify(s.resources).includes(id)).flatMap((s) => s.actions))].sort();
    const channels = pusher.channelsFunction!.role!;
    expect(onKey(channels, 'PresenceKey')).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(onKey(channels, 'ConnectionsKey')).toEqual(['kms:Decrypt']);
    expect(onKey(channels, 'SubscriptionsKey')).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    const stream = pusher.connectionStreamFunction!.role!;
    // the stream function's member rows and its GetItem on the subscriptions table: keys it already has
    expect(onKey(stream, 'PresenceKey')).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(onKey(stream, 'SubscriptionsKey')).toEqual(expect.arrayContaining(['kms:Decrypt']));
  });

  test('the work queue is SQS-managed (no key to grant): no KMS statement for it', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    expect(template.findResources('AWS::SQS::Queue')[idOf(stack, pusher.workQueue)].Properties.SqsManagedSseEnabled).toBe(true);
    expect(pusher.workQueue.encryptionMasterKey).toBeUndefined();
    for (const role of [pusher.channelsFunction!.role!, pusher.connectionStreamFunction!.role!]) {
      expect(statementsOf(template, stack, role).filter((s) => s.actions.some((a) => a.startsWith('kms:')))).toEqual([]);
    }
  });
});

describe('channel presence: cdk-nag', () => {
  test('no unsuppressed finding with a presence rule', () => {
    const { app, stack } = synth();
    expect(nagFindings(app, stack)).toEqual([]);
  });

  test('no unsuppressed finding with a hook presence rule and customer-managed keys on every table', () => {
    const { app, stack } = synth((s) => ({
      connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      lifecycleEvents: { presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } },
      channels: {
        rules: [ChannelRule.allow('news/*'), ChannelRule.hook('room/*', hookIn(s), { presence: true })],
        subscriptionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      },
      alarms: {},
    }));
    expect(nagFindings(app, stack)).toEqual([]);
  });
});
