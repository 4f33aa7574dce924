import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { integrationsWithoutResponse, nagFindings, stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';

// Channel history (a rule's `history`): the history table (created or given), the `resume` route, the history settings
// of the pusher and the channels function, and exactly the grants they use. Without a history rule nothing of it is there.

type Extra = (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps>;

/** Channels with a plain rule and a history rule (an hour); `extra` overrides any prop. */
function synth(extra: Extra = () => ({})) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('feed/*', { history: Duration.hours(1) })] },
    ...extra(s),
  });
  return { ...s, pusher, template: Template.fromStack(s.stack) };
}

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
const resources = (template: Template, type: string): Array<[string, any]> => Object.entries(template.findResources(type));
const functionEnv = (template: Template, stack: any, fn: any): Record<string, unknown> =>
  template.findResources('AWS::Lambda::Function')[idOf(stack, fn)].Properties.Environment.Variables;
const routeKeys = (template: Template) => resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
/** The statements on a table (its ARN in their resources, by logical id). */
const onTable = (statements: Array<{ actions: string[]; resources: unknown[] }>, stack: any, table: any) =>
  statements.filter((s) => JSON.stringify(s.resources).includes(idOf(stack, table)));

describe('channel history: the table', () => {
  test('with a history rule: HistoryTable, keys channel_key (S) and seq (N), TTL expires_at, on demand, PITR, DESTROY', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    expect(pusher.historyTable).toBeDefined();
    const [id, table] = resources(template, 'AWS::DynamoDB::Table').find(([, t]) => JSON.stringify(t.Properties.KeySchema).includes('"seq"'))!;
    expect(id).toBe(idOf(stack, pusher.historyTable));
    expect(id).toMatch(/^PusherHistoryTable/);
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'channel_key', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'channel_key', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.Properties.StreamSpecification).toBeUndefined();
    expect(table).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('historyTableProps: its name, removal policy, PITR, deletion protection and key', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({
      channels: {
        rules: [ChannelRule.allow('feed/*', { history: Duration.days(30) })],
        historyTableProps: {
          tableName: 'history',
          removalPolicy: RemovalPolicy.RETAIN,
          pointInTimeRecovery: false,
          deletionProtection: true,
          encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: new kms.Key(s.stack, 'HistoryKey'),
        },
      },
    }));

    // THEN
    const table = template.findResources('AWS::DynamoDB::Table')[idOf(stack, pusher.historyTable)];
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.Properties).toMatchObject({
      TableName: 'history',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  test('historyTable: the given table is used, none is created', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({
      channels: {
        rules: [ChannelRule.allow('feed/*', { history: Duration.minutes(1) })],
        historyTable: dynamodb.Table.fromTableName(s.stack, 'Given', 'my-history'),
      },
    }));

    // THEN
    expect(pusher.historyTable!.tableName).toBe('my-history');
    expect(resources(template, 'AWS::DynamoDB::Table').filter(([, t]) => JSON.stringify(t.Properties.KeySchema).includes('"seq"'))).toEqual([]);
    expect(functionEnv(template, stack, pusher.pusherFunction).HISTORY_TABLE_NAME).toBe('my-history');
    expect(functionEnv(template, stack, pusher.channelsFunction).HISTORY_TABLE_NAME).toBe('my-history');
  });
});

