import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { nagFindings, stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher } from '../../src';

// Least privilege with channels: each of the three functions gets exactly what it does on the subscriptions table (and
// its index), the hook only its invoke, and nothing on `*`.

function synth() {
  const s = stackWithStage();
  const hook = new lambda.Function(s.stack, 'RoomHook', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({ allow: true });'),
  });
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('news/*'), ChannelRule.hook('room/*', hook)] },
  });
  return { app: s.app, stack: s.stack, pusher, hook, template: Template.fromStack(s.stack) };
}

/** The statements of the policies attached to `role`, each as [actions, resources], CDK tokens kept as they are. */
function statementsOf(template: Template, stack: any, role: iam.IRole): Array<{ actions: string[]; resources: unknown[] }> {
  const roleId = stack.getLogicalId(role.node.defaultChild);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) => policy.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
    .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat() }));
}

const arnOf = (stack: any, construct: any) => ({ 'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild), 'Arn'] });
const indexOf = (stack: any, table: any) => ({ 'Fn::Join': ['', [arnOf(stack, table), '/index/by_connection']] });

test('the channels function: GetItem, PutItem, DeleteItem on the table, Query on its index, invoke of the hook, nothing else on them', () => {
  // WHEN
  const { stack, pusher, hook, template } = synth();
  const statements = statementsOf(template, stack, pusher.channelsFunction!.role!);

  // THEN
  const table = arnOf(stack, pusher.subscriptionsTable!);
  expect(statements).toContainEqual({ actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table] });
  expect(statements).toContainEqual({ actions: ['dynamodb:Query'], resources: [indexOf(stack, pusher.subscriptionsTable!)] });
  // exactly the hook's ARN: not its versions and aliases (`<arn>:*`, which cdk-nag's IAM5 flags)
  expect(statements.filter((s) => s.actions.includes('lambda:InvokeFunction'))).toEqual([{ actions: ['lambda:InvokeFunction'], resources: [arnOf(stack, hook)] }]);
  const tableId = stack.getLogicalId((pusher.subscriptionsTable as any).node.defaultChild);
  const onTable = statements.filter((s) => JSON.stringify(s.resources).includes(tableId));
  expect(onTable.flatMap((s) => s.actions).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
  expect(statements.filter((s) => s.resources.includes('*'))).toEqual([]);
});

test('the connection stream function: Query on the index and BatchWriteItem on the table only', () => {
  // WHEN
  const { stack, pusher, template } = synth();
  const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

  // THEN
  const tableId = stack.getLogicalId((pusher.subscriptionsTable as any).node.defaultChild);
  const onTable = statements.filter((s) => JSON.stringify(s.resources).includes(tableId));
  expect(onTable).toEqual(expect.arrayContaining([
    { actions: ['dynamodb:BatchWriteItem'], resources: [arnOf(stack, pusher.subscriptionsTable!)] },
    { actions: ['dynamodb:Query'], resources: [indexOf(stack, pusher.subscriptionsTable!)] },
  ]));
  expect(onTable.flatMap((s) => s.actions).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query']);
});

test('the pusher: Query and BatchWriteItem on the subscriptions table, no other action on it, no access to its index', () => {
  // WHEN
  const { stack, pusher, template } = synth();
  const statements = statementsOf(template, stack, pusher.role);

  // THEN
  const tableId = stack.getLogicalId((pusher.subscriptionsTable as any).node.defaultChild);
  const onTable = statements.filter((s) => JSON.stringify(s.resources).includes(tableId));
  expect(onTable).toEqual([{ actions: ['dynamodb:BatchWriteItem', 'dynamodb:Query'], resources: [arnOf(stack, pusher.subscriptionsTable!)] }]);
});

test('cdk-nag: no finding with a hook rule (its invoke grant names the one function)', () => {
  // WHEN
  const { app, stack } = synth();

  // THEN
  expect(nagFindings(app, stack)).toEqual([]);
});
