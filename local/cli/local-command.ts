import { lambdaAuthorizerVerdict, tokenIsUserId, type LocalAuthorizer } from '../api-gateway/routes/authorizers';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import type { Invocation } from '../lambda-runtime/function-runner';
import type { EventBridgeDelivery } from '../system/eventbridge';
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
}

/** What the command runs: the pusher found in the assembly, and the local system running its stack. */
export interface LocalCommand {
  readonly pusher: AssemblyPusher;
  /** How many more pushers the assembly holds (the command runs one). */
  readonly otherPushers: number;
  readonly authorizer: 'stand-in' | 'assembly';
  readonly system: LocalSystem;
}

/**
 * A synthesized app's pusher on loopback: the stack's tables, its routes, its queues and topics, and the staged handler
 * invoked by local event sources as Lambda's would, the other functions the routes, the streams and the Lambda Invoke
 * endpoint run from the assembly.
 */
export async function startLocalCommand(options: LocalCommandOptions = {}): Promise<LocalCommand> {
  const dir = options.app ?? 'cdk.out';
  const [pusher, ...others] = findPushers(dir, options.stack);
  const log = options.log ?? ((line: string) => console.log(line));
  const authorizer = options.authorizer ?? 'stand-in';
  let system: LocalSystem | undefined;
  const invoke = (logicalId: string, event: unknown) => system!.functions.invoke(logicalId, event);
  system = await LocalSystem.start({
    template: pusher.template,
    assembly: { dir, stackName: pusher.stackName },
    pusher: pusher.functionLogicalId,
    pusherCode: pusher.bundlePath,
    tableName: pusherTable(pusher.template, pusher.functionLogicalId).logicalId,
    port: options.port ?? 8080,
    authorizer: authorizer === 'assembly' ? assemblyAuthorizer(pusher, invoke) : tokenIsUserId,
    queues: true,
    log,
    onInvocation: (invocation) => report(invocation, log),
    onFunctionInvocation: (logicalId, invocation) => reportFunction(logicalId, invocation, log),
    onEvent: (delivery) => reportEvent(delivery, log),
  });
  return { pusher, otherPushers: others.length, authorizer, system };
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

const now = () => new Date().toISOString().slice(11, 19);

/**
 * The routes' functions: one line per client frame the channels function answered (its `frame handled` line); EMF
 * lines left out; any other line (an app's hook, an error) as the function wrote it, after its logical id.
 */
function reportFunction(logicalId: string, invocation: Invocation, log: (line: string) => void): void {
  for (const line of invocation.lines.filter((l) => l.trim())) {
    const json = parsed(line);
    if (json?._aws) continue;
    if (json?.message === 'frame handled') {
      const what = `${json.action ?? json.routeKey ?? 'frame'} ${json.channel ?? ''}`.trim();
      log(`  ${now()}  ${'channels'.padEnd(18)} ${String(json.outcome).padEnd(10)} ${what} user=${json.userId ?? '-'}${json.code ? `  ${json.code}` : ''}`);
      continue;
    }
    log(`  ${logicalId}: ${line}`);
  }
  if (invocation.error) log(`  ${logicalId} threw ${invocation.error.name}: ${invocation.error.message}`);
}

/**
 * One line per event put on a bus: its source and detail-type, its bus, and each rule it matched with that rule's
 * targets (`matched`), or none (`unmatched`).
 */
function reportEvent({ bus, event, rules }: EventBridgeDelivery, log: (line: string) => void): void {
  const where = rules.map((r) => `${r.logicalId} -> ${r.targets.join(', ') || '-'}`).join('; ');
  log(`  ${now()}  ${'eventbridge'.padEnd(18)} ${(rules.length ? 'matched' : 'unmatched').padEnd(10)} ${event.source} ${event['detail-type']}`
    + ` bus=${bus}${where ? `  ${where}` : ''}`);
}

function parsed(line: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line per request, per work item, per connection stream batch that removed anything and per batch of presence
 * checks (the check queue's source, with `lifecycleEvents`), from the functions' own report lines.
 */
function report(invocation: Invocation, log: (line: string) => void): void {
  for (const line of invocation.json) {
    if (line.message === 'presence checks processed') {
      const outcomes = Object.entries(line.outcomes ?? {}).map(([outcome, n]) => `${outcome}=${n}`).join(' ');
      log(`  ${now()}  ${'presence checks'.padEnd(18)} ${`checks=${line.checks}`.padEnd(10)} ${outcomes || '-'}${line.failures ? `  failures=${line.failures}` : ''}`);
      continue;
    }
    if (line.message === 'stream batch processed') {
      const figures = ['removals', 'ttlRemovals', 'subscriptionsDeleted', 'failures'].filter((f) => line[f]).map((f) => `${f}=${line[f]}`).join(' ');
      // A batch of inserts only (connections arriving) has nothing to clean up: not a line.
      if (figures) log(`  ${now()}  ${'connection stream'.padEnd(18)} ${figures}`);
      continue;
    }
    if (line.message !== 'request processed' && line.message !== 'work item processed') continue;
    const figures = ['targets', 'delivered', 'gone', 'pruned', 'failed', 'closed'].filter((f) => line[f]).map((f) => `${f}=${line[f]}`).join(' ');
    const what = line.message === 'request processed' ? `${line.source} ${line.kind}` : `work item ${line.kind}`;
    log(`  ${now()}  ${what.padEnd(18)} ${String(line.outcome).padEnd(10)} ${figures || '-'}${line.error ? `  ${line.error.code}: ${line.error.message}` : ''}`);
  }
  if (invocation.error) log(`  the handler threw ${invocation.error.name}: ${invocation.error.message}`);
}