describe('channel history: the functions\' settings', () => {
  const hookArn = 'arn:aws:lambda:eu-west-1:111111111111:function:hook';
  const rules = (s: ReturnType<typeof stackWithStage>) => [
    ChannelRule.allow('news/*'),
    ChannelRule.allow('feed/*', { history: Duration.hours(1) }),
    ChannelRule.hook('room/{context.room}', lambda.Function.fromFunctionArn(s.stack, 'H', hookArn), { history: Duration.days(30) }),
    ChannelRule.allow('inbox/{userId}', { history: Duration.seconds(90) }),
  ];

  test('CHANNEL_RULES: "history":<seconds> on the history rules only, after presence', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({ channels: { rules: rules(s) } }));

    // THEN
    expect(functionEnv(template, stack, pusher.channelsFunction).CHANNEL_RULES).toBe(JSON.stringify([
      { pattern: 'news/*', kind: 'allow' },
      { pattern: 'feed/*', kind: 'allow', history: 3600 },
      { pattern: 'room/{context.room}', kind: 'hook', hook: hookArn, history: 2592000 },
      { pattern: 'inbox/{userId}', kind: 'allow', history: 90 },
    ]));
  });

  test('HISTORY_RULES on the pusher: every rule in order, its pattern, and its retention on a history rule; HISTORY_TABLE_NAME', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({ channels: { rules: rules(s) } }));

    // THEN
    const env = functionEnv(template, stack, pusher.pusherFunction);
    expect(env.HISTORY_RULES).toBe(
      '[{"pattern":"news/*"},{"pattern":"feed/*","history":3600},{"pattern":"room/{context.room}","history":2592000},{"pattern":"inbox/{userId}","history":90}]');
    expect(env.HISTORY_TABLE_NAME).toEqual({ Ref: idOf(stack, pusher.historyTable) });
  });

  test('the channels function: HISTORY_TABLE_NAME and the pusher\'s own CALLBACK_URL', () => {
    // WHEN
    const { stack, pusher, template } = synth();

    // THEN
    const env = functionEnv(template, stack, pusher.channelsFunction);
    expect(env.HISTORY_TABLE_NAME).toEqual({ Ref: idOf(stack, pusher.historyTable) });
    expect(env.CALLBACK_URL).toEqual(functionEnv(template, stack, pusher.pusherFunction).CALLBACK_URL);
    expect(JSON.stringify(env.CALLBACK_URL)).toContain('.execute-api.eu-west-1.');
  });

  test('a given callbackUrl reaches the channels function too', () => {
    const { stack, pusher, template } = synth(() => ({ callbackUrl: 'https://ws.example.com/live' }));
    expect(functionEnv(template, stack, pusher.channelsFunction).CALLBACK_URL).toBe('https://ws.example.com/live');
  });

  test('a retention from a token in seconds is written as the token resolves', () => {
    // WHEN
    const { stack, pusher, template } = synth(() => ({
      channels: { rules: [ChannelRule.allow('feed/*', { history: Duration.seconds(Token.asNumber({ Ref: 'Retention' })) })] },
    }));

    // THEN
    expect(JSON.stringify(functionEnv(template, stack, pusher.pusherFunction).HISTORY_RULES)).toContain('{"Ref":"Retention"}');
    expect(JSON.stringify(functionEnv(template, stack, pusher.channelsFunction).CHANNEL_RULES)).toContain('{"Ref":"Retention"}');
  });
});

