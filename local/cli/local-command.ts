import type { IncomingMessage, ServerResponse } from 'node:http';
import { identityIsUserId, identityParameter, lambdaAuthorizerVerdict, type LocalAuthorizer } from '../api-gateway/routes/authorizers';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import { activityLine } from './activity-log';
import { consoleBackend } from '../console/console-backend';
import { consoleHandler, startConsoleServer } from '../console/console-server';
import { LOOPBACK } from '../net';
import { LocalSystem } from '../system/local-system';
import { connectionRoutes } from '../template/api';
import { findPushers, UsageError, type AssemblyPusher } from '../template/assembly';
import { pusherTable } from '../template/resources';

export interface LocalCommandOptions {
  /** The cloud assembly directory. @default 'cdk.out' */
  readonly app?: string;
  readonly stack?: string;
  /** The WebSocket and Management API port. @default 8080 */
  readonly port?: number;
  /** Where the per-request lines go. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * `stand-in` (the default): `?token=<user id>` is believed. `assembly`: the `$connect` route's Lambda authorizer from
   * the assembly runs (a Node.js function), and its answer decides.
   */
  readonly authorizer?: 'stand-in' | 'assembly';
  /** The pusher to run, by its construct path (`MyStack/Pusher`), when the assembly holds several. */
  readonly pusher?: string;
  /** Serves the console on its own port; by default it is served on the WebSocket port, under `/console`. */
  readonly consolePort?: number;
}

/** What the command runs: the pusher found in the assembly, and the local system running its stack. */
export interface LocalCommand {
  readonly pusher: AssemblyPusher;
  /** How many more pushers the assembly holds (the command runs one). */
  readonly otherPushers: number;
  readonly authorizer: 'stand-in' | 'assembly';
  readonly system: LocalSystem;
  /** The console's URL. */
  readonly consoleUrl: string;
  /** The other pushers' construct paths. */
  readonly otherPusherPaths: readonly string[];
  /** Stops the console (its own server, with `consolePort`) and the system. */
  stop(): Promise<void>;
}

/**
 * A synthesized app's pusher on loopback: the stack's tables, its routes, its queues and topics, and the staged handler
 * invoked by local event sources as Lambda's would, the other functions the routes, the streams and the Lambda Invoke
 * endpoint run from the assembly.
 */
export async function startLocalCommand(options: LocalCommandOptions = {}): Promise<LocalCommand> {
  const dir = options.app ?? 'cdk.out';
  const { chosen: pusher, others } = choosePusher(findPushers(dir, options.stack), options.pusher);
  const log = options.log ?? ((line: string) => console.log(line));
  const authorizer = options.authorizer ?? 'stand-in';
  let system: LocalSystem | undefined;
  let served: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const invoke = (logicalId: string, event: unknown) => system!.functions.invoke(logicalId, event);
  system = await LocalSystem.start({
    template: pusher.template,
    assembly: { dir, stackName: pusher.stackName },
    pusher: pusher.functionLogicalId,
    pusherCode: pusher.bundlePath,
    tableName: pusherTable(pusher.template, pusher.functionLogicalId).logicalId,
    port: options.port ?? 8080,
    // The stand-in believes the identity source the $connect route's authorizer reads (`?token=` without one).
    authorizer: authorizer === 'assembly' ? assemblyAuthorizer(pusher, invoke)
      : identityIsUserId(identityParameter(connectionRoutes(pusher.template).$connect?.identitySource ?? [])),
    queues: true,
    log,
    // Every function's lines are in the activity feed, which the log below prints.
    onFunctionInvocation: () => undefined,
    httpHandler: (req, res) => served?.(req, res) ?? false,
  });
  system.activity.on((activity) => {
    const line = activityLine(activity);
    if (line !== undefined) log(line);
  });
  const backend = consoleBackend(system, { authorizer });
  let consoleUrl = `http://${LOOPBACK}:${system.emulator.port}/console`;
  let stopConsole = async () => {};
  if (options.consolePort === undefined) {
    if (system.emulator.stage === 'console') {
      await system.stop();
      throw new UsageError('the stage is named "console", the console\'s own path on the WebSocket port: pass --console-port <port>');
    }
    served = consoleHandler(backend);
  } else {
    const server = await startConsoleServer(backend, options.consolePort).catch(async (error) => {
      await system!.stop();
      throw error;
    });
    consoleUrl = server.url;
    stopConsole = () => server.stop();
  }
  const running = system;
  return {
    pusher,
    otherPushers: others.length,
    otherPusherPaths: others.map(pusherPath),
    authorizer,
    system,
    consoleUrl,
    stop: async () => {
      await stopConsole();
      await running.stop();
    },
  };
}

/** A pusher's construct path: its function's `aws:cdk:path` without the function's own part (`MyStack/Pusher`). */
export function pusherPath(pusher: AssemblyPusher): string {
  const cdkPath = String(pusher.template.Resources[pusher.functionLogicalId]?.Metadata?.['aws:cdk:path'] ?? pusher.functionLogicalId);
  return cdkPath.replace(/\/Function\/Resource$/, '');
}

/** The pusher `--pusher` names (by construct path), else the first: a path no pusher has is an error naming them all. */
function choosePusher(pushers: readonly AssemblyPusher[], wanted?: string): { chosen: AssemblyPusher; others: AssemblyPusher[] } {
  if (wanted === undefined) return { chosen: pushers[0], others: pushers.slice(1) };
  const trimmed = wanted.replace(/\/+$/, '');
  const under = pushers.filter((p) => pusherPath(p).startsWith(`${trimmed}/`));
  const chosen = pushers.find((p) => pusherPath(p) === trimmed) ?? (under.length === 1 ? under[0] : undefined);
  if (!chosen) {
    const why = under.length > 1 ? `${under.length} pushers are under that construct path` : 'no pusher at that construct path';
    throw new UsageError(`--pusher ${wanted}: ${why} (pushers: ${pushers.map(pusherPath).join(', ')})`);
  }
  return { chosen, others: pushers.filter((p) => p !== chosen) };
}

/** The environment a backend sets to publish to the local queue and topic with the AWS SDK. */
export function backendEnv(command: LocalCommand): Record<string, string> {
  const { system } = command;
  const moto = system.messaging!.moto;
  const queueUrl = system.pusherQueues.requests?.url;
  const topicArn = system.pusherTopic;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: moto.endpoint,
    AWS_ENDPOINT_URL_SNS: moto.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: system.dynamoEndpoint,
    ...(system.lambda ? { AWS_ENDPOINT_URL_LAMBDA: system.lambda.endpoint } : {}),
    AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: system.emulator.callbackUrl,
    ...(queueUrl ? { PUSHER_QUEUE_URL: queueUrl } : {}),
    ...(topicArn ? { PUSHER_TOPIC_ARN: topicArn } : {}),
  };
}

/**
 * The `$connect` route's Lambda authorizer, run as API Gateway runs a REQUEST authorizer: an `Allow` policy lets the
 * connection in with its `principalId` and `context`; a `Deny` refuses it with 403, a thrown "Unauthorized" with 401.
 */
function assemblyAuthorizer(pusher: AssemblyPusher, invoke: (logicalId: string, event: unknown) => Promise<unknown>): LocalAuthorizer {
  const route = connectionRoutes(pusher.template).$connect;
  if (!route?.authorizerFunction) throw new UsageError('--authorizer assembly: the $connect route has no Lambda authorizer');
  return async ({ query, headers }) => lambdaAuthorizerVerdict(() => invoke(route.authorizerFunction!, {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:local/$connect`,
    headers,
    queryStringParameters: query,
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', apiId: 'local' },
  }));
}
