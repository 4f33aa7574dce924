import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudTemplate } from './intrinsics';
import { ConnectionUserId, WebsocketPusher, type WebsocketPusherProps } from '../../src';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../identity';

/** The app the local stack runs when it is given no template of its own. */
export interface LocalAppOptions {
  /** @default 'local' */
  readonly stageName?: string;
  /** The connections table's attribute names (an empty `ttlAttribute`: none). @default the construct's defaults */
  readonly schema?: { readonly userIdAttribute: string; readonly connectionIdAttribute: string; readonly ttlAttribute: string };
  /** Keys of the authorizer's context stored in each row (`connectionRoutes.authorizerContextAttributes`). */
  readonly authorizerContextAttributes?: string[];
  /** `connectionRoutes.connectionTtl`, in seconds. @default the construct's default */
  readonly connectionTtlSeconds?: number;
  /**
   * Where the user id comes from: the Lambda authorizer's `principalId`, the IAM caller of an IAM-authorized
   * `$connect` (`identity.userArn` of the stand-in's answer), or nowhere (each connection its own user).
   * @default 'authorizer'
   */
  readonly userId?: 'authorizer' | 'iam-caller' | 'anonymous';
  /** Other props of the pusher. */
  readonly props?: Partial<WebsocketPusherProps>;
}

const cache = new Map<string, CloudTemplate>();

/**
 * Synthesizes the app every local run starts from: a WebSocket API and stage, and a `WebsocketPusher` with
 * `connectionRoutes` (the user id from a Lambda authorizer's `principalId`, whose local stand-in the stack is given)
 * and `enableDisconnect`. The local stack then executes this template: what is tested is what is deployed.
 */
export function localAppTemplate(options: LocalAppOptions = {}): CloudTemplate {
  const key = JSON.stringify(options);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'websocket-pusher-local-'));
  try {
    // No asset staging: the template is read, never deployed, and the handler runs from assets/ directly.
    const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, 'Local', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: options.stageName ?? 'local', autoDeploy: true });
    const schema = options.schema;
    const attributes = schema
      ? { userIdAttribute: schema.userIdAttribute, connectionIdAttribute: schema.connectionIdAttribute, timeToLiveAttribute: schema.ttlAttribute }
      : {};
    new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: stage,
      ...attributes,
      connectionRoutes: {
        ...userIdSource(stack, options.userId ?? 'authorizer'),
        ...(options.connectionTtlSeconds ? { connectionTtl: Duration.seconds(options.connectionTtlSeconds) } : {}),
        ...(options.authorizerContextAttributes ? { authorizerContextAttributes: options.authorizerContextAttributes } : {}),
      },
      enableDisconnect: true,
      ...options.props,
    });
    const template = app.synth().getStackByName('Local').template as CloudTemplate;
    cache.set(key, template);
    return template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function userIdSource(stack: Stack, source: NonNullable<LocalAppOptions['userId']>) {
  switch (source) {
    case 'anonymous': return { userId: ConnectionUserId.anonymous() };
    case 'iam-caller': return { userId: ConnectionUserId.fromIamCaller(), authorizer: new WebSocketIamAuthorizer() };
    default: return { userId: ConnectionUserId.fromAuthorizer(), authorizer: localAuthorizer(stack) };
  }
}

/** A Lambda authorizer in the template; locally, its answer comes from the stack's `LocalAuthorizer` stand-in. */
function localAuthorizer(stack: Stack): WebSocketLambdaAuthorizer {
  const fn = new lambda.Function(stack, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("Unauthorized"); };'),
  });
  return new WebSocketLambdaAuthorizer('Authorizer', fn, { identitySource: ['route.request.querystring.token'] });
}
