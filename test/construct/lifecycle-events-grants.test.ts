import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';

// Least privilege with lifecycle events: the connection stream function gets exactly what it does on the bus, the
// presence table, the connections table and the check queue, what its two event sources need, and nothing on `*` but
// dynamodb:ListStreams (which has no resource-level scoping).

function synth(extra: (s: ReturnType<typeof stackWithStage>) => Partial<WebsocketPusherProps> = () => ({})) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.anonymous() },
    lifecycleEvents: {},
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

const arnOf = (stack: any, construct: any) => ({ 'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild), 'Arn'] });
const defaultBusArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111111111111:event-bus/default']] };

test('the connection stream function: exactly its statements, on exactly these resources', () => {
  // WHEN
  const { stack, pusher, template } = synth();
  const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

  // THEN
  const connections = arnOf(stack, pusher.connectionsTable);
  const checkQueue = arnOf(stack, pusher.presenceCheckQueue);
  expect(statements).toEqual([
    { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [arnOf(stack, pusher.node.findChild('ConnectionStreamFunctionLogGroup'))] },
    { actions: ['events:PutEvents'], resources: [defaultBusArn] },
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [arnOf(stack, pusher.presenceTable)] },
    { actions: ['dynamodb:Query'], resources: [connections] },
    { actions: ['sqs:SendMessage'], resources: [checkQueue] },
    // the check queue's event source
    { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resources: [checkQueue] },
    // the stream's event source: its on-failure destination, then the stream
    { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], resources: [arnOf(stack, pusher.cleanupFailuresQueue)] },
    { actions: ['dynamodb:ListStreams'], resources: ['*'] },
    { actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [{ 'Fn::GetAtt': [stack.getLogicalId((pusher.connectionsTable as any).node.defaultChild), 'StreamArn'] }] },
  ]);
});

test('a given bus: events:PutEvents on its ARN only', () => {
  // WHEN
  const { stack, pusher, template } = synth((s) => ({ lifecycleEvents: { eventBus: new events.EventBus(s.stack, 'Bus') } }));
  const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

  // THEN
  expect(statements.filter((s) => s.actions.some((a) => a.startsWith('events:')))).toEqual([
    { actions: ['events:PutEvents'], resources: [arnOf(stack, pusher.lifecycleEventBus)] },
  ]);
});

test('customer-managed keys: the presence table\'s for reads and writes, the connections table\'s for its reads', () => {
  // WHEN
  const { stack, pusher, template } = synth((s) => ({
    connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'ConnectionsKey') },
    lifecycleEvents: { presenceTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: new kms.Key(s.stack, 'PresenceKey') } },
  }));
  const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

  // THEN
  const onKey = (id: string) => statements.filter((s) => JSON.stringify(s.resources).includes(id)).flatMap((s) => s.actions).sort();
  expect(onKey('PresenceKey')).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  // Decrypt for the Query; Decrypt and DescribeKey for the stream (DynamoEventSource's grant)
  expect([...new Set(onKey('ConnectionsKey'))]).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
});

test('with channels too: the cleanup\'s grants and the lifecycle events\' on one role, nothing more on the subscriptions table', () => {
  // WHEN
  const { stack, pusher, template } = synth(() => ({ messageFormat: MessageFormat.ENVELOPE, channels: { rules: [ChannelRule.allow('room/*')] } }));
  const statements = statementsOf(template, stack, pusher.connectionStreamFunction!.role!);

  // THEN
  const subscriptions = stack.getLogicalId((pusher.subscriptionsTable as any).node.defaultChild);
  expect(statements.filter((s) => JSON.stringify(s.resources).includes(subscriptions)).flatMap((s) => s.actions).sort())
    .toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query']);
  expect(statements).toContainEqual({ actions: ['events:PutEvents'], resources: [defaultBusArn] });
  expect(statements).toContainEqual({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [arnOf(stack, pusher.presenceTable)] });
});

test('the pusher\'s own role gets nothing of lifecycle events', () => {
  // WHEN
  const { stack, pusher, template } = synth();
  const statements = statementsOf(template, stack, pusher.role);

  // THEN
  const ids = [pusher.presenceTable, pusher.presenceCheckQueue, pusher.presenceCheckDeadLetterQueue]
    .map((c) => stack.getLogicalId((c as any).node.defaultChild));
  expect(statements.filter((s) => ids.some((id) => JSON.stringify(s.resources).includes(id)))).toEqual([]);
  expect(statements.filter((s) => s.actions.some((a) => a.startsWith('events:')))).toEqual([]);
});