describe('channel history: the grants', () => {
  test('the pusher: GetItem, PutItem, UpdateItem, Query on the history table; BatchGetItem on the subscriptions table', () => {
    // WHEN
    const { stack, pusher, template } = synth();
    const statements = statementsOf(template, stack, pusher.role);

    // THEN
    expect(onTable(statements, stack, pusher.historyTable)).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], resources: [arnOf(stack, pusher.historyTable)] },
    ]);
    expect(onTable(statements, stack, pusher.subscriptionsTable)).toEqual([
      { actions: ['dynamodb:BatchWriteItem', 'dynamodb:Query'], resources: [arnOf(stack, pusher.subscriptionsTable)] },
      { actions: ['dynamodb:BatchGetItem'], resources: [arnOf(stack, pusher.subscriptionsTable)] },
    ]);
    expect(statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')))).toEqual([]);
  });

  test('the channels function: GetItem, PutItem, Query on the history table; ManageConnections on POST @connections/* of the stage only', () => {
    // WHEN
    const { stack, pusher, template, api } = synth();
    const statements = statementsOf(template, stack, pusher.channelsFunction!.role!);

    // THEN
    expect(onTable(statements, stack, pusher.historyTable)).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], resources: [arnOf(stack, pusher.historyTable)] },
    ]);
    expect(statements.filter((s) => s.actions.some((a) => a.startsWith('execute-api:')))).toEqual([{
      actions: ['execute-api:ManageConnections'],
      resources: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:', { Ref: idOf(stack, api) }, '/live/POST/@connections/*']] }],
    }]);
    // its subscriptions grants are unchanged
    expect(onTable(statements, stack, pusher.subscriptionsTable).flatMap((s) => s.actions).sort())
      .toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(statements.filter((s) => s.resources.includes('*'))).toEqual([]);
  });

  test('the connection stream function gets nothing on the history table', () => {
    const { stack, pusher, template } = synth();
    expect(onTable(statementsOf(template, stack, pusher.connectionStreamFunction!.role!), stack, pusher.historyTable)).toEqual([]);
  });

  test('a customer-managed key on the history table: Decrypt, Encrypt, GenerateDataKey for the pusher and the channels function', () => {
    // WHEN
    const { stack, pusher, template } = synth((s) => ({
      channels: {
        rules: [ChannelRule.allow('feed/*', { history: Duration.hours(1) })],
        historyTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'HistoryKey') },
      },
    }));

    // THEN
    const key = { 'Fn::GetAtt': [stack.getLogicalId(stack.node.findChild('HistoryKey').node.defaultChild as any), 'Arn'] };
    for (const role of [pusher.role, pusher.channelsFunction!.role!]) {
      expect(statementsOf(template, stack, role)).toContainEqual({ actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [key] });
    }
  });
});

describe('channel history: the resume route', () => {
  test('with a history rule: resume is a two-way Lambda route to the channels function, which API Gateway may invoke for it', () => {
    // WHEN
    const { stack, pusher, template, api } = synth();

    // THEN
    expect(routeKeys(template)).toEqual(['$connect', '$default', '$disconnect', 'ping', 'resume', 'subscribe', 'unsubscribe']);
    const byKey = Object.fromEntries(resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties]));
    expect(byKey.resume).toMatchObject({ RouteResponseSelectionExpression: '$default', Target: byKey.subscribe.Target });
    const sources = resources(template, 'AWS::Lambda::Permission')
      .filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(idOf(stack, pusher.channelsFunction)))
      .map(([, p]) => p.Properties.SourceArn);
    expect(sources).toContainEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:111111111111:', { Ref: idOf(stack, api) }, '/*resume']],
    });
    expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  });

  test('with presence and history: both routes', () => {
    const { template } = synth(() => ({
      channels: { rules: [ChannelRule.allow('lobby/*', { presence: true, history: Duration.minutes(5) })] },
      lifecycleEvents: {},
    }));
    expect(routeKeys(template)).toEqual(['$connect', '$default', '$disconnect', 'ping', 'presence', 'resume', 'subscribe', 'unsubscribe']);
  });
});

describe('channel history: nothing without a history rule', () => {
  test('no table, no route, no settings, no grants', () => {
    // WHEN
    const { stack, pusher, template } = synth(() => ({ channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.allow('lobby/*', {})] } }));

    // THEN
    expect(pusher.historyTable).toBeUndefined();
    expect(resources(template, 'AWS::DynamoDB::Table').filter(([, t]) => JSON.stringify(t.Properties.KeySchema).includes('"seq"'))).toEqual([]);
    expect(routeKeys(template)).not.toContain('resume');
    expect(Object.keys(functionEnv(template, stack, pusher.pusherFunction))).not.toContain('HISTORY_TABLE_NAME');
    expect(Object.keys(functionEnv(template, stack, pusher.pusherFunction))).not.toContain('HISTORY_RULES');
    const channelsEnv = functionEnv(template, stack, pusher.channelsFunction);
    expect(Object.keys(channelsEnv)).not.toContain('HISTORY_TABLE_NAME');
    expect(Object.keys(channelsEnv)).not.toContain('CALLBACK_URL');
    expect(channelsEnv.CHANNEL_RULES).toBe('[{"pattern":"news/*","kind":"allow"},{"pattern":"lobby/*","kind":"allow"}]');
    const all = [...statementsOf(template, stack, pusher.role), ...statementsOf(template, stack, pusher.channelsFunction!.role!)];
    expect(all.filter((s) => s.actions.includes('dynamodb:BatchGetItem') || s.actions.includes('dynamodb:UpdateItem'))).toEqual([]);
    expect(statementsOf(template, stack, pusher.channelsFunction!.role!).filter((s) => s.actions.some((a) => a.startsWith('execute-api:')))).toEqual([]);
  });
});

describe('channel history: synth-time errors', () => {
  const construct = (channels: WebsocketPusherProps['channels']) => () => {
    const s = stackWithStage();
    new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage, connectionRoutes: { userId: ConnectionUserId.anonymous() }, messageFormat: MessageFormat.ENVELOPE, channels,
    });
  };

  test.each([
    ['59 seconds', Duration.seconds(59), '59 seconds'],
    ['31 days', Duration.days(31), '31 days'],
    ['zero', Duration.seconds(0), '0 seconds'],
    ['fractional seconds', Duration.millis(60_500), '1 minute 500 millis'],
  ])('%s: the message names channels.rules, the pattern and the range', (_name, history, shown) => {
    expect(construct({ rules: [ChannelRule.allow('news/*'), ChannelRule.allow('feed/*', { history })] })).toThrow(
      `WebsocketPusher: channels.rules: history on 'feed/*' must be whole seconds from 1 minute to 30 days, got ${shown} [TestStack/Pusher]`);
  });

  test.each([
    ['1 minute', Duration.minutes(1)],
    ['30 days', Duration.days(30)],
    ['whole seconds in milliseconds', Duration.millis(61_000)],
    ['a token in seconds', Duration.seconds(Token.asNumber({ Ref: 'Retention' }))],
  ])('%s: accepted', (_name, history) => {
    expect(construct({ rules: [ChannelRule.allow('feed/*', { history })] })).not.toThrow();
  });

  test('a token in minutes: refused, it must be given in seconds', () => {
    expect(construct({ rules: [ChannelRule.allow('feed/*', { history: Duration.minutes(Token.asNumber({ Ref: 'Retention' })) })] })).toThrow(
      "WebsocketPusher: channels.rules: history on 'feed/*' from a token must be given in seconds (Duration.seconds(token)) [TestStack/Pusher]");
  });

  test.each([
    ['a number (a JavaScript caller\'s seconds)', 3600],
    ['a string', '1 hour'],
    ['an object', { seconds: 3600 }],
  ])('not a Duration, %s: refused at synth, naming the pattern', (_name, history) => {
    expect(construct({ rules: [ChannelRule.allow('feed/*', { history: history as unknown as Duration })] })).toThrow(
      "WebsocketPusher: channels.rules: history on 'feed/*' must be a Duration (e.g. Duration.hours(1)) [TestStack/Pusher]");
  });

  test('historyTable and historyTableProps together: refused, with their Python spellings', () => {
    const s = stackWithStage();
    expect(() => new WebsocketPusher(s.stack, 'Pusher', {
      webSocketStage: s.stage,
      connectionRoutes: { userId: ConnectionUserId.anonymous() },
      messageFormat: MessageFormat.ENVELOPE,
      channels: {
        rules: [ChannelRule.allow('feed/*', { history: Duration.hours(1) })],
        historyTable: dynamodb.Table.fromTableName(s.stack, 'Given', 'my-history'),
        historyTableProps: { pointInTimeRecovery: false },
      },
    })).toThrow('WebsocketPusher: give either channels.historyTable (an existing resource) or channels.historyTableProps (to customise the created one), '
      + 'not both [TestStack/Pusher; Python: channels.history_table, channels.history_table_props]');
  });

  test('historyTableProps without a history rule: refused (it would be of no use)', () => {
    expect(construct({ rules: [ChannelRule.allow('feed/*')], historyTableProps: { pointInTimeRecovery: false } })).toThrow(
      'WebsocketPusher: no channel rule has history, so channels.historyTableProps cannot be given [TestStack/Pusher; Python: channels.history_table_props]');
  });

  test('historyTable of the wrong type (a JavaScript caller\'s table name): refused by the type check', () => {
    expect(construct({ rules: [ChannelRule.allow('feed/*', { history: Duration.hours(1) })], historyTable: 'my-history' as unknown as dynamodb.ITable }))
      .toThrow("WebsocketPusher: channels.historyTable must be an ITable, got 'my-history'");
  });

  test('among other violations: its own line', () => {
    expect(construct({ rules: [ChannelRule.allow('feed/*', { history: Duration.seconds(1) }), ChannelRule.allow('x/*', { history: Duration.days(31) })] }))
      .toThrow("  - channels.rules: history on 'x/*' must be whole seconds from 1 minute to 30 days, got 31 days");
  });
});

describe('channel history: cdk-nag', () => {
  test('no unsuppressed finding with a history rule', () => {
    const { app, stack } = synth();
    expect(nagFindings(app, stack)).toEqual([]);
  });

  test('no unsuppressed finding with history, presence, a hook and customer-managed keys on every table', () => {
    const { app, stack } = synth((s) => ({
      connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      lifecycleEvents: { presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } },
      channels: {
        rules: [
          ChannelRule.allow('news/*', { history: Duration.days(1) }),
          ChannelRule.hook('room/*', lambda.Function.fromFunctionArn(s.stack, 'H', 'arn:aws:lambda:eu-west-1:111111111111:function:hook'),
            { presence: true, history: Duration.hours(1) }),
        ],
        subscriptionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
        historyTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
      },
      enableDisconnect: true,
      alarms: {},
    }));
    expect(nagFindings(app, stack)).toEqual([]);
  });
});
