import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ChannelRule, ChannelsOptions } from '../channels-options';
import { grantManageConnections } from './permissions';
import { DURATION } from './prop-types';
import { ENV } from '../shared/constants';
import { HISTORY, HISTORY_ENV, HISTORY_RETENTION_SECONDS, type HistoryRuleSpec } from '../shared/history';

/** Whether a rule keeps history. */
export function hasHistory(options: ChannelsOptions): boolean {
  return Array.isArray(options.rules) && options.rules.some((rule) => rule?.history !== undefined);
}

/** A rule's retention in seconds (a number, or a token of one), as `CHANNEL_RULES` and `HISTORY_RULES` write it. */
export function historyField(rule: ChannelRule): { history?: number } {
  return rule.history === undefined ? {} : { history: rule.history.toSeconds() };
}

/**
 * What history needs: each rule's `history` a `Duration` of whole seconds from 1 minute to 30 days (a token only in
 * seconds), one history table (given or customised), and a rule with history for either to be of use.
 */
export function historyViolations(channels: ChannelsOptions): string[] {
  const rules = Array.isArray(channels.rules) ? channels.rules : [];
  const violations = rules.flatMap((rule) => (rule?.history === undefined ? [] : retentionViolations(rule)));
  if (channels.historyTable && channels.historyTableProps) {
    violations.push('WebsocketPusher: give either channels.historyTable (an existing resource) or channels.historyTableProps (to customise the created one), not both');
  }
  const given = (['historyTable', 'historyTableProps'] as const).filter((name) => channels[name] !== undefined);
  if (given.length > 0 && !rules.some((rule) => rule?.history !== undefined)) {
    violations.push(`WebsocketPusher: no channel rule has history, so ${given.map((name) => `channels.${name}`).join(' and ')} cannot be given`);
  }
  return violations;
}

function retentionViolations(rule: ChannelRule): string[] {
  const history = rule.history as unknown;
  const prefix = `WebsocketPusher: channels.rules: history on '${rule.pattern}'`;
  if (!DURATION.test(history)) return [`${prefix} must be a Duration (e.g. Duration.hours(1))`];
  const retention = history as NonNullable<ChannelRule['history']>;
  if (retention.isUnresolved()) {
    return retention.unitLabel() === 'seconds' ? [] : [`${prefix} from a token must be given in seconds (Duration.seconds(token))`];
  }
  const seconds = retention.toSeconds({ integral: false });
  const { MIN, MAX } = HISTORY_RETENTION_SECONDS;
  return Number.isInteger(seconds) && seconds >= MIN && seconds <= MAX
    ? []
    : [`${prefix} must be whole seconds from 1 minute to 30 days, got ${retention.toHumanString()}`];
}

export interface HistoryInputs {
  readonly options: ChannelsOptions;
  readonly stage: apigwv2.IWebSocketStage;
  /** The Management API endpoint: the channels function posts a `resume`'s replay itself. */
  readonly callbackUrl: string;
  readonly pusherRole: iam.Role;
  readonly pusherFunction: lambda.Function;
  readonly channelsFunction: lambda.Function;
  readonly subscriptionsTable: dynamodb.ITable;
}

/**
 * History (a rule's `history`): the history table (given or created), and both functions wired to it with exactly what
 * they do. The pusher stores each message of a history channel (the head: `GetItem`, `PutItem`, `UpdateItem`; the
 * message: a conditional `PutItem`; the head's repair: `Query`) and reads which of a request's history channels a
 * connection is subscribed to (`BatchGetItem` on the subscriptions table). The channels function answers `subscribe`
 * with the channel's position (`GetItem`, `PutItem` of a new head) and replays a `resume` (`Query`), posting the
 * messages to the connection itself (`ManageConnections`, `POST` only, on this stage). Nothing without a history rule.
 */
export function addHistory(scope: Construct, inputs: HistoryInputs): dynamodb.ITable | undefined {
  const { options, pusherRole, pusherFunction, channelsFunction } = inputs;
  if (!hasHistory(options)) return undefined;
  const table = options.historyTable ?? createHistoryTable(scope, options);
  const stack = Stack.of(scope);

  channelsFunction.addEnvironment(HISTORY_ENV.HISTORY_TABLE_NAME, table.tableName);
  channelsFunction.addEnvironment(ENV.CALLBACK_URL, inputs.callbackUrl);
  grantHistory(channelsFunction, table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
  // ownFunction gives each of the construct's functions an iam.Role of its own.
  grantManageConnections(scope, channelsFunction.role as iam.Role, inputs.stage, false);

  const rules: HistoryRuleSpec[] = options.rules.map((rule) => ({ pattern: rule.pattern, ...historyField(rule) }));
  pusherFunction.addEnvironment(HISTORY_ENV.HISTORY_TABLE_NAME, table.tableName);
  pusherFunction.addEnvironment(HISTORY_ENV.HISTORY_RULES, stack.toJsonString(rules));
  grantHistory(pusherRole, table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']);
  iam.Grant.addToPrincipal({ grantee: pusherRole, actions: ['dynamodb:BatchGetItem'], resourceArns: [inputs.subscriptionsTable.tableArn] });
  return table;
}

/** Exactly these actions on the history table (plus the key's, on a customer-managed key: both functions write). */
function grantHistory(grantee: iam.IGrantable, table: dynamodb.ITable, actions: string[]): void {
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
  table.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
}

/** The history table: a channel's head and messages under `channel_key`, ordered by `seq`, TTL on `expires_at`. */
function createHistoryTable(scope: Construct, options: ChannelsOptions): dynamodb.Table {
  const props = options.historyTableProps ?? {};
  return new dynamodb.Table(scope, 'HistoryTable', {
    tableName: props.tableName,
    partitionKey: { name: HISTORY.CHANNEL_KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: HISTORY.SEQ, type: dynamodb.AttributeType.NUMBER },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
    timeToLiveAttribute: HISTORY.EXPIRES_AT,
    deletionProtection: props.deletionProtection,
    encryption: props.encryption,
    encryptionKey: props.encryptionKey,
    // A replay buffer, not a record: a new table starts new epochs, and resuming clients are told to reset.
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
}
