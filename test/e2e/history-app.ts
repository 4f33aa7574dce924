import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand, DeleteItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { functionOfKind } from './channels-app';
import { publishAuthorizer } from './channels-publishing';
import type { UseLocalSystemOptions } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/identity';
import type { LocalSystem } from '../../local/system/local-system';
import { referencedId, type CloudTemplate } from '../../local/template/intrinsics';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher } from '../../src';
import { historyKey } from '../../src/shared/history';

/**
 * A CDK app with history channels, as a user writes it: rooms and each user's inbox keep an hour of history, news keeps
 * none; a Lambda authorizer on `$connect` (replaced locally by a token table: `t-<name>` is user `<name>`).
 */
export function synthesizeHistoryApp(): { template: CloudTemplate; assembly: { dir: string; stackName: string } } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'history-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'HistoryStack', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
  const authorizerFunction = new lambda.Function(stack, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("Unauthorized"); };'),
  });
  new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: {
      userId: ConnectionUserId.fromAuthorizer(),
      authorizer: new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] }),
    },
    channels: {
      rules: [
        ChannelRule.allow('room/*', { history: Duration.hours(1) }),
        ChannelRule.allow('inbox/{userId}', { history: Duration.hours(1) }),
        ChannelRule.allow('news/*'),
      ],
    },
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName('HistoryStack');
  const template = JSON.parse(readFileSync(path.join(outdir, artifact.templateFile), 'utf8')) as CloudTemplate;
  return { template, assembly: { dir: outdir, stackName: 'HistoryStack' } };
}

let synthesized: ReturnType<typeof synthesizeHistoryApp> | undefined;

/** The local system's options for the app (synthesized once per file). */
export function historySystemOptions(extra: UseLocalSystemOptions = {}): UseLocalSystemOptions {
  synthesized ??= synthesizeHistoryApp();
  return { ...synthesized, authorizer: publishAuthorizer, ...extra };
}

/** The history table's local name: the one the channels function's environment names. */
export function historyTableName(system: LocalSystem): string {
  const variables = system.template.Resources[functionOfKind(system.template, 'channels')].Properties.Environment.Variables;
  return system.names[referencedId(variables.HISTORY_TABLE_NAME)!];
}

/** Every row of a channel's log in `epoch`, as plain values in seq order. */
export async function historyRows(system: LocalSystem, channel: string, epoch: string): Promise<Array<Record<string, any>>> {
  const rows: Array<Record<string, any>> = [];
  let start: Record<string, any> | undefined;
  do {
    const out = await system.dynamodb.client.send(new QueryCommand({
      TableName: historyTableName(system),
      KeyConditionExpression: 'channel_key = :k',
      ExpressionAttributeValues: { ':k': { S: historyKey(channel, epoch) } },
      ConsistentRead: true,
      ExclusiveStartKey: start,
    }));
    rows.push(...(out.Items ?? []).map((item) => unmarshall(item)));
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}

/** Deletes a channel's head (its counter row), as an operator's mistake or a restored table would lose it. */
export async function deleteHead(system: LocalSystem, channel: string): Promise<void> {
  await system.dynamodb.client.send(new DeleteItemCommand({ TableName: historyTableName(system), Key: { channel_key: { S: channel }, seq: { N: '0' } } }));
}

/** Moves a message's expiry to the past: it is older than the retention (DynamoDB's TTL may not have deleted it yet). */
export async function expire(system: LocalSystem, channel: string, epoch: string, seq: number): Promise<void> {
  await system.dynamodb.client.send(new UpdateItemCommand({
    TableName: historyTableName(system),
    Key: { channel_key: { S: historyKey(channel, epoch) }, seq: { N: String(seq) } },
    UpdateExpression: 'SET expires_at = :t',
    ExpressionAttributeValues: { ':t': { N: String(Math.floor(Date.now() / 1000) - 1) } },
  }));
}

/** Writes `count` messages (seq `from`…) straight into a channel's log and raises its head: a long history, fast. */
export async function writeHistory(system: LocalSystem, channel: string, epoch: string, from: number, count: number): Promise<void> {
  const table = historyTableName(system);
  const expiresAt = String(Math.floor(Date.now() / 1000) + 3600);
  const puts = Array.from({ length: count }, (_, i) => ({
    PutRequest: { Item: { channel_key: { S: historyKey(channel, epoch) }, seq: { N: String(from + i) }, id: { S: `bulk-${from + i}` }, data: { S: String(from + i) }, expires_at: { N: expiresAt } } },
  }));
  for (let i = 0; i < puts.length; i += 25) {
    let batch: any[] = puts.slice(i, i + 25);
    while (batch.length > 0) {
      const out = await system.dynamodb.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
      batch = out.UnprocessedItems?.[table] ?? [];
    }
  }
  await system.dynamodb.client.send(new UpdateItemCommand({
    TableName: table,
    Key: { channel_key: { S: channel }, seq: { N: '0' } },
    UpdateExpression: 'SET #l = :l',
    ExpressionAttributeNames: { '#l': 'last' },
    ExpressionAttributeValues: { ':l': { N: String(from + count - 1) } },
  }));
}

/** The pushed messages a client received (replies left out), parsed. */
export function messagesOf(client: RecordingClient, from = 0): Array<Record<string, any>> {
  return client.messages.slice(from).map((text) => JSON.parse(text)).filter((m) => m.type === 'message');
}
