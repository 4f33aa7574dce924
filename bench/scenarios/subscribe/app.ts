/**
 * The app of the subscribe benchmark, synthesized as a user writes it: a WebSocket API, a Lambda authorizer on
 * `$connect` (replaced locally by the system's stand-in, `?token=<user id>`), a `WebsocketPusher` with
 * `connectionRoutes` (hence the `ping` route, a MOCK integration) and channels with one rule of each kind: an allow
 * rule bound to the connection's user, and a hook rule whose function (inline, run by the local system) allows all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../../local/identity';
import type { CloudTemplate } from '../../../local/template/intrinsics';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher } from '../../../src';

/** The allow rule: each user's own channels (`allow/<user>/…`); the hook rule: `hook/…`, judged by the app's function. */
export const RULES = { allow: 'allow/{userId}/*', hook: 'hook/*' } as const;

/** The hook: allows every subscribe, so that what is measured is the invocation, not the app's decision. */
const HOOK_SOURCE = 'exports.handler = async () => ({ allow: true });';

const STACK = 'SubscribeBench';

export function subscribeAppTemplate(): CloudTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'subscribe-bench-'));
  try {
    // No asset staging: the construct's functions run from assets/, the authorizer's and the hook's code is inline.
    const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, STACK, { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'bench', autoDeploy: true });
    const inline = (id: string, source: string) =>
      new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(source) });
    const authorizer = inline('AuthorizerFunction', 'exports.handler = async () => { throw new Error("Unauthorized"); };');
    new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: stage,
      messageFormat: MessageFormat.ENVELOPE,
      connectionRoutes: {
        userId: ConnectionUserId.fromAuthorizer(),
        authorizer: new WebSocketLambdaAuthorizer('Authorizer', authorizer, { identitySource: ['route.request.querystring.token'] }),
      },
      channels: { rules: [ChannelRule.allow(RULES.allow), ChannelRule.hook(RULES.hook, inline('Hook', HOOK_SOURCE))] },
    });
    return app.synth().getStackByName(STACK).template as CloudTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
