import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, JwtAuthorizer, MessageFormat, WebsocketPusher } from '../../src';

// README's "What survives `cdk destroy`" table, checked against a template with every feature on: each row's stated
// default removal policy is the one its resources get, and every resource that survives is in a row.

/** The README table's rows: the first cell, and the stated default (`RETAIN` or `DESTROY`). */
function readmeRows(): Array<{ resource: string; policy: 'Retain' | 'Delete' }> {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split('**What survives `cdk destroy`**')[1];
  const rows = section.split('\n\n')[1].split('\n').slice(2).filter((line) => line.startsWith('|'));
  return rows.map((line) => {
    const cells = line.split('|').map((cell) => cell.trim());
    const policy = /^`(RETAIN|DESTROY)`/.exec(cells[2])?.[1];
    if (!policy) throw new Error(`no default removal policy in the row: ${line}`);
    return { resource: cells[1], policy: policy === 'RETAIN' ? 'Retain' : 'Delete' };
  });
}

/** Which construct paths each row covers (by the row's first words). */
const COVERS: Array<[RegExp, RegExp]> = [
  [/^connections table$/, /\/Pusher\/ConnectionsTable\/Resource$/],
  [/^the KMS key/, /\/Pusher\/ConnectionsTable\/Key\/Resource$/],
  [/^the pusher's log group$/, /\/Pusher\/LogGroup\/Resource$/],
  [/^the channels function's and the connection stream function's log groups/,
    /\/(Pusher\/ChannelsFunctionLogGroup|Pusher\/ConnectionStreamFunctionLogGroup|Jwt\/LogGroup)\/Resource$/],
  [/^subscriptions, history and presence tables$/, /\/Pusher\/(SubscriptionsTable|HistoryTable|PresenceTable)\/Resource$/],
  [/^deduplication table, every queue$/, /\/Pusher\/(DeduplicationTable\/Resource|[A-Za-z]*Queue\/Resource)$/],
];

function everythingOn() {
  const s = stackWithStage();
  const authorizer = new JwtAuthorizer(s.stack, 'Jwt', { issuer: 'https://issuer.example.com/', audience: ['app'] });
  new WebsocketPusher(s.stack, 'Pusher', {
    webSocketStage: s.stage,
    connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer },
    messageFormat: MessageFormat.ENVELOPE,
    channels: { rules: [ChannelRule.allow('room/*', { presence: true, history: Duration.hours(1) })] },
    lifecycleEvents: {},
    deduplication: {},
    connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED },
  });
  const template = Template.fromStack(s.stack).toJSON() as { Resources: Record<string, { Type: string; DeletionPolicy?: string }> };
  // Each resource's construct path and its policy in the template (no DeletionPolicy: deleted).
  return s.stack.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource)
    .map((c) => ({ path: c.node.path, type: c.cfnResourceType, policy: template.Resources[s.stack.getLogicalId(c)]?.DeletionPolicy ?? 'Delete' }));
}

describe('README: what survives cdk destroy', () => {
  const resources = everythingOn();
  const rows = readmeRows();

  test('the table has the rows this test knows', () => {
    expect(rows.map((r) => COVERS.findIndex(([row]) => row.test(r.resource)))).toEqual(COVERS.map((_, i) => i));
  });

  test.each(COVERS.map(([row, paths], i) => [row.source, paths, i] as const))('%s: the stated policy is the template\'s', (_, paths, i) => {
    const covered = resources.filter((r) => paths.test(r.path));
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.map((r) => `${r.path}: ${r.policy}`)).toEqual(covered.map((r) => `${r.path}: ${rows[i].policy}`));
  });

  test('every resource that survives is in a row', () => {
    const surviving = resources.filter((r) => r.policy === 'Retain').map((r) => r.path);
    expect(surviving.filter((p) => !COVERS.some(([, paths]) => paths.test(p)))).toEqual([]);
  });

  test('the queues are all covered (the row says every queue)', () => {
    const queues = resources.filter((r) => r.type === 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(6);
    expect(queues.filter((q) => !COVERS[5][1].test(q.path))).toEqual([]);
  });
});
