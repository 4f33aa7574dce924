import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { UseLocalSystemOptions } from './support';
import type { AuthorizerAnswer, LocalAuthorizer } from '../../local/api-gateway/routes/authorizers';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/identity';
import type { LocalSystem } from '../../local/system/local-system';
import { referencedId, resourcesOfType, type CloudTemplate } from '../../local/template/intrinsics';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';
import { PUSHER_METADATA_KEY } from '../../src/shared/constants';

/**
 * The app's own hook for `room/*`: rooms `open-…` for everyone, `vip` for tenant acme, `broken` throws; anything else
 * refused. It logs what it was asked, so that a test can read the event the channels function sent.
 */
const HOOK_SOURCE = `
exports.handler = async (event) => {
  console.log(JSON.stringify({ message: 'hook asked', event }));
  if (event.channel === 'room/broken') throw new Error('the hook broke');
  const room = event.channel.split('/')[1];
  return { allow: room.startsWith('open-') || (room === 'vip' && event.context.tenant === 'acme') };
};`;

/** The authorizer stand-in: a token → identity table, as a Lambda authorizer would look tokens up. */
export const TOKENS: Record<string, AuthorizerAnswer> = {
  't-alice': { principalId: 'alice', context: { tenant: 'acme' } },
  't-bob': { principalId: 'bob', context: { tenant: 'globex' } },
  't-slash': { principalId: 'alice/inbox', context: { tenant: 'acme/x' } },
};
export const tokenTable: LocalAuthorizer = ({ query }) => TOKENS[query.token];

/** The rules the app declares, in order: each user's own channels, the tenant's news, the hook's rooms. */
export const RULES = ['user/{userId}/*', 'tenant/{context.tenant}/news', 'room/*'] as const;

/** What a test may change in the app: the channels' shard count, and other props of the pusher. */
export interface ChannelsAppOptions {
  /** The channels' `shards`. @default the construct's default (1) */
  readonly shards?: number;
  /** More props of the pusher (e.g. `segmentedBroadcast`), over the app's. */
  readonly props?: Partial<WebsocketPusherProps>;
}

/**
 * A CDK app as a user writes it, synthesized with its assets staged: a WebSocket API, a Lambda authorizer on
 * `$connect` (replaced locally by the token table), a `WebsocketPusher` with `connectionRoutes`, the envelope and
 * channels (two allow rules with placeholders and a hook rule on the app's inline function).
 */
export function synthesizeChannelsApp(options: ChannelsAppOptions = {}): { template: CloudTemplate; assembly: { dir: string; stackName: string } } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'channels-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'ChannelsStack', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
  const authorizerFunction = new lambda.Function(stack, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("Unauthorized"); };'),
  });
  const hook = new lambda.Function(stack, 'RoomHook', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(HOOK_SOURCE) });
  new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: {
      userId: ConnectionUserId.fromAuthorizer(),
      authorizer: new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] }),
      authorizerContextAttributes: ['tenant'],
    },
    channels: {
      rules: [ChannelRule.allow(RULES[0]), ChannelRule.allow(RULES[1]), ChannelRule.hook(RULES[2], hook)],
      ...(options.shards === undefined ? {} : { shards: options.shards }),
    },
    ...options.props,
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName('ChannelsStack');
  const template = JSON.parse(readFileSync(path.join(outdir, artifact.templateFile), 'utf8')) as CloudTemplate;
  return { template, assembly: { dir: outdir, stackName: 'ChannelsStack' } };
}

let synthesized: ReturnType<typeof synthesizeChannelsApp> | undefined;

/** The local system's options for the app (synthesized once per file): its template and assembly, the token table. */
export function channelsSystemOptions(extra: UseLocalSystemOptions = {}): UseLocalSystemOptions {
  synthesized ??= synthesizeChannelsApp();
  return { ...synthesized, authorizer: tokenTable, ...extra };
}

/** The logical id of one of the construct's functions, by its kind. */
export function functionOfKind(template: CloudTemplate, kind: string): string {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').find(([, r]) => r.Metadata?.[PUSHER_METADATA_KEY]?.function === kind);
  if (!found) throw new Error(`no ${kind} function in the template`);
  return found[0];
}

/** The subscriptions table's local name: the one the channels function's environment names. */
export function subscriptionsTableName(system: LocalSystem): string {
  const variables = system.template.Resources[functionOfKind(system.template, 'channels')].Properties.Environment.Variables;
  return system.names[referencedId(variables.SUBSCRIPTIONS_TABLE_NAME)!];
}

/** Every subscription row, as plain values, sorted by connection then channel. */
export async function subscriptionRows(system: LocalSystem): Promise<Array<Record<string, any>>> {
  const out = await system.dynamodb.client.send(new ScanCommand({ TableName: subscriptionsTableName(system), ConsistentRead: true }));
  return (out.Items ?? []).map((item) => unmarshall(item))
    .sort((a, b) => `${a.connection_id} ${a.channel_key}`.localeCompare(`${b.connection_id} ${b.channel_key}`));
}

/** The channels each connection is subscribed to, by connection id. */
export async function channelsByConnection(system: LocalSystem): Promise<Record<string, string[]>> {
  const byConnection: Record<string, string[]> = {};
  for (const row of await subscriptionRows(system)) (byConnection[row.connection_id] ??= []).push(row.channel);
  return byConnection;
}
